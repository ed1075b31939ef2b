// SPDX-License-Identifier: Apache-2.0
#include "render/scanpath_figure.h"

#include "render/figures.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace attnscope::render {

namespace {

constexpr double kTitleHeight = 22.0;

/// The extent the plot maps: the stimulus when known, else the fixations' bounding box.
QRectF extentOf(const ScanpathFigure& figure) {
    if (figure.width > 0.0 && figure.height > 0.0)
        return {0.0, 0.0, figure.width, figure.height};
    double left = 0, top = 0, right = 1, bottom = 1;
    bool first = true;
    for (const ScanpathLayer& layer : figure.layers)
        for (const scanpath::Fixation& f : layer.path->fixations) {
            if (!std::isfinite(f.x) || !std::isfinite(f.y))
                continue;
            if (first) {
                left = right = f.x;
                top = bottom = f.y;
                first = false;
            }
            left = std::min(left, f.x), right = std::max(right, f.x);
            top = std::min(top, f.y), bottom = std::max(bottom, f.y);
        }
    const double margin = 0.05 * std::max(right - left, bottom - top) + 1.0;
    return {left - margin, top - margin, right - left + 2 * margin, bottom - top + 2 * margin};
}

/// A fixation's circle radius in plot pixels: area ∝ duration (250 ms → `base`), a fixed size without
/// durations.
double radiusFor(const scanpath::Fixation& f, double base) {
    if (!std::isfinite(f.durationMs) || f.durationMs <= 0.0)
        return 0.7 * base;
    return std::clamp(base * std::sqrt(f.durationMs / 250.0), 0.25 * base, 3.0 * base);
}

/// The radius of a 250 ms fixation: 2 % of the plot's diagonal, or a third of a word's line on a text.
double baseRadius(const ScanpathFigure& figure, double diagonal, double scale) {
    if (!figure.areaWeights.empty() && !figure.areas.empty())
        return 0.3 * (figure.areas.front().bottom - figure.areas.front().top) * scale;
    return 0.02 * diagonal;
}

} // namespace

std::vector<scanpath::AoiBox> layoutWords(const std::vector<std::string>& words, double width,
                                          const QFont& font, double* height) {
    const QFontMetricsF metrics(font);
    const double lineHeight = 2.2 * metrics.height(),
                 space = metrics.horizontalAdvance(QLatin1Char(' ')) * 2.0;
    const double margin = metrics.height();
    std::vector<scanpath::AoiBox> boxes;
    double x = margin, y = margin;
    for (std::size_t w = 0; w < words.size(); ++w) {
        const double advance = metrics.horizontalAdvance(QString::fromStdString(words[w])) + space;
        if (x + advance > width - margin && x > margin) {
            x = margin;
            y += lineHeight;
        }
        scanpath::AoiBox box;
        box.id = static_cast<int>(w);
        box.left = x;
        box.top = y;
        box.right = x + advance;
        box.bottom = y + lineHeight;
        box.label = words[w];
        boxes.push_back(std::move(box));
        x += advance;
    }
    if (height)
        *height = y + lineHeight + margin;
    return boxes;
}

QColor scanpathColour(int index) {
    static const QColor palette[] = {QColor(0, 114, 178),   QColor(230, 159, 0),  QColor(0, 158, 115),
                                     QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                                     QColor(240, 228, 66),  QColor(0, 0, 0)};
    return palette[static_cast<std::size_t>(index) % (sizeof palette / sizeof palette[0])];
}

/// True when the figure has a band above the plot: a title or a legend.
bool hasBand(const ScanpathFigure& figure) {
    if (!figure.title.isEmpty())
        return true;
    return std::any_of(figure.layers.begin(), figure.layers.end(),
                       [](const ScanpathLayer& layer) { return !layer.label.isEmpty(); });
}

QRectF scanpathPlotRect(const QRectF& area, const ScanpathFigure& figure) {
    const QRectF extent = extentOf(figure);
    const QRectF room = area.adjusted(8, hasBand(figure) ? kTitleHeight + 4 : 8, -8, -8);
    if (room.width() <= 0 || room.height() <= 0 || extent.width() <= 0 || extent.height() <= 0)
        return {};
    const double scale = std::min(room.width() / extent.width(), room.height() / extent.height());
    const QSizeF size(extent.width() * scale, extent.height() * scale);
    return {QPointF(room.center().x() - size.width() / 2, room.center().y() - size.height() / 2), size};
}

