// SPDX-License-Identifier: Apache-2.0
#include "attention_heatmap_view.h"

#include "exact_tiles.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/core/log.h"

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <nlohmann/json.hpp>

#include <cmath>

namespace attnscope::studio {

AttentionHeatmapView::AttentionHeatmapView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("heatmapView"));
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(300, 300);
    // The keys are not in a menu (they act on this view only): the tooltip lists them.
    setToolTip(tr("Wheel or +/− to zoom, drag or arrow keys to pan, 0 to reset the view, L to switch "
                  "between logarithmic and linear colours. At four blocks or fewer across, the kernel "
                  "recomputes the visible attention exactly."));
}

bool AttentionHeatmapView::setRun(const PreparedRun& run) {
    m_run = run.record;
    m_grid = {};
    m_blocks = 0;
    m_exact.reset(); // the tiles belong to the run shown before
    if (!m_run) {
        m_layers = m_heads = m_tokens = 0;
        update();
        return false;
    }
    for (const store::ArrayRecord& a : m_run->arrays)
        if (a.name == "attention.block_sum" && a.shape.size() == 4 && a.shape[2] == a.shape[3]) {
            m_grid = floats(a); // shared with the other views, never copied
            m_layers = static_cast<int>(a.shape[0]);
            m_heads = static_cast<int>(a.shape[1]);
            m_blocks = static_cast<int>(a.shape[2]);
        }
    const auto settings = parseJsonText(m_run->settingsJson);
    m_blockSize = settings.is_object() ? settings.value("block_size", 64) : 64;
    m_tokens = static_cast<int>(m_run->input.tokens.size());
    m_exact.reset();
    m_head = {0, 0};
    resetView();
    return m_blocks > 0;
}

bool AttentionHeatmapView::showHead(int layer, int head) {
    if (layer < 0 || layer >= m_layers || head < 0 || head >= m_heads)
        return false;
    m_head = {layer, head};
    update();
    Q_EMIT viewChanged();
    return true;
}

void AttentionHeatmapView::resetView() {
    m_view = QRectF(0, 0, m_blocks, m_blocks);
    update();
    Q_EMIT viewChanged();
}

void AttentionHeatmapView::clampView() {
    const double size = std::clamp(m_view.width(), 2.0, static_cast<double>(std::max(2, m_blocks)));
    double x = std::clamp(m_view.x(), 0.0, std::max(0.0, m_blocks - size));
    double y = std::clamp(m_view.y(), 0.0, std::max(0.0, m_blocks - size));
    m_view = QRectF(x, y, size, size);
}

void AttentionHeatmapView::zoom(double factor, QPointF center) {
    const double size = m_view.width() / factor;
    const double fx = (center.x() - m_view.x()) / m_view.width(),
                 fy = (center.y() - m_view.y()) / m_view.height();
    m_view = QRectF(center.x() - fx * size, center.y() - fy * size, size, size);
    clampView();
    update();
    Q_EMIT viewChanged();
}

void AttentionHeatmapView::pan(double rows, double cols) {
    m_view.translate(cols, rows);
    clampView();
    update();
    Q_EMIT viewChanged();
}

void AttentionHeatmapView::setExactTiles(std::shared_ptr<const ExactTiles> tiles) {
    m_exact = tiles && tiles->tokens() == m_tokens ? std::move(tiles) : nullptr;
    update();
}

void AttentionHeatmapView::setLogarithmic(bool on) {
    m_log = on;
    update();
}

QRectF AttentionHeatmapView::gridRect() const {
    // paintHeatmap's grid inside the widget (title, labels, colour bar): used to map the mouse.
    return QRectF(50, 44, std::max(1, width() - 50 - 46), std::max(1, height() - 44));
}

