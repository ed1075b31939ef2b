// SPDX-License-Identifier: Apache-2.0
#include "figures.h"

#include <QFontMetricsF>

#include <algorithm>
#include <cmath>

namespace attnscope::render {

namespace {

// Viridis anchors at t = 0, 1/8, ..., 1 (matplotlib's colormap, CC0).
constexpr int kAnchors[9][3] = {{68, 1, 84},    {71, 44, 122}, {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                                {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};

thread_local FigureInk t_ink = lightInk();

QFont font(double pointSize, bool bold = false) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(pointSize);
    f.setBold(bold);
    return f;
}

/// Draws the title and returns the area below it.
double titleHeight(const QString& title) {
    return title.isEmpty() ? 0.0 : QFontMetricsF(font(10, true)).height() + 4;
}

QRectF titled(QPainter& painter, const QRectF& area, const QString& title) {
    if (title.isEmpty())
        return area;
    painter.setFont(font(10, true));
    painter.setPen(t_ink.text);
    const double h = titleHeight(title);
    painter.drawText(QRectF(area.left(), area.top(), area.width(), h), Qt::AlignLeft | Qt::AlignVCenter,
                     title);
    return area.adjusted(0, h, 0, 0);
}

double normalized(double v, const ColorScale& s) {
    if (!std::isfinite(v))
        return std::nan("");
    if (s.logarithmic) {
        const double top = std::max(s.max, 1e-30), bottom = std::max(s.min, top * 1e-6);
        v = std::clamp(v, bottom, top);
        return top > bottom ? std::log10(v / bottom) / std::log10(top / bottom) : 1.0;
    }
    return s.max > s.min ? std::clamp((v - s.min) / (s.max - s.min), 0.0, 1.0) : 0.5;
}

QString number(double v, int digits = 3) {
    if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e4))
        return QString::number(v, 'e', 1);
    return QString::number(v, 'g', digits);
}

} // namespace

FigureInk lightInk() {
    return {QColor(255, 255, 255), QColor(0, 0, 0), QColor(180, 180, 180), QColor(225, 225, 225)};
}

FigureInk darkInk() {
    // The dark theme's base and text colours (theme.cpp): figures sit on the views' own background.
    return {QColor(0x1e, 0x1f, 0x22), QColor(0xdf, 0xe1, 0xe5), QColor(0x55, 0x58, 0x5e),
            QColor(0x3a, 0x3c, 0x40)};
}

const FigureInk& figureInk() {
    return t_ink;
}

void setFigureInk(const FigureInk& ink) {
    t_ink = ink;
}

QColor viridis(double t) {
    t = std::clamp(t, 0.0, 1.0) * 8.0;
    const int i = std::min(7, static_cast<int>(t));
    const double f = t - i;
    auto mix = [&](int c) {
        return static_cast<int>(std::lround(kAnchors[i][c] * (1 - f) + kAnchors[i + 1][c] * f));
    };
    return QColor(mix(0), mix(1), mix(2));
}

