// SPDX-License-Identifier: Apache-2.0
#include "intervention_dialog.h"

#include "attnscope/analyses/act_calibration.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

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

} // namespace

InterventionDialog::InterventionDialog(const analyses::SinkParameters& sinkRule, QWidget* parent)
    : QDialog(parent), m_sinkRule(sinkRule) {
    setObjectName(QStringLiteral("interventionDialog"));
    setWindowTitle(tr("Intervene and Re-analyze"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("The shown run's input is analyzed again, with the same analyses and parameters, on the model "
           "changed as below (training-free). The result is stored as a new run and compared with the "
           "shown one. A calibrated head's own statistics stay those of its attention before calibration; "
           "the change shows in the later layers and the outputs."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    layout->addLayout(form);

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
           "found by the shown run's sink rule on the head's own attention to this input, keep β of the "
           "attention they receive; the rest goes to the other keys in proportion. Rule: %1")
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

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("interventionError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->hide();
    layout->addWidget(m_error);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Re-analyze"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void InterventionDialog::showError(const QString& field, const Status& status) {
    m_error->setText(QStringLiteral("%1: %2").arg(field, QString::fromStdString(status.message())));
    m_error->show();
}

bool InterventionDialog::apply() {
    runtime::Interventions parsed;
    auto masked = runtime::parseHeadSpecs(entries(m_mask), false);
    if (!masked) {
        showError(tr("Mask heads"), masked.status());
        m_mask->setFocus();
        return false;
    }
    parsed.maskedHeads = std::move(masked).value();
    auto calibrated = runtime::parseHeadSpecs(entries(m_calibrate), true);
    if (!calibrated) {
        showError(tr("Calibrate heads"), calibrated.status());
        m_calibrate->setFocus();
        return false;
    }
    if (!calibrated->empty())
        parsed.calibration = analyses::actCalibration(*calibrated, m_beta->value(), m_sinkRule);
    auto blocks = runtime::parseLayerBlocks(entries(m_share));
    Expected<std::vector<runtime::SharedAttention>> sharing = blocks.status();
    if (blocks)
        sharing = runtime::sharingFromBlocks(*blocks);
    if (!sharing) {
        showError(tr("Share attention"), sharing.status());
        m_share->setFocus();
        return false;
    }
    parsed.sharing = std::move(sharing).value();
    if (parsed.empty()) {
        m_error->setText(tr("Nothing to change: name heads to mask or calibrate, or layers to share."));
        m_error->show();
        return false;
    }
    m_interventions = std::move(parsed);
    m_error->hide();
    m_error->clear();
    return true;
}

void InterventionDialog::setInterventions(const nlohmann::json& record) {
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

QString InterventionDialog::label() const {
    QStringList parts;
    if (!m_mask->text().trimmed().isEmpty())
        parts << tr("mask %1").arg(joined(m_mask));
    if (!m_calibrate->text().trimmed().isEmpty())
        parts << tr("ACT %1 β %2").arg(joined(m_calibrate)).arg(m_beta->value());
    if (!m_share->text().trimmed().isEmpty())
        parts << tr("share %1").arg(joined(m_share));
    return parts.join(QStringLiteral(" · "));
}

QString InterventionDialog::errorText() const {
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

} // namespace attnscope::studio
