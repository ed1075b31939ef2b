// SPDX-License-Identifier: Apache-2.0
// The "Generation" tab: the open model continues the input text, and for every generated token the view
// shows where each head looked when its logits chose it (analyses/generation_attention.h): a grid of
// token-0 mass per step and head (the sink during generation), and the text with the selected step's
// keys shaded by that head's attention and curves from the token to its strongest keys.
#pragma once

#include "attnscope/analyses/generation_attention.h"

#include <QStringList>
#include <QWidget>

#include <optional>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSpinBox;

namespace attnscope::studio {

class StepHeadGrid;
class TokenText;

class GenerationView : public QWidget {
    Q_OBJECT
public:
    explicit GenerationView(QWidget* parent = nullptr);

    /// How to generate, from the controls (greedy unless Sample is checked).
    runtime::GenerateOptions options() const;
    /// Keys recorded per head and step.
    int keysPerHead() const;
    /// Shows a trace; `texts` holds every position's text (prompt, then generated); the options, the
    /// continuation and the model are what Save Trace records.
    void setTrace(analyses::GenerationAttention trace, std::vector<std::string> texts,
                  const runtime::GenerateOptions& options, std::string continuation, std::string model);
    void setGenerating(bool generating);
    const std::optional<analyses::GenerationAttention>& trace() const { return m_trace; }
    /// Shows step `step` of head (layer, head) (the grid's selection follows).
    void showStep(int step, int layer, int head);
    /// Writes the trace as `attnscope-cli generate --attention-top K --json` does. False (statusMessage
    /// says why) when there is none or the file cannot be written.
    bool saveTrace(const QString& path);

    StepHeadGrid* grid() const { return m_grid; }
    TokenText* text() const { return m_text; }
    /// What the selected step and head did (tests read it).
    QString details() const;

Q_SIGNALS:
    void generateRequested();
    void statusMessage(const QString& message);

private:
    void chooseTracePath();

    QSpinBox* m_maxTokens;
    QCheckBox* m_sample;
    QDoubleSpinBox* m_temperature;
    QSpinBox* m_seed;
    QSpinBox* m_keys;
    QPushButton* m_generate;
    QPushButton* m_save;
    QLabel* m_summary;
    StepHeadGrid* m_grid;
    QScrollArea* m_gridScroll;
    TokenText* m_text;
    QLabel* m_details;
    std::optional<analyses::GenerationAttention> m_trace;
    QStringList m_texts;
    std::vector<std::string> m_rawTexts;
    runtime::GenerateOptions m_options;
    std::string m_continuation, m_model;
    int m_step = -1, m_layer = 0, m_head = 0;
    std::vector<int> m_styled; ///< tokens the selection styles (keys and the step's token)
};

} // namespace attnscope::studio