void paintHeatmap(QPainter& painter, const QRectF& area, const Matrix& m, const HeatmapStyle& style) {
    QRectF body = titled(painter, area, style.title);
    painter.setFont(font(7));
    const QFontMetricsF metrics(painter.font());
    // Room for the widest row index (at least four digits, which the atlas's hit-testing assumes).
    const QString widest = QString::number(std::max(999, m.rows - 1 + style.rowOffset)) + QLatin1Char('0');
    const double labelW = metrics.horizontalAdvance(widest) + (style.rowLabel.isEmpty() ? 4 : 16);
    const double labelH = metrics.height() + (style.colLabel.isEmpty() ? 2 : metrics.height() + 2);
    const double barW = style.colorBar ? 46 : 0;
    QRectF grid(body.left() + labelW, body.top() + labelH, body.width() - labelW - barW,
                body.height() - labelH);
    if (m.rows == 0 || m.cols == 0 || grid.width() <= 0 || grid.height() <= 0)
        return;
    const double cw = grid.width() / m.cols, ch = grid.height() / m.rows;
    painter.setPen(Qt::NoPen);
    if (cw < 3 || ch < 3) {
        // Cells of a few pixels: one image pixel per cell, scaled once (a 512 x 512 block map paints in
        // milliseconds instead of drawing 262,144 rectangles).
        QImage cells(m.cols, m.rows, QImage::Format_RGB32);
        for (int r = 0; r < m.rows; ++r) {
            auto* line = reinterpret_cast<QRgb*>(cells.scanLine(r));
            for (int c = 0; c < m.cols; ++c) {
                const double t = normalized(m.at(r, c), style.scale);
                line[c] = std::isnan(t) ? t_ink.missing.rgb() : viridis(t).rgb();
            }
        }
        painter.drawImage(grid, cells);
    }
    for (int r = 0; r < m.rows && cw >= 3 && ch >= 3; ++r)
        for (int c = 0; c < m.cols; ++c) {
            const QRectF cell(grid.left() + c * cw, grid.top() + r * ch, cw + 0.3, ch + 0.3);
            const double t = normalized(m.at(r, c), style.scale);
            painter.setBrush(std::isnan(t) ? QBrush(t_ink.missing.darker(110), Qt::BDiagPattern)
                                           : QBrush(viridis(t)));
            painter.drawRect(cell);
            if (style.showValues && std::isfinite(m.at(r, c)) && cw > 22 && ch > 10) {
                painter.setPen(t > 0.6 ? Qt::black : Qt::white);
                painter.drawText(cell, Qt::AlignCenter, number(m.at(r, c), cw < 40 ? 2 : 3));
                painter.setPen(Qt::NoPen);
            }
        }
    painter.setPen(t_ink.text);
    const int every = std::max(1, style.labelEvery);
    for (int r = 0; r < m.rows; r += every)
        painter.drawText(QRectF(body.left(), grid.top() + r * ch, labelW - 3, ch),
                         Qt::AlignRight | Qt::AlignVCenter | Qt::TextDontClip,
                         QString::number(r + style.rowOffset));
    for (int c = 0; c < m.cols; c += every)
        painter.drawText(
            QRectF(grid.left() + c * cw - 10, grid.top() - metrics.height() - 1, cw + 20, metrics.height()),
            Qt::AlignCenter | Qt::TextDontClip, QString::number(c + style.colOffset));
    if (!style.colLabel.isEmpty())
        painter.drawText(QRectF(grid.left(), body.top(), grid.width(), metrics.height()), Qt::AlignCenter,
                         style.colLabel);
    if (!style.rowLabel.isEmpty()) {
        painter.save();
        painter.translate(body.left() + metrics.height() * 0.5, grid.center().y());
        painter.rotate(-90);
        painter.drawText(QRectF(-grid.height() / 2, -metrics.height() / 2, grid.height(), metrics.height()),
                         Qt::AlignCenter, style.rowLabel);
        painter.restore();
    }
    if (style.colorBar) {
        const QRectF bar(grid.right() + 8, grid.top(), 10, grid.height());
        for (int y = 0; y < 64; ++y) {
            painter.setPen(Qt::NoPen);
            painter.setBrush(viridis(1.0 - y / 63.0));
            painter.drawRect(
                QRectF(bar.left(), bar.top() + y * bar.height() / 64, bar.width(), bar.height() / 64 + 0.5));
        }
        painter.setPen(t_ink.text);
        const double bottom =
            style.scale.logarithmic ? std::max(style.scale.min, style.scale.max * 1e-6) : style.scale.min;
        painter.drawText(QRectF(bar.right() + 2, bar.top() - 2, 40, metrics.height()), Qt::AlignLeft,
                         number(style.scale.max));
        painter.drawText(QRectF(bar.right() + 2, bar.bottom() - metrics.height() + 2, 40, metrics.height()),
                         Qt::AlignLeft, number(bottom));
        if (style.scale.logarithmic)
            painter.drawText(
                QRectF(bar.right() + 2, bar.center().y() - metrics.height() / 2, 40, metrics.height()),
                Qt::AlignLeft, QStringLiteral("log"));
    }
}

void paintCategoryGrid(QPainter& painter, const QRectF& area, const std::vector<std::vector<int>>& cells,
                       const QStringList& categories, const std::vector<QColor>& colors, const QString& title,
                       const QString& rowLabel, const QString& colLabel) {
    QRectF body = titled(painter, area, title);
    painter.setFont(font(7));
    const QFontMetricsF metrics(painter.font());
    const double legendH = metrics.height() + 6;
    const double labelW = metrics.horizontalAdvance(QStringLiteral("000")) + 6;
    QRectF grid(body.left() + labelW, body.top() + metrics.height() + 2, body.width() - labelW,
                body.height() - metrics.height() - 2 - legendH);
    const int rows = static_cast<int>(cells.size()), cols = rows ? static_cast<int>(cells[0].size()) : 0;
    if (!rows || !cols)
        return;
    const double cw = grid.width() / cols, ch = grid.height() / rows;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const int k = cells[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            painter.setPen(QPen(t_ink.paper, 1));
            painter.setBrush(k >= 0 && k < static_cast<int>(colors.size())
                                 ? colors[static_cast<std::size_t>(k)]
                                 : QColor(200, 200, 200));
            painter.drawRect(QRectF(grid.left() + c * cw, grid.top() + r * ch, cw, ch));
        }
    painter.setPen(t_ink.text);
    for (int r = 0; r < rows; ++r)
        painter.drawText(QRectF(body.left(), grid.top() + r * ch, labelW - 3, ch),
                         Qt::AlignRight | Qt::AlignVCenter, QString::number(r));
    for (int c = 0; c < cols; ++c)
        painter.drawText(QRectF(grid.left() + c * cw, body.top(), cw, metrics.height()), Qt::AlignCenter,
                         QString::number(c));
    double x = grid.left();
    for (int k = 0; k < categories.size(); ++k) {
        painter.setBrush(colors[static_cast<std::size_t>(k)]);
        painter.setPen(Qt::NoPen);
        painter.drawRect(QRectF(x, grid.bottom() + 5, 10, 10));
        painter.setPen(t_ink.text);
        painter.drawText(QPointF(x + 13, grid.bottom() + 14), categories[k]);
        x += 20 + metrics.horizontalAdvance(categories[k]);
    }
    Q_UNUSED(rowLabel);
    Q_UNUSED(colLabel);
}

