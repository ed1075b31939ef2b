// SPDX-License-Identifier: Apache-2.0
#include "intervention_fields.h"

#include "attnscope/analyses/act_calibration.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>

#include <algorithm>
#include <map>

namespace attnscope::studio {

namespace {

std::vector<std::string> entries(const QLineEdit* edit) {
    return runtime::splitSpecList(edit->text().toStdString());
}

QString joined(const QLineEdit* edit) {
    QStringList parts;
    for (const std::string& entry : entries(edit))
        parts << QString::fromStdString(entry);
    return parts.join(QStringLiteral(", "));
}

/// `status` with the field's label, the field focused.
Status refused(QLineEdit* edit, const QString& label, const Status& status) {
    edit->setFocus();
    return Status::error(status.code(), status.message()).atField(label.toStdString());
}

} // namespace

InterventionFields::InterventionFields(const analyses::SinkParameters& sinkRule, QWidget* parent)
    : QWidget(parent), m_sinkRule(sinkRule) {
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);

    m_mask = new QLineEdit(this);
    m_mask->setObjectName(QStringLiteral("maskHeadsEdit"));
    m_mask->setPlaceholderText(tr("e.g. 1:0, 1:3"));
    m_mask->setToolTip(tr("LAYER:HEAD (0-based): these heads' outputs are zeroed (ablation)"));
    form->addRow(tr("&Mask heads:"), m_mask);

    m_calibrate = new QLineEdit(this);
    m_calibrate->setObjectName(QStringLiteral("calibrateHeadsEdit"));
    m_calibrate->setPlaceholderText(tr("e.g. 1:*, 2:0"));
    const QString rule =
        QString::fromStdString(analyses::describeActCalibration(analyses::kActBeta, sinkRule));
    m_calibrate->setToolTip(
        tr("ACT attention calibration (LAYER:HEAD, or LAYER:* for a whole layer): each head's sink keys, "
           "found by the sink rule on the head's own attention to the input, keep β of the attention they "
           "receive; the rest goes to the other keys in proportion. Rule: %1")
            .arg(rule.mid(rule.indexOf(QLatin1String("threshold")))));
    form->addRow(tr("&Calibrate heads (ACT):"), m_calibrate);

    m_beta = new QDoubleSpinBox(this);
    m_beta->setObjectName(QStringLiteral("actBetaSpin"));
    m_beta->setRange(0.0, 1.0);
    m_beta->setDecimals(3);
    m_beta->setSingleStep(0.05);
    m_beta->setValue(analyses::kActBeta);
    m_beta->setToolTip(tr("The share of attention a calibrated sink key keeps (ACT's default: 0.4)"));
    form->addRow(tr("ACT &β:"), m_beta);

    m_share = new QLineEdit(this);
    m_share->setObjectName(QStringLiteral("shareLayersEdit"));
    m_share->setPlaceholderText(tr("e.g. 1-3"));
    m_share->setToolTip(tr("EchoAtt attention sharing (FIRST-LAST, 0-based): layers FIRST+1 … LAST reuse "
                           "layer FIRST's attention probabilities with their own values; no distillation"));
    form->addRow(tr("&Share attention (EchoAtt):"), m_share);
}

Expected<runtime::Interventions> InterventionFields::parse() const {
    runtime::Interventions parsed;
    auto masked = runtime::parseHeadSpecs(entries(m_mask), false);
    if (!masked)
        return refused(m_mask, tr("Mask heads"), masked.status());
    parsed.maskedHeads = std::move(masked).value();
    auto calibrated = runtime::parseHeadSpecs(entries(m_calibrate), true);
    if (!calibrated)
        return refused(m_calibrate, tr("Calibrate heads"), calibrated.status());
    if (!calibrated->empty())
        parsed.calibration = analyses::actCalibration(*calibrated, m_beta->value(), m_sinkRule);
    auto blocks = runtime::parseLayerBlocks(entries(m_share));
    Expected<std::vector<runtime::SharedAttention>> sharing = blocks.status();
    if (blocks)
        sharing = runtime::sharingFromBlocks(*blocks);
    if (!sharing)
        return refused(m_share, tr("Share attention"), sharing.status());
    parsed.sharing = std::move(sharing).value();
    return parsed;
}

void InterventionFields::setInterventions(const nlohmann::json& record) {
    if (!record.is_object())
        return;
    auto heads = [](const nlohmann::json& list) {
        QStringList text;
        for (const auto& pair : list)
            if (pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() &&
                pair[1].is_number_integer())
                text << QStringLiteral("%1:%2").arg(pair[0].get<int>()).arg(pair[1].get<int>());
        return text.join(QStringLiteral(", "));
    };
    if (record.contains("masked_heads") && record["masked_heads"].is_array())
        m_mask->setText(heads(record["masked_heads"]));
    if (record.contains("calibration") && record["calibration"].is_object()) {
        const nlohmann::json& calibration = record["calibration"];
        if (calibration.contains("heads") && calibration["heads"].is_array())
            m_calibrate->setText(heads(calibration["heads"]));
        if (calibration.contains("beta") && calibration["beta"].is_number())
            m_beta->setValue(calibration["beta"].get<double>());
    }
    if (record.contains("sharing") && record["sharing"].is_array()) {
        // Source -> its last target: the blocks they were made from (targets are consecutive).
        std::map<int, int> blocks;
        for (const auto& share : record["sharing"])
            if (share.is_object() && share.value("source", nlohmann::json()).is_number_integer() &&
                share.value("target", nlohmann::json()).is_number_integer())
                blocks[share["source"].get<int>()] =
                    std::max(blocks[share["source"].get<int>()], share["target"].get<int>());
        QStringList text;
        for (const auto& [first, last] : blocks)
            text << QStringLiteral("%1-%2").arg(first).arg(last);
        m_share->setText(text.join(QStringLiteral(", ")));
    }
}

QString InterventionFields::label() const {
    QStringList parts;
    if (!m_mask->text().trimmed().isEmpty())
        parts << tr("mask %1").arg(joined(m_mask));
    if (!m_calibrate->text().trimmed().isEmpty())
        parts << tr("ACT %1 β %2").arg(joined(m_calibrate)).arg(m_beta->value());
    if (!m_share->text().trimmed().isEmpty())
        parts << tr("share %1").arg(joined(m_share));
    return parts.join(QStringLiteral(" · "));
}

} // namespace attnscope::studio
