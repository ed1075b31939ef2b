// SPDX-License-Identifier: Apache-2.0
#include "scarf_chart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <set>

namespace attnscope::studio {

namespace {

constexpr double kRowHeight = 22.0;
constexpr double kRowGap = 6.0;

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`.
double tickStep(double span, int count) {
    const double raw = span / std::max(1, count);
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-12))));
    for (const double factor : {1.0, 2.0, 5.0, 10.0})
        if (raw <= factor * magnitude)
            return factor * magnitude;
    return 10.0 * magnitude;
}

} // namespace

ScarfChart::ScarfChart(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(240, 120);
}

QColor ScarfChart::symbolColour(int symbol) {
    if (symbol < 0)
        return QColor(190, 190, 190);
    // Tableau-style categorical colours; symbols past twelve cycle with a darker shade.
    static const QColor palette[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                     {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                     {188, 189, 34},  {23, 190, 207}, {174, 199, 232}, {255, 187, 120}};
    const int count = static_cast<int>(std::size(palette));
    // Past the palette, each further round is darker or lighter by turns, so symbol k and k + 24 differ.
    const QColor base = palette[symbol % count];
    const int round = symbol / count;
    if (round == 0)
        return base;
    return round % 2 == 1 ? base.darker(100 + 40 * ((round + 1) / 2)) : base.lighter(100 + 30 * (round / 2));
}

void ScarfChart::setRows(std::vector<Row> rows, const QString& unit, QMap<int, QString> symbolNames) {
    m_rows = std::move(rows);
    m_unit = unit;
    m_names = std::move(symbolNames);
    // Segments that cannot be drawn (NaN or infinite times, negative lengths) are left out.
    for (Row& row : m_rows)
        std::erase_if(row.segments, [](const Segment& s) {
            return !std::isfinite(s.start) || !std::isfinite(s.length) || s.length < 0.0 ||
                   !std::isfinite(s.start + s.length);
        });
    std::set<int> symbols;
    m_end = 0.0;
    for (const Row& row : m_rows)
        for (const Segment& s : row.segments) {
            symbols.insert(s.symbol);
            m_end = std::max(m_end, s.start + s.length);
        }
    if (!std::isfinite(m_end) || !(m_end > 0.0))
        m_end = 1.0;
    m_symbols.assign(symbols.begin(), symbols.end());
    updateMinimumHeight();
    update();
}

int ScarfChart::legendLines(double width) const {
    const QFontMetrics metrics = fontMetrics();
    const double left = plotArea().left();
    double x = left;
    int lines = m_symbols.empty() ? 0 : 1;
    for (const int symbol : m_symbols) {
        const double w = 16 + metrics.horizontalAdvance(symbolName(symbol)) + 14;
        if (x + w > width && x > left) {
            x = left;
            ++lines;
        }
        x += w;
    }
    return lines;
}

void ScarfChart::updateMinimumHeight() {
    const int line = fontMetrics().height() + 4;
    const int wanted = static_cast<int>(8 + m_rows.size() * (kRowHeight + kRowGap)) + 2 * line + 16 +
                       legendLines(width()) * line;
    if (wanted != minimumHeight())
        setMinimumHeight(wanted);
}

void ScarfChart::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateMinimumHeight(); // the legend wraps onto more lines when narrower
}

QString ScarfChart::symbolName(int symbol) const {
    if (m_names.contains(symbol))
        return m_names.value(symbol);
    return symbol < 0 ? tr("no AOI") : QString::number(symbol);
}

QRectF ScarfChart::plotArea() const {
    const QFontMetrics metrics = fontMetrics();
    double labelWidth = 40.0;
    for (const Row& row : m_rows)
        labelWidth = std::max(labelWidth, static_cast<double>(metrics.horizontalAdvance(row.label)) + 12.0);
    labelWidth = std::min(labelWidth, width() * 0.35);
    const double top = 8.0;
    const double height = m_rows.size() * (kRowHeight + kRowGap);
    return QRectF(labelWidth, top, std::max(20.0, width() - labelWidth - 16.0), height);
}

QRectF ScarfChart::segmentRect(int row, int segment) const {
    const QRectF area = plotArea();
    const Segment& s = m_rows[static_cast<std::size_t>(row)].segments[static_cast<std::size_t>(segment)];
    const double scale = area.width() / m_end;
    // At least one pixel wide, so that short fixations stay visible.
    return QRectF(area.left() + s.start * scale, area.top() + row * (kRowHeight + kRowGap),
                  std::max(1.0, s.length * scale), kRowHeight);
}

std::pair<int, int> ScarfChart::segmentAt(const QPointF& position) const {
    for (std::size_t r = 0; r < m_rows.size(); ++r)
        for (std::size_t k = 0; k < m_rows[r].segments.size(); ++k)
            if (segmentRect(static_cast<int>(r), static_cast<int>(k)).contains(position))
                return {static_cast<int>(r), static_cast<int>(k)};
    return {-1, -1};
}

void ScarfChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QColor ink = palette().color(QPalette::Text);
    painter.setPen(ink);
    if (m_rows.empty()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("Check scanpaths to see their sequences"));
        return;
    }
    const QRectF area = plotArea();
    const QFontMetrics metrics = fontMetrics();
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        const double y = area.top() + r * (kRowHeight + kRowGap);
        painter.setPen(ink);
        painter.drawText(
            QRectF(0, y, area.left() - 6, kRowHeight), Qt::AlignRight | Qt::AlignVCenter,
            metrics.elidedText(m_rows[r].label, Qt::ElideMiddle, static_cast<int>(area.left() - 8)));
        painter.setPen(Qt::NoPen);
        for (std::size_t k = 0; k < m_rows[r].segments.size(); ++k) {
            painter.setBrush(symbolColour(m_rows[r].segments[k].symbol));
            // A pixel of background between fixations, so that refixations on one AOI stay countable.
            const QRectF box = segmentRect(static_cast<int>(r), static_cast<int>(k));
            painter.drawRect(box.width() > 3.0 ? box.adjusted(0, 0, -1, 0) : box);
        }
    }
    // The time axis under the bars.
    const double axisY = area.bottom() + 2;
    painter.setPen(ink);
    painter.drawLine(QPointF(area.left(), axisY), QPointF(area.right(), axisY));
    const double step = tickStep(m_end, 6);
    const int ticks = std::min(100, static_cast<int>(std::floor(m_end / step * (1.0 + 1e-9))));
    for (int tick = 0; tick <= ticks; ++tick) {
        const double t = tick * step;
        const double x = area.left() + t / m_end * area.width();
        painter.drawLine(QPointF(x, axisY), QPointF(x, axisY + 4));
        const QString text = QString::number(t, 'g', 6);
        painter.drawText(QPointF(x - metrics.horizontalAdvance(text) / 2.0, axisY + 4 + metrics.ascent()),
                         text);
    }
    painter.drawText(
        QPointF(area.right() - metrics.horizontalAdvance(m_unit), axisY + 6 + 2 * metrics.height()), m_unit);
    // The legend: each symbol present, wrapped across the width.
    double x = area.left(), y = axisY + 10 + 2 * metrics.height();
    for (const int symbol : m_symbols) {
        const QString name = symbolName(symbol);
        const double w = 16 + metrics.horizontalAdvance(name) + 14;
        if (x + w > width() && x > area.left()) {
            x = area.left();
            y += metrics.height() + 4;
        }
        painter.setPen(Qt::NoPen);
        painter.setBrush(symbolColour(symbol));
        painter.drawRect(QRectF(x, y - metrics.ascent() + 2, 12, 12));
        painter.setPen(ink);
        painter.drawText(QPointF(x + 16, y + 2), name);
        x += w;
    }
}

void ScarfChart::mouseMoveEvent(QMouseEvent* event) {
    const auto [row, segment] = segmentAt(event->position());
    if (row < 0) {
        QToolTip::hideText();
        return;
    }
    const Segment& s = m_rows[static_cast<std::size_t>(row)].segments[static_cast<std::size_t>(segment)];
    QToolTip::showText(
        event->globalPosition().toPoint(),
        tr("%1\nfixation %2 on %3\n%4–%5 %6")
            .arg(m_rows[static_cast<std::size_t>(row)].label)
            .arg(s.fixation + 1)
            .arg(symbolName(s.symbol))
            .arg(QString::number(s.start, 'g', 6), QString::number(s.start + s.length, 'g', 6), m_unit),
        this);
}

} // namespace attnscope::studio