int barChartRowAt(const QRectF& area, int bars, const QString& title, const QPointF& point) {
    const QRectF body = area.adjusted(0, titleHeight(title), 0, 0);
    if (bars <= 0 || !body.contains(point))
        return -1;
    const int row = static_cast<int>((point.y() - body.top()) / (body.height() / bars));
    return std::clamp(row, 0, bars - 1);
}

QRectF barChartRow(const QRectF& area, int bars, const QString& title, int index) {
    const QRectF body = area.adjusted(0, titleHeight(title), 0, 0);
    if (bars <= 0 || index < 0 || index >= bars)
        return {};
    const double rowH = body.height() / bars;
    return QRectF(body.left(), body.top() + index * rowH, body.width(), rowH);
}

void paintBarChart(QPainter& painter, const QRectF& area, const QStringList& labels,
                   const std::vector<double>& values, const QString& title, double max) {
    QRectF body = titled(painter, area, title);
    painter.setFont(font(7));
    const QFontMetricsF metrics(painter.font());
    double labelW = 0;
    for (const QString& label : labels)
        labelW = std::max(labelW, metrics.horizontalAdvance(label));
    labelW += 6;
    if (max <= 0)
        for (double v : values)
            max = std::max(max, v);
    if (max <= 0)
        max = 1;
    const int n = static_cast<int>(values.size());
    if (n == 0)
        return;
    const double rowH = body.height() / n, barArea = body.width() - labelW - 50;
    for (int i = 0; i < n; ++i) {
        const double y = body.top() + i * rowH;
        painter.setPen(t_ink.text);
        painter.drawText(QRectF(body.left(), y, labelW - 4, rowH), Qt::AlignRight | Qt::AlignVCenter,
                         labels[i]);
        const double w = std::max(0.0, values[static_cast<std::size_t>(i)]) / max * barArea;
        painter.setPen(Qt::NoPen);
        painter.setBrush(viridis(0.35));
        painter.drawRect(QRectF(body.left() + labelW, y + rowH * 0.15, w, rowH * 0.7));
        painter.setPen(t_ink.text);
        painter.drawText(QRectF(body.left() + labelW + w + 3, y, 50, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                         number(values[static_cast<std::size_t>(i)]));
    }
}

void paintLineChart(QPainter& painter, const QRectF& area, const std::vector<Series>& series,
                    const QString& title, const QString& xLabel, const QString& yLabel, double xMax,
                    double yMax) {
    QRectF body = titled(painter, area, title);
    painter.setFont(font(7));
    const QFontMetricsF metrics(painter.font());
    const double legendW = 130;
    QRectF plot(body.left() + 38, body.top() + 4, body.width() - 38 - legendW,
                body.height() - 4 - 2.4 * metrics.height());
    painter.setPen(QPen(t_ink.grid, 0.6));
    for (int k = 0; k <= 4; ++k) {
        const double y = plot.bottom() - k * plot.height() / 4, x = plot.left() + k * plot.width() / 4;
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(t_ink.text);
        painter.drawText(QRectF(plot.left() - 36, y - 6, 33, 12), Qt::AlignRight | Qt::AlignVCenter,
                         number(yMax * k / 4));
        painter.drawText(QRectF(x - 20, plot.bottom() + 2, 40, metrics.height()), Qt::AlignCenter,
                         number(xMax * k / 4));
        painter.setPen(QPen(t_ink.grid, 0.6));
    }
    painter.setPen(t_ink.text);
    painter.drawText(
        QRectF(plot.left(), plot.bottom() + metrics.height() + 2, plot.width(), metrics.height()),
        Qt::AlignCenter, xLabel);
    painter.save();
    painter.translate(body.left() + 4, plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-plot.height() / 2, -6, plot.height(), 12), Qt::AlignCenter, yLabel);
    painter.restore();
    auto point = [&](double x, double y) {
        return QPointF(plot.left() + std::clamp(x / xMax, 0.0, 1.0) * plot.width(),
                       plot.bottom() - std::clamp(y / yMax, 0.0, 1.0) * plot.height());
    };
    for (std::size_t s = 0; s < series.size(); ++s) {
        const Series& line = series[s];
        painter.setPen(QPen(line.color, 1.6));
        for (std::size_t i = 1; i < line.x.size(); ++i)
            painter.drawLine(point(line.x[i - 1], line.y[i - 1]), point(line.x[i], line.y[i]));
        painter.setBrush(line.color);
        for (std::size_t i = 0; i < line.x.size(); ++i)
            painter.drawEllipse(point(line.x[i], line.y[i]), 2.2, 2.2);
        const double ly = plot.top() + 4 + s * (metrics.height() + 3);
        painter.drawLine(QPointF(plot.right() + 10, ly + 5), QPointF(plot.right() + 26, ly + 5));
        painter.setPen(t_ink.text);
        painter.drawText(QPointF(plot.right() + 30, ly + 9), line.name);
    }
}

} // namespace attnscope::render
