// SPDX-License-Identifier: Apache-2.0
// Tools > Compare Runs: two runs of the open project side by side, per (analysis, metric) — the CLI's
// `compare` (store::compareRuns) as a sortable table.
#pragma once

#include <QDialog>

#include <nlohmann/json.hpp>

class QComboBox;
class QLabel;
class QTableWidget;

namespace attnscope::studio {

class CompareRunsDialog : public QDialog {
    Q_OBJECT
public:
    /// Lists the runs of `projectPath`; compares `a` with `b` (0: the two newest runs).
    CompareRunsDialog(const QString& projectPath, qint64 a, qint64 b, QWidget* parent = nullptr);

    /// Compares run `a` (baseline) with run `b`; false (the summary line says why) when that fails.
    bool compare(qint64 a, qint64 b);
    /// The last comparison (store::compareRuns' document; empty when it failed).
    const nlohmann::json& comparison() const { return m_comparison; }
    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    /// Writes the table as CSV (analysis, metric, mean A, mean B, delta, head). False when it cannot.
    bool exportCsv(const QString& path) const;

private:
    void compareSelected();
    void chooseCsvPath();

    QString m_projectPath;
    QComboBox* m_runA;
    QComboBox* m_runB;
    QLabel* m_summary;
    QTableWidget* m_table;
    nlohmann::json m_comparison;
};

} // namespace attnscope::studio
