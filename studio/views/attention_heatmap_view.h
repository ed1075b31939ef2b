// SPDX-License-Identifier: Apache-2.0
// One head's attention map at block level (the run's K4 block sums), with zoom (wheel, +/-), pan (drag,
// arrow keys), reset (0) and a linear/log colour switch (L). Never an N x N matrix: the blocks are what
// the kernel measured.
#pragma once

#include "attnscope/store/project.h"
#include "render/figures.h"

#include <QWidget>

namespace attnscope::studio {

class AttentionHeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit AttentionHeatmapView(QWidget* parent = nullptr);

    /// Takes the run's block grid ("attention.block_sum" [layers, heads, nb, nb]); false when it has none.
    bool setRun(const store::RunRecord& run);
    /// Shows one head; false when out of range.
    bool showHead(int layer, int head);
    std::pair<int, int> head() const { return m_head; }

    /// The visible block range [rowBegin, rowEnd) x [colBegin, colEnd).
    QRectF visibleBlocks() const { return m_view; }
    int blocks() const { return m_blocks; }
    /// Zooms by `factor` (> 1 zooms in) around a point given in block coordinates.
    void zoom(double factor, QPointF center);
    void pan(double rows, double cols);
    void resetView();
    bool logarithmic() const { return m_log; }
    void setLogarithmic(bool on);
    /// Time of the last paint in milliseconds (the responsiveness benchmark reads it).
    double lastPaintMilliseconds() const { return m_paintMs; }

Q_SIGNALS:
    void viewChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void clampView();
    QRectF gridRect() const;

    std::vector<float> m_grid; ///< [layers, heads, nb, nb]
    int m_layers = 0, m_heads = 0, m_blocks = 0, m_blockSize = 64;
    std::pair<int, int> m_head{0, 0};
    QRectF m_view; ///< x = first column (key block), y = first row (query block), in blocks
    bool m_log = true;
    QPointF m_dragStart;
    QRectF m_dragView;
    double m_paintMs = 0;
};

} // namespace attnscope::studio
