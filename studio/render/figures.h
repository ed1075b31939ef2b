// SPDX-License-Identifier: Apache-2.0
// The figures AttnScope draws, with QtGui only (usable offscreen): heatmaps, head atlases, bar and
// line charts. The studio's views and the reports (HTML, PDF) paint through these functions, so a
// figure looks the same wherever it appears.
#pragma once

#include <QColor>
#include <QImage>
#include <QPainter>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <vector>

namespace attnscope::render {

/// A row-major matrix of values; NaN cells are drawn as "no value" (grey hatch).
struct Matrix {
    int rows = 0, cols = 0;
    std::vector<double> values;
    double at(int r, int c) const { return values[static_cast<std::size_t>(r) * cols + c]; }
};

struct ColorScale {
    double min = 0, max = 1;
    bool logarithmic = false; ///< log10 between max(min, 1e-6 * max) and max
};

/// Viridis (perceptually uniform, colour-blind safe) at t in [0, 1].
QColor viridis(double t);

/// The colours a figure draws besides its data: the paper under it, text and axes, grid lines and
/// cells without a value. The studio's dark theme paints its views in dark ink; reports and exported
/// views always use the light ink (they end up in documents and on paper).
struct FigureInk {
    QColor paper, text, grid, missing;
};
FigureInk lightInk();
FigureInk darkInk();
/// The ink this thread's figures are painted with (light unless set: worker threads draw light).
const FigureInk& figureInk();
void setFigureInk(const FigureInk& ink);
/// Paints with `ink` for the lifetime of the object, then restores the ink before it.
class ScopedFigureInk {
public:
    explicit ScopedFigureInk(const FigureInk& ink) : m_saved(figureInk()) { setFigureInk(ink); }
    ~ScopedFigureInk() { setFigureInk(m_saved); }
    ScopedFigureInk(const ScopedFigureInk&) = delete;
    ScopedFigureInk& operator=(const ScopedFigureInk&) = delete;

private:
    FigureInk m_saved;
};

struct HeatmapStyle {
    QString title, rowLabel, colLabel;
    ColorScale scale;
    bool showValues = false;          ///< print each value in its cell (small matrices)
    int labelEvery = 1;               ///< label every n-th row and column index
    int rowOffset = 0, colOffset = 0; ///< added to the printed indices (a zoomed part of a larger matrix)
    bool colorBar = true;
};

/// A heatmap of `m` filling `area`: title on top, row/column indices, a colour bar on the right.
void paintHeatmap(QPainter& painter, const QRectF& area, const Matrix& m, const HeatmapStyle& style);

/// Categorical grid (e.g. the pattern class of each head): `categories` names indices into `colors`.
void paintCategoryGrid(QPainter& painter, const QRectF& area, const std::vector<std::vector<int>>& cells,
                       const QStringList& categories, const std::vector<QColor>& colors, const QString& title,
                       const QString& rowLabel, const QString& colLabel);

/// The bar of a chart painted by paintBarChart(area, `bars` bars, `title`) under `point`, or -1.
int barChartRowAt(const QRectF& area, int bars, const QString& title, const QPointF& point);
/// The row (label, bar and value) of bar `index` of that chart.
QRectF barChartRow(const QRectF& area, int bars, const QString& title, int index);

/// Horizontal bars, largest first as given: one label and value per bar, values in [0, max].
void paintBarChart(QPainter& painter, const QRectF& area, const QStringList& labels,
                   const std::vector<double>& values, const QString& title, double max = 0);

struct Series {
    QString name;
    std::vector<double> x, y;
    QColor color;
};

/// Line chart with markers over x in [0, xMax] and y in [0, yMax] (axes start at 0), with a legend.
void paintLineChart(QPainter& painter, const QRectF& area, const std::vector<Series>& series,
                    const QString& title, const QString& xLabel, const QString& yLabel, double xMax = 1,
                    double yMax = 1);

/// Renders `paint(painter, rect)` into an image of `width` x `height` logical pixels at `scale`.
template <typename Paint>
QImage renderImage(int width, int height, double scale, Paint&& paint) {
    QImage image(static_cast<int>(width * scale), static_cast<int>(height * scale),
                 QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(figureInk().paper);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    paint(painter, QRectF(0, 0, width, height));
    return image;
}

} // namespace attnscope::render
