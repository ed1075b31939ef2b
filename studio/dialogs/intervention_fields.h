// SPDX-License-Identifier: Apache-2.0
// The training-free interventions as form fields — heads to mask, heads to calibrate with ACT (β; the sink
// rule is the caller's), layer blocks that share attention (EchoAtt) — spelled as the CLI's --mask-heads,
// --calibrate-heads, --act-beta and --share-layers and parsed by the same library functions. Shared by
// Intervene and Re-analyze and Evaluate Model.
#pragma once

#include "attnscope/analyses/sinks.h"
#include "attnscope/core/expected.h"
#include "attnscope/runtime/interventions.h"

#include <QWidget>

#include <nlohmann/json.hpp>

class QDoubleSpinBox;
class QLineEdit;

namespace attnscope::studio {

class InterventionFields : public QWidget {
    Q_OBJECT
public:
    /// `sinkRule`: ACT's threshold and first-sink rule calibration uses.
    explicit InterventionFields(const analyses::SinkParameters& sinkRule, QWidget* parent = nullptr);

    /// The interventions the fields describe (empty when all are blank). A field that does not parse gets
    /// the focus, and the error's field() is its label ("Mask heads"). "L:*" stays (L, -1) in the
    /// calibration's heads until the model is known (runtime::expandWholeLayers).
    Expected<runtime::Interventions> parse() const;
    /// Fills the fields from a record (a run document's "interventions"); entries they cannot show are left
    /// out.
    void setInterventions(const nlohmann::json& record);
    /// A label naming what the fields ask for, e.g. "mask 1:2 · ACT 1:* β 0.4 · share 0-1" ("" when blank).
    QString label() const;

    QLineEdit* maskHeadsEdit() const { return m_mask; }
    QLineEdit* calibrateHeadsEdit() const { return m_calibrate; }
    QDoubleSpinBox* betaSpin() const { return m_beta; }
    QLineEdit* shareLayersEdit() const { return m_share; }

private:
    analyses::SinkParameters m_sinkRule;
    QLineEdit* m_mask;
    QLineEdit* m_calibrate;
    QDoubleSpinBox* m_beta;
    QLineEdit* m_share;
};

} // namespace attnscope::studio