void drawScanpaths(QPainter& painter, const QRectF& area, const ScanpathFigure& figure) {
    const FigureInk& ink = figureInk();
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(area, ink.paper);
    if (!figure.title.isEmpty()) {
        painter.setPen(ink.text);
        QFont font = painter.font();
        font.setBold(true);
        painter.setFont(font);
        painter.drawText(QRectF(area.left() + 8, area.top() + 2, area.width() - 16, kTitleHeight),
                         Qt::AlignLeft | Qt::AlignVCenter, figure.title);
        font.setBold(false);
        painter.setFont(font);
    }
    const QRectF plot = scanpathPlotRect(area, figure);
    if (plot.isEmpty()) {
        painter.restore();
        return;
    }
    const QRectF extent = extentOf(figure);
    const double scale = plot.width() / extent.width();
    const auto map = [&](double x, double y) {
        return QPointF(plot.left() + (x - extent.left()) * scale, plot.top() + (y - extent.top()) * scale);
    };
    const auto mapBox = [&](const scanpath::AoiBox& box) {
        return QRectF(map(box.left, box.top), map(box.right, box.bottom));
    };

    // The stimulus frame, its grid and its areas.
    painter.setPen(QPen(ink.grid, 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(plot);
    if (figure.gridColumns > 0 && figure.gridRows > 0 && figure.areaWeights.empty()) {
        QPen dashed(ink.grid, 0.8, Qt::DashLine);
        painter.setPen(dashed);
        for (int c = 1; c < figure.gridColumns; ++c) {
            const double x = plot.left() + plot.width() * c / figure.gridColumns;
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        }
        for (int r = 1; r < figure.gridRows; ++r) {
            const double y = plot.top() + plot.height() * r / figure.gridRows;
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        }
    }
    const bool words = !figure.areaWeights.empty();
    if (words && !figure.areas.empty()) {
        // Words at the size their lines were laid out for, scaled with the plot (a line is 2.2 font heights).
        QFont wordFont = painter.font();
        wordFont.setPixelSize(std::max(
            6, static_cast<int>((figure.areas.front().bottom - figure.areas.front().top) * scale / 2.2)));
        painter.setFont(wordFont);
    }
    for (std::size_t a = 0; a < figure.areas.size(); ++a) {
        const scanpath::AoiBox& box = figure.areas[a];
        const QRectF r = mapBox(box);
        if (words) {
            // Relevance as the box's fill, the word centred on it.
            const double weight = a < figure.areaWeights.size() ? figure.areaWeights[a] : 0.0;
            QColor fill = std::isfinite(weight) ? viridis(std::clamp(weight, 0.0, 1.0)) : ink.missing;
            fill.setAlphaF(0.45);
            painter.fillRect(r, fill);
            painter.setPen(ink.text);
            painter.drawText(r, Qt::AlignCenter, QString::fromStdString(box.label));
            continue;
        }
        painter.setPen(QPen(ink.text, 1.0, Qt::DotLine));
        painter.drawRect(r);
        if (!box.label.empty())
            painter.drawText(r.adjusted(2, 1, -2, -1), Qt::AlignLeft | Qt::AlignTop,
                             QString::fromStdString(box.label));
    }
    painter.setPen(QPen(QColor(213, 94, 0), 2.5));
    for (const scanpath::AoiBox& box : figure.targets)
        painter.drawRect(mapBox(box));

    if (figure.heatmap && !figure.heatmap->values.empty()) {
        const scanpath::SaliencyMap& density = *figure.heatmap;
        double peak = 0.0, nonZero = 0.0;
        int count = 0;
        for (const double v : density.values) {
            peak = std::max(peak, v);
            if (v > 0.0)
                nonZero += v, ++count;
        }
        if (peak > 0.0) {
            const double floor = nonZero / count;
            QImage image(density.columns, density.rows, QImage::Format_ARGB32);
            for (int r = 0; r < density.rows; ++r)
                for (int c = 0; c < density.columns; ++c) {
                    const double v = density.at(c, r);
                    QColor colour = viridis(v / peak);
                    colour.setAlphaF(v >= floor ? 0.5 : 0.0);
                    image.setPixelColor(c, r, colour);
                }
            // The cells cover the screen from (0, 0) on; the last ones may pass its edge, clipped.
            painter.save();
            painter.setClipRect(plot);
            painter.drawImage(
                QRectF(map(0, 0), map(density.columns * density.cellPx, density.rows * density.cellPx)),
                image);
            painter.restore();
        }
    }

    // Saccades under fixations, then the numbered circles.
    const double diagonal = std::hypot(plot.width(), plot.height());
    const double base = baseRadius(figure, diagonal, scale);
    QFont small = painter.font();
    small.setPointSizeF(std::max(6.0, 0.011 * diagonal));
    painter.setFont(small);
    for (const ScanpathLayer& layer : figure.layers) {
        const auto& fixations = layer.path->fixations;
        const int shown = layer.shownFixations < 0
                              ? static_cast<int>(fixations.size())
                              : std::min(layer.shownFixations, static_cast<int>(fixations.size()));
        QColor line = layer.colour;
        line.setAlphaF(0.75);
        painter.setPen(QPen(line, std::max(1.0, 0.003 * diagonal), Qt::SolidLine, Qt::RoundCap));
        for (int k = 0; k + 1 < shown; ++k) {
            const QPointF from = map(fixations[k].x, fixations[k].y),
                          to = map(fixations[k + 1].x, fixations[k + 1].y);
            const QLineF saccade(from, to);
            if (saccade.length() < 1.0)
                continue;
            // Stop the arrow at the next circle's rim so its head stays visible.
            const double rim = radiusFor(fixations[k + 1], base);
            const QPointF tip = saccade.length() > rim ? saccade.pointAt(1.0 - rim / saccade.length()) : to;
            painter.drawLine(from, tip);
            const double head = std::max(4.0, 0.012 * diagonal);
            const double angle = std::atan2(tip.y() - from.y(), tip.x() - from.x());
            QPainterPath arrow;
            arrow.moveTo(tip);
            arrow.lineTo(tip - QPointF(std::cos(angle - 0.4) * head, std::sin(angle - 0.4) * head));
            arrow.lineTo(tip - QPointF(std::cos(angle + 0.4) * head, std::sin(angle + 0.4) * head));
            arrow.closeSubpath();
            painter.fillPath(arrow, line);
        }
        for (int k = 0; k < shown; ++k) {
            const QPointF centre = map(fixations[k].x, fixations[k].y);
            const double r = radiusFor(fixations[k], base);
            QColor fill = layer.colour;
            fill.setAlphaF(words ? 0.3 : 0.5); // on a text, the word must stay readable under the circle
            painter.setPen(QPen(layer.colour, 1.0));
            painter.setBrush(fill);
            painter.drawEllipse(centre, r, r);
            painter.setPen(ink.text);
            painter.drawText(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r), Qt::AlignCenter,
                             QString::number(k + 1));
        }
    }
    // The legend, right-aligned in the band above the plot: each scanpath's colour and label.
    painter.setFont(QFont(painter.font().family()));
    const QFontMetricsF metrics(painter.font());
    double x = area.right() - 8;
    for (auto layer = figure.layers.rbegin(); layer != figure.layers.rend(); ++layer) {
        if (layer->label.isEmpty())
            continue;
        const double width = metrics.horizontalAdvance(layer->label);
        x -= width;
        if (x < area.left() + 8 + (figure.title.isEmpty() ? 0 : metrics.horizontalAdvance(figure.title) + 16))
            break; // no room left: the list beside the plot names them
        painter.setPen(ink.text);
        painter.drawText(QRectF(x, area.top() + 2, width, kTitleHeight), Qt::AlignLeft | Qt::AlignVCenter,
                         layer->label);
        x -= 14;
        painter.setPen(Qt::NoPen);
        painter.setBrush(layer->colour);
        painter.drawRect(QRectF(x, area.top() + 2 + (kTitleHeight - 10) / 2, 10, 10));
        x -= 12;
    }
    painter.restore();
}

std::optional<std::pair<int, int>> fixationAt(const QRectF& area, const ScanpathFigure& figure,
                                              const QPointF& point) {
    const QRectF plot = scanpathPlotRect(area, figure);
    if (plot.isEmpty())
        return std::nullopt;
    const QRectF extent = extentOf(figure);
    const double scale = plot.width() / extent.width();
    const double diagonal = std::hypot(plot.width(), plot.height());
    std::optional<std::pair<int, int>> best;
    double bestDistance = 0.0;
    for (std::size_t l = 0; l < figure.layers.size(); ++l) {
        const auto& fixations = figure.layers[l].path->fixations;
        const int shown =
            figure.layers[l].shownFixations < 0
                ? static_cast<int>(fixations.size())
                : std::min<int>(figure.layers[l].shownFixations, static_cast<int>(fixations.size()));
        for (int k = 0; k < shown; ++k) {
            const QPointF centre(plot.left() + (fixations[k].x - extent.left()) * scale,
                                 plot.top() + (fixations[k].y - extent.top()) * scale);
            const double d = QLineF(centre, point).length();
            if (d <= radiusFor(fixations[k], baseRadius(figure, diagonal, scale)) &&
                (!best || d < bestDistance)) {
                best = std::make_pair(static_cast<int>(l), k);
                bestDistance = d;
            }
        }
    }
    return best;
}

} // namespace attnscope::render
