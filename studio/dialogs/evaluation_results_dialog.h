// SPDX-License-Identifier: Apache-2.0
// The figures of Tools > Evaluate Model as a table: each measurement under the changes, as trained, and the
// change; for sparse attention what the masks kept. Non-modal; Save writes the evaluation's JSON.
#pragma once

#include <QDialog>

#include <nlohmann/json.hpp>

class QLabel;
class QTableWidget;

namespace attnscope::studio {

class EvaluationResultsDialog : public QDialog {
    Q_OBJECT
public:
    explicit EvaluationResultsDialog(QWidget* parent = nullptr);

    /// Shows `document` (analyses::evaluateModel's, with "model" and "interventions") under `label`.
    void showEvaluation(const nlohmann::json& document, const QString& label);
    QTableWidget* table() const { return m_table; }
    QLabel* title() const { return m_title; }

Q_SIGNALS:
    /// Save was pressed: the main window asks for a path and writes the document.
    void saveRequested();

private:
    QLabel* m_title;
    QTableWidget* m_table;
};

} // namespace attnscope::studio
