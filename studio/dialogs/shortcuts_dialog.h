// SPDX-License-Identifier: Apache-2.0
// Help > Keyboard Shortcuts: every action's shortcut, read from the window's menus and docks when the
// dialog opens (so it cannot go stale), plus the keys the views handle themselves.
#pragma once

#include <QDialog>

class QMainWindow;
class QTableWidget;

namespace attnscope::studio {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    /// Lists the shortcuts of `window`'s menu actions (by menu) and of the actions its docks carry
    /// (by the action's "where" property), then the views' own keys.
    explicit ShortcutsDialog(QMainWindow* window);

    /// Columns: action, shortcut, where.
    QTableWidget* table() const { return m_table; }

private:
    QTableWidget* m_table;
};

} // namespace attnscope::studio
