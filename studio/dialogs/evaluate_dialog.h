// SPDX-License-Identifier: Apache-2.0
// Tools > Evaluate Model: what to measure (perplexity of the input text, needle exact match, in-context
// copying), under which interventions (masking, ACT, EchoAtt; InterventionFields) and which sparse attention
// (StreamingLLM, FlexPrefill, SnapKV), beside the model as trained or not. The studio then runs
// analyses::evaluateModel as a job, as `attnscope-cli evaluate` does.
#pragma once

#include "attnscope/analyses/evaluation_report.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/runtime/interventions.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace attnscope::studio {

class InterventionFields;

class EvaluateDialog : public QDialog {
    Q_OBJECT
public:
    /// `sinkRule`: ACT's rule for calibration. `haveInputText`: whether the input panel holds a text whose
    /// perplexity can be measured. `needles`, `copying`: the files offered first (the bundled samples).
    EvaluateDialog(const analyses::SinkParameters& sinkRule, bool haveInputText, const QString& needles,
                   const QString& copying, QWidget* parent = nullptr);

    /// Checks the fields and builds the request and interventions; false (the reason shown) when a field is
    /// wrong or nothing is to be measured. OK calls it and stays open on false. Ranges against the model are
    /// checked when the job starts.
    bool apply();
    /// Valid after apply() returned true. The request has no text: the caller fills in the input text when
    /// measurePerplexity().
    const analyses::EvaluationRequest& request() const { return m_request; }
    bool measurePerplexity() const;
    const runtime::Interventions& interventions() const { return m_interventions; }
    /// What is changed, e.g. "ACT 1:* β 0.4 · StreamingLLM 4 + 256" ("as trained" when nothing).
    QString label() const;
    QString errorText() const;

    InterventionFields* interventionFields() const { return m_fields; }
    QCheckBox* perplexityCheck() const { return m_perplexity; }
    QSpinBox* windowSpin() const { return m_window; }
    QCheckBox* needlesCheck() const { return m_needles; }
    QLineEdit* needlesEdit() const { return m_needlesFile; }
    QCheckBox* copyingCheck() const { return m_copying; }
    QLineEdit* copyingEdit() const { return m_copyingFile; }
    /// 0 none, 1 StreamingLLM, 2 FlexPrefill, 3 SnapKV.
    QComboBox* sparseCombo() const { return m_sparse; }
    QSpinBox* streamingSinksSpin() const { return m_sinks; }
    QSpinBox* streamingWindowSpin() const { return m_streamingWindow; }
    QDoubleSpinBox* flexGammaSpin() const { return m_gamma; }
    QSpinBox* flexBlockSpin() const { return m_block; }
    QSpinBox* flexMinBudgetSpin() const { return m_minBudget; }
    QSpinBox* snapCapacitySpin() const { return m_capacity; }
    QSpinBox* snapWindowSpin() const { return m_observation; }
    QCheckBox* compareCheck() const { return m_compare; }
    QDialogButtonBox* buttons() const { return m_buttons; }

private:
    bool refuse(const QString& message, QWidget* focus);
    QString sparseLabel() const;

    InterventionFields* m_fields;
    QCheckBox *m_perplexity, *m_needles, *m_copying, *m_compare;
    QSpinBox* m_window;
    QLineEdit *m_needlesFile, *m_copyingFile;
    QComboBox* m_sparse;
    QSpinBox *m_sinks, *m_streamingWindow, *m_block, *m_minBudget, *m_capacity, *m_observation;
    QDoubleSpinBox* m_gamma;
    QLabel* m_error;
    QDialogButtonBox* m_buttons;
    analyses::EvaluationRequest m_request;
    runtime::Interventions m_interventions;
};

} // namespace attnscope::studio
