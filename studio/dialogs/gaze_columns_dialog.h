// SPDX-License-Identifier: Apache-2.0
// The column mapping of a fixation table whose header names no known preset (SCANPATH.md §5.1's
// generic CSV): which columns hold x, y, duration, participant, stimulus and trial, and the time unit.
#pragma once

#include "attnscope/scanpath/scanpath_io.h"

#include <QDialog>
#include <QStringList>

class QComboBox;

namespace attnscope::studio {

class GazeColumnsDialog : public QDialog {
    Q_OBJECT
public:
    /// `columns`: the table's header. Columns whose names suggest a role (x, pos_x, duration, dur,
    /// subject, participant, ...) are preselected.
    GazeColumnsDialog(const QString& file, const QStringList& columns, QWidget* parent = nullptr);

    /// The mapping chosen (empty names for "(none)").
    scanpath::TableFormat format() const;
    /// Chooses `column` for a role: "x", "y", "duration", "participant", "stimulus" or "trial".
    void setColumn(const QString& role, const QString& column);
    void setTimeUnit(scanpath::TimeUnit unit);

    /// The header's column names of `text` (the first line that is not blank or a comment).
    static QStringList headerColumns(const QByteArray& text);

private:
    QComboBox* combo(const QString& role) const;

    QStringList m_roles;
    std::vector<QComboBox*> m_combos;
    QComboBox* m_unit;
};

} // namespace attnscope::studio
