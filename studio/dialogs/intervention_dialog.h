// SPDX-License-Identifier: Apache-2.0
// Tools > Intervene and Re-analyze: the training-free interventions to apply to the model — heads to mask,
// heads to calibrate with ACT (β; the sink rule is the shown run's), layer blocks that share
// attention (EchoAtt). The studio then re-analyzes the shown run's input under them as a new run and
// compares it with the shown one. Spelled as the CLI's --mask-heads, --calibrate-heads, --act-beta and
// --share-layers, and parsed by the same library functions.
#pragma once

#include "attnscope/analyses/sinks.h"
#include "attnscope/runtime/interventions.h"
#include "intervention_fields.h"

#include <QDialog>

#include <nlohmann/json.hpp>

class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;

namespace attnscope::studio {

class InterventionDialog : public QDialog {
    Q_OBJECT
public:
    /// `sinkRule`: ACT's threshold and first-sink rule calibration uses.
    explicit InterventionDialog(const analyses::SinkParameters& sinkRule, QWidget* parent = nullptr);

    /// Parses the fields into interventions(); false (the reason shown in the dialog) when one does not
    /// parse or nothing is asked for. OK calls it and stays open on false. Ranges against the model are
    /// checked when the analysis starts.
    bool apply();
    /// The interventions as entered; valid after apply() returned true. "L:*" stays (L, -1) in the
    /// calibration's heads until the model is known (runtime::expandWholeLayers).
    const runtime::Interventions& interventions() const { return m_interventions; }
    /// Fills the fields from a record (a run document's "interventions"); entries it cannot show are
    /// left out.
    void setInterventions(const nlohmann::json& record);
    /// A run label naming them, e.g. "mask 1:2 · ACT 1:* β 0.4 · share 0-1".
    QString label() const;
    /// The last refusal ("" when none).
    QString errorText() const;

    QLineEdit* maskHeadsEdit() const { return m_fields->maskHeadsEdit(); }
    QLineEdit* calibrateHeadsEdit() const { return m_fields->calibrateHeadsEdit(); }
    QDoubleSpinBox* betaSpin() const { return m_fields->betaSpin(); }
    QLineEdit* shareLayersEdit() const { return m_fields->shareLayersEdit(); }
    QDialogButtonBox* buttons() const { return m_buttons; }

private:
    InterventionFields* m_fields;
    QLabel* m_error;
    QDialogButtonBox* m_buttons;
    runtime::Interventions m_interventions;
};

} // namespace attnscope::studio
