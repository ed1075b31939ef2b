// SPDX-License-Identifier: Apache-2.0
// The generation view's grid: one row per generated token, one column per (layer, head), each cell
// coloured by a per-step value of that head (the attention on token 0 by default). Clicking or the arrow
// keys select a cell.
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

namespace attnscope::studio {

class StepHeadGrid : public QWidget {
    Q_OBJECT
public:
    explicit StepHeadGrid(QWidget* parent = nullptr);

    /// `values[step][layer × heads + head]` in [0, 1]; `rowLabels` names each step (its token).
    void setValues(std::vector<std::vector<float>> values, int layers, int heads, QStringList rowLabels);
    /// Selects (step, layer, head); out-of-range values are clamped. Emits cellSelected.
    void select(int step, int layer, int head);
    int selectedStep() const { return m_step; }
    int selectedLayer() const { return m_layer; }
    int selectedHead() const { return m_head; }
    /// The cell's rectangle in widget coordinates (tests click it).
    QRect cellRect(int step, int layer, int head) const;

    QSize sizeHint() const override;

Q_SIGNALS:
    void cellSelected(int step, int layer, int head);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    int columns() const { return m_layers * m_heads; }

    std::vector<std::vector<float>> m_values;
    QStringList m_labels;
    int m_layers = 0, m_heads = 0;
    int m_step = -1, m_layer = 0, m_head = 0;
};

} // namespace attnscope::studio
