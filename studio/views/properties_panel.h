// SPDX-License-Identifier: Apache-2.0
// The Properties dock: key/value details of the current selection (for now: the environment).
#pragma once

#include <QTreeWidget>

namespace attnscope::studio {

class PropertiesPanel : public QTreeWidget {
    Q_OBJECT
public:
    explicit PropertiesPanel(QWidget* parent = nullptr);

    /// Replaces the contents with one group of key/value rows.
    void showGroup(const QString& title, const QList<QPair<QString, QString>>& rows);
    /// Shows the runtime environment (versions, BLAS, backends).
    void showEnvironment();
};

} // namespace attnscope::studio
