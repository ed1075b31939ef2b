// SPDX-License-Identifier: Apache-2.0
#include "shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSet>
#include <QTableWidget>
#include <QVBoxLayout>

namespace attnscope::studio {

namespace {

struct Row {
    QString action, keys, where;
};

/// Menu and action texts without mnemonics and ellipses' trailing spaces.
QString plain(QString text) {
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    return text.trimmed();
}

void collectMenu(const QMenu* menu, const QString& where, QList<Row>& rows, QSet<const QAction*>& seen) {
    for (QAction* action : menu->actions()) {
        if (action->menu()) {
            collectMenu(action->menu(), where + QStringLiteral(" \u25B8 ") + plain(action->menu()->title()),
                        rows, seen);
            continue;
        }
        seen.insert(action);
        if (!action->shortcut().isEmpty())
            rows.append(
                {plain(action->text()), action->shortcut().toString(QKeySequence::NativeText), where});
    }
}

} // namespace

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window), m_table(new QTableWidget(this)) {
    setWindowTitle(tr("Keyboard Shortcuts"));
    setObjectName(QStringLiteral("shortcutsDialog"));
    QList<Row> rows;
    QSet<const QAction*> seen;
    for (QAction* top : window->menuBar()->actions())
        if (top->menu())
            collectMenu(top->menu(), plain(top->menu()->title()), rows, seen);
    // Actions that live on a dock's widget (F2 in the Project dock) say where through a property.
    for (const QAction* action : window->findChildren<QAction*>())
        if (!seen.contains(action) && !action->shortcut().isEmpty() && action->property("where").isValid())
            rows.append({plain(action->text()), action->shortcut().toString(QKeySequence::NativeText),
                         action->property("where").toString()});
    // Keys the views handle themselves (docs/user-guide.md).
    const QList<Row> viewKeys = {
        {tr("Zoom in / out"), tr("Wheel, + / \u2212"), tr("Heatmap")},
        {tr("Pan"), tr("Drag, arrow keys"), tr("Heatmap")},
        {tr("Reset the zoom"), QStringLiteral("0"), tr("Heatmap")},
        {tr("Log / linear colour"), QStringLiteral("L"), tr("Heatmap")},
        {tr("Move the selected head"), tr("Arrow keys"), tr("Head atlas")},
        {tr("Open the selected head"), tr("Enter"), tr("Head atlas")},
        {tr("Edit the selected note"), QStringLiteral("F2"), tr("Notes dock")},
        {tr("Delete the selected note"), tr("Del"), tr("Notes dock")},
    };
    rows += viewKeys;

    m_table->setColumnCount(3);
    m_table->setHorizontalHeaderLabels({tr("Action"), tr("Shortcut"), tr("Where")});
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        m_table->setItem(r, 0, new QTableWidgetItem(rows[r].action));
        m_table->setItem(r, 1, new QTableWidgetItem(rows[r].keys));
        m_table->setItem(r, 2, new QTableWidgetItem(rows[r].where));
    }
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->resizeColumnsToContents();
    // Menu order until the user clicks a header (sorting would otherwise start on column 0 at once).
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(buttons);
    resize(620, 560);
}

} // namespace attnscope::studio
