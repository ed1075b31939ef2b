// SPDX-License-Identifier: Apache-2.0
// The input text of a stored run, each token coloured by the attention it receives from the selected
// head (ACT's mean received attention ā_j = C_j / (N − j), from the kernel's column mass), sinks
// (ā_j > 0.1) outlined. Clicking a token shows its numbers and, with the run's exact tiles, curves to
// the keys it attends to most; the head follows the atlas selection.
#pragma once

#include "attnscope/store/project.h"
#include "prepared_run.h"
#include "token_text.h"

#include <QWidget>

#include <memory>

class QLabel;

namespace attnscope::studio {

class ExactTiles;

class TokenView : public QWidget {
    Q_OBJECT
public:
    explicit TokenView(QWidget* parent = nullptr);

    /// False when the run has no token offsets or no column mass (then the view says so).
    bool setRun(const PreparedRun& run);
    bool showHead(int layer, int head);
    /// Selects token `index`: its text, position and received attention appear below the text.
    bool selectToken(int index);

    int tokens() const { return static_cast<int>(m_received.size()); }
    /// The selected token (-1: none).
    int selectedToken() const { return m_selected; }
    /// Token j's own text (its bytes of the input); empty for special tokens.
    QString tokenString(int j) const;
    /// ā_j of the shown head for every token.
    const std::vector<double>& received() const { return m_received; }
    std::vector<int> sinks() const;
    QString details() const;
    TokenText* text() const { return m_text; }
    /// With the run's cached queries and keys, a selected token also shows the keys it attends to most
    /// (its exact attention row, from the kernel), highlighted in the text.
    void setExactTiles(std::shared_ptr<const ExactTiles> tiles);
    /// The selected token's most attended keys with their probabilities (empty without exact tiles).
    const std::vector<std::pair<int, double>>& attendedKeys() const { return m_attended; }

private:
    /// How token j is drawn: its received attention as colour, the selection and its keys marked.
    TokenText::Look look(int j) const;
    /// Takes ā_j of head (layer, head) from the column mass (no restyling).
    void receiveFrom(int layer, int head);
    /// The selected token's five most attended keys, from its exact attention row.
    void updateAttended(int index);

    TokenText* m_text;
    QLabel* m_details;

    std::shared_ptr<const store::RunRecord> m_run;
    std::span<const float> m_mass; ///< attention.column_mass [layers, heads, tokens], inside m_run
    int m_layers = 0, m_heads = 0;
    std::pair<int, int> m_head{0, 0};
    std::vector<double> m_received;
    double m_colourTop = 1e-12; ///< the largest ā_j of the shown head: the top of the colour scale
    int m_selected = -1;
    std::shared_ptr<const ExactTiles> m_exact;
    std::vector<std::pair<int, double>> m_attended;
};

} // namespace attnscope::studio
