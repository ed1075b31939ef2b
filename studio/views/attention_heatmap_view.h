// SPDX-License-Identifier: Apache-2.0
// One head's attention map at block level (the run's K4 block sums), with zoom (wheel, +/-), pan (drag,
// arrow keys), reset (0) and a linear/log colour switch (L). Never an N x N matrix: the blocks are what
// the kernel measured.
#pragma once

#include "attnscope/store/project.h"
#include "prepared_run.h"
#include "render/figures.h"

#include <QWidget>

#include <memory>

namespace attnscope::studio {

class ExactTiles;

class AttentionHeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit AttentionHeatmapView(QWidget* parent = nullptr);

    /// Takes the run's block grid ("attention.block_sum" [layers, heads, nb, nb]); false when it has none.
    bool setRun(const PreparedRun& run);
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
    /// Deep zoom: when at most `exactBlocks` blocks are visible, the region is recomputed exactly (token
    /// level) from these queries and keys. Null: block level only.
    void setExactTiles(std::shared_ptr<const ExactTiles> tiles);
    bool hasExactTiles() const { return m_exact != nullptr; }
    /// Whether the last paint showed exact token-level probabilities.
    bool showingExact() const { return m_showingExact; }
    /// The token-level matrix of the last exact paint (tests compare it with the block sums).
    const render::Matrix& exactMatrix() const { return m_exactMatrix; }
    QRect exactTokens() const { return m_exactTokens; }
    static constexpr double kExactBlocks = 4;
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
    /// Paints the visible blocks' tokens from the exact tiles; false when the kernel refused the tile.
    bool paintExact(QPainter& painter, int r0, int r1, int c0, int c1);
    void paintBlocks(QPainter& painter, int r0, int r1, int c0, int c1) const;
    /// One region of the map with the view's title, axes, offsets and colour scale; `labels` is about
    /// how many row indices to print.
    void paintRegion(QPainter& painter, const render::Matrix& matrix, const QString& what,
                     const QString& unit, double top, int rowOffset, int colOffset, int labels) const;
    QRectF gridRect() const;

    std::shared_ptr<const store::RunRecord> m_run; ///< keeps m_grid's data alive
    std::span<const float> m_grid;                 ///< [layers, heads, nb, nb], inside m_run
    int m_layers = 0, m_heads = 0, m_blocks = 0, m_blockSize = 64;
    std::pair<int, int> m_head{0, 0};
    QRectF m_view; ///< x = first column (key block), y = first row (query block), in blocks
    bool m_log = true;
    QPointF m_dragStart;
    QRectF m_dragView;
    double m_paintMs = 0;
    std::shared_ptr<const ExactTiles> m_exact;
    bool m_showingExact = false;
    render::Matrix m_exactMatrix;
    QRect m_exactTokens; ///< x = first key, y = first query, in tokens
    int m_tokens = 0;
};

} // namespace attnscope::studio
