// SPDX-License-Identifier: Apache-2.0
#include "properties_panel.h"

#include "attnscope/runtime/environment.h"

#include <QHeaderView>

namespace attnscope::studio {

PropertiesPanel::PropertiesPanel(QWidget* parent) : QTreeWidget(parent) {
    setObjectName(QStringLiteral("propertiesPanel"));
    setColumnCount(2);
    setHeaderLabels({tr("Property"), tr("Value")});
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    setAlternatingRowColors(true);
    setRootIsDecorated(true);
}

void PropertiesPanel::showGroup(const QString& title, const QList<QPair<QString, QString>>& rows) {
    clear();
    auto* group = new QTreeWidgetItem(this, {title});
    for (const auto& [key, value] : rows) {
        auto* item = new QTreeWidgetItem(group, {key, value});
        item->setToolTip(1, value);
    }
    expandAll();
}

void PropertiesPanel::showEnvironment() {
    auto environment = runtime::queryEnvironment();
    if (!environment) {
        showGroup(tr("Environment"),
                  {{tr("error"), QString::fromStdString(environment.status().toString())}});
        return;
    }
    QList<QPair<QString, QString>> rows{
        {tr("AttnScope"), QString::fromStdString(environment->attnscopeVersion)},
        {tr("LibTorch"), QString::fromStdString(environment->torchVersion)},
        {tr("Intra-op threads"), QString::number(environment->intraOpThreads)},
        {tr("BLAS"), QString::fromStdString(environment->blasLibrary)},
    };
    for (const auto& backend : environment->backends)
        rows.append({tr("Backend %1").arg(QString::fromStdString(backend.name)),
                     (backend.available ? tr("available") : tr("unavailable")) + QStringLiteral(" — ") +
                         QString::fromStdString(backend.detail)});
    showGroup(tr("Environment"), rows);
}

} // namespace attnscope::studio