void AttentionHeatmapView::paintEvent(QPaintEvent*) {
    QElapsedTimer timer;
    timer.start();
    QPainter painter(this);
    painter.fillRect(rect(), render::figureInk().paper);
    if (m_blocks == 0) {
        painter.drawText(rect(), Qt::AlignCenter,
                         tr("This run has no block statistics (run the sparsity analysis)"));
        return;
    }
    const int r0 = static_cast<int>(std::floor(m_view.y())), c0 = static_cast<int>(std::floor(m_view.x()));
    const int r1 = std::min(m_blocks, static_cast<int>(std::ceil(m_view.bottom())));
    const int c1 = std::min(m_blocks, static_cast<int>(std::ceil(m_view.right())));
    // Deep zoom shows the visible blocks' tokens exactly; otherwise (or if that fails) the blocks.
    m_showingExact = m_exact && m_view.width() <= kExactBlocks + 1e-9 && paintExact(painter, r0, r1, c0, c1);
    if (!m_showingExact)
        paintBlocks(painter, r0, r1, c0, c1);
    m_paintMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

bool AttentionHeatmapView::paintExact(QPainter& painter, int r0, int r1, int c0, int c1) {
    const int tr0 = r0 * m_blockSize, tr1 = std::min(m_tokens, r1 * m_blockSize);
    const int tc0 = c0 * m_blockSize, tc1 = std::min(m_tokens, c1 * m_blockSize);
    auto tile = m_exact->tile(m_head.first, m_head.second, tr0, tr1, tc0, tc1);
    if (!tile) {
        log::warning("studio", "exact tile: " + tile.status().toString());
        return false;
    }
    m_exactMatrix = {tr1 - tr0, tc1 - tc0, {}};
    double top = 0;
    for (int r = 0; r < m_exactMatrix.rows; ++r)
        for (int c = 0; c < m_exactMatrix.cols; ++c) {
            const double v = (*tile)[static_cast<std::size_t>(r) * m_exactMatrix.cols + c];
            m_exactMatrix.values.push_back(tc0 + c <= tr0 + r ? v : std::nan(""));
            top = std::max(top, v);
        }
    m_exactTokens = QRect(tc0, tr0, tc1 - tc0, tr1 - tr0);
    paintRegion(painter, m_exactMatrix,
                tr("exact attention, queries %1–%2 × keys %3–%4 (recomputed by the kernel)")
                    .arg(tr0)
                    .arg(tr1 - 1)
                    .arg(tc0)
                    .arg(tc1 - 1),
                tr("token"), top, tr0, tc0, 8);
    return true;
}

void AttentionHeatmapView::paintBlocks(QPainter& painter, int r0, int r1, int c0, int c1) const {
    render::Matrix visible{r1 - r0, c1 - c0, {}};
    const std::size_t base =
        (static_cast<std::size_t>(m_head.first) * m_heads + m_head.second) * m_blocks * m_blocks;
    // One colour scale for the head's whole map, so that panning and zooming keep colours comparable.
    double top = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(m_blocks) * m_blocks; ++i)
        top = std::max(top, static_cast<double>(m_grid[base + i]));
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c)
            visible.values.push_back(c <= r ? m_grid[base + static_cast<std::size_t>(r) * m_blocks + c]
                                            : std::nan(""));
    paintRegion(painter, visible,
                tr("blocks %1–%2 × %3–%4 of %5 (%6 tokens each)")
                    .arg(r0)
                    .arg(r1 - 1)
                    .arg(c0)
                    .arg(c1 - 1)
                    .arg(m_blocks)
                    .arg(m_blockSize),
                tr("block"), top, r0, c0, 12);
}

void AttentionHeatmapView::paintRegion(QPainter& painter, const render::Matrix& matrix, const QString& what,
                                       const QString& unit, double top, int rowOffset, int colOffset,
                                       int labels) const {
    render::HeatmapStyle style;
    style.title = tr("Layer %1, head %2 — %3, %4")
                      .arg(m_head.first)
                      .arg(m_head.second)
                      .arg(what, m_log ? tr("log colour") : tr("linear colour"));
    style.rowLabel = tr("query %1").arg(unit);
    style.colLabel = tr("key %1").arg(unit);
    style.scale = {m_log ? top * 1e-4 : 0.0, top > 0 ? top : 1.0, m_log};
    style.labelEvery = std::max(1, matrix.rows / labels);
    style.rowOffset = rowOffset;
    style.colOffset = colOffset;
    render::paintHeatmap(painter, QRectF(rect()), matrix, style);
}

void AttentionHeatmapView::wheelEvent(QWheelEvent* event) {
    const QRectF grid = gridRect();
    const QPointF at((event->position().x() - grid.left()) / grid.width() * m_view.width() + m_view.x(),
                     (event->position().y() - grid.top()) / grid.height() * m_view.height() + m_view.y());
    zoom(event->angleDelta().y() > 0 ? 1.25 : 0.8, at);
}

void AttentionHeatmapView::mousePressEvent(QMouseEvent* event) {
    m_dragStart = event->position();
    m_dragView = m_view;
}

void AttentionHeatmapView::mouseMoveEvent(QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton))
        return;
    const QRectF grid = gridRect();
    const QPointF delta = event->position() - m_dragStart;
    m_view = m_dragView.translated(-delta.x() / grid.width() * m_view.width(),
                                   -delta.y() / grid.height() * m_view.height());
    clampView();
    update();
    Q_EMIT viewChanged();
}

void AttentionHeatmapView::keyPressEvent(QKeyEvent* event) {
    const double step = std::max(1.0, m_view.width() / 8);
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoom(1.25, m_view.center());
        break;
    case Qt::Key_Minus:
        zoom(0.8, m_view.center());
        break;
    case Qt::Key_0:
        resetView();
        break;
    case Qt::Key_L:
        setLogarithmic(!m_log);
        break;
    case Qt::Key_Left:
        pan(0, -step);
        break;
    case Qt::Key_Right:
        pan(0, step);
        break;
    case Qt::Key_Up:
        pan(-step, 0);
        break;
    case Qt::Key_Down:
        pan(step, 0);
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

} // namespace attnscope::studio
