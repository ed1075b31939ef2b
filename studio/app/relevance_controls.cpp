// SPDX-License-Identifier: Apache-2.0
#include "relevance_controls.h"

#include "attnscope/analyses/reading_relevance.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>

namespace attnscope::studio {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("RelevanceControls", text);
}

} // namespace

QComboBox* relevanceMethodBox(QWidget* parent, const QString& objectName, const QString& unit) {
    auto* method = new QComboBox(parent);
    method->setObjectName(objectName);
    const QString scope = unit.isEmpty() ? QString() : QStringLiteral(" ") + unit;
    method->addItem(tr("Attention received (in the kernel)"),
                    static_cast<int>(analyses::RelevanceMethod::Received));
    method->addItem(tr("Attention received per visible row"),
                    static_cast<int>(analyses::RelevanceMethod::ReceivedMean));
    method->addItem(tr("Attention rollout (≤ 1024 tokens%1)").arg(scope),
                    static_cast<int>(analyses::RelevanceMethod::Rollout));
    method->addItem(
        tr("Attention flow (≤ 256 tokens%1; slow past %2)").arg(scope).arg(analyses::kFlowSlowTokens),
        static_cast<int>(analyses::RelevanceMethod::Flow));
    return method;
}

QSpinBox* relevanceLayerBox(QWidget* parent, const QString& objectName) {
    auto* layer = new QSpinBox(parent);
    layer->setObjectName(objectName);
    layer->setRange(-1, 10000);
    layer->setValue(-1);
    layer->setSpecialValueText(tr("last"));
    return layer;
}

bool execWithOkCancel(QDialog& dialog, QFormLayout* form) {
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    return dialog.exec() == QDialog::Accepted;
}

} // namespace attnscope::studio
