// SPDX-License-Identifier: Apache-2.0
#include "word_scatter.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace attnscope::studio {

namespace {

/// A tick label: short, without trailing zeros.
QString tickText(double value) {
    return QString::number(value, 'g', 3);
}

bool finitePoint(const WordScatter::Point& p) {
    return std::isfinite(p.x) && std::isfinite(p.y);
}

} // namespace

WordScatter::WordScatter(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(240, 200);
}

void WordScatter::setPoints(std::vector<Point> points, const QString& xTitle, const QString& yTitle,
                            const QString& title) {
    m_points = std::move(points);
    m_xTitle = xTitle;
    m_yTitle = yTitle;
    m_title = title;
    m_hovered = -1;
    bool any = false;
    for (const Point& p : m_points) {
        if (!finitePoint(p))
            continue;
        m_minX = any ? std::min(m_minX, p.x) : p.x;
        m_maxX = any ? std::max(m_maxX, p.x) : p.x;
        m_minY = any ? std::min(m_minY, p.y) : p.y;
        m_maxY = any ? std::max(m_maxY, p.y) : p.y;
        any = true;
    }
    if (!any) {
        m_minX = m_minY = 0.0;
        m_maxX = m_maxY = 1.0;
    }
    // A margin of 5 % so that no point sits on the frame; a flat series gets a unit range.
    const auto pad = [](double& low, double& high) {
        const double span = high - low;
        const double margin = span > 0.0 ? 0.05 * span : std::max(std::abs(low), 1.0) * 0.5;
        low -= margin;
        high += margin;
    };
    pad(m_minX, m_maxX);
    pad(m_minY, m_maxY);
    update();
}

void WordScatter::clear() {
    setPoints({}, {}, {}, {});
}

QRectF WordScatter::plotArea() const {
    const QFontMetrics metrics = fontMetrics();
    const double left = metrics.horizontalAdvance(QStringLiteral("-0.000e+00")) + metrics.height() + 8;
    const double top = metrics.height() + 10;
    const double bottom = 2 * metrics.height() + 12;
    return QRectF(left, top, std::max(10.0, width() - left - 12), std::max(10.0, height() - top - bottom));
}

QPointF WordScatter::screenPosition(int p) const {
    const QRectF area = plotArea();
    const Point& point = m_points[static_cast<std::size_t>(p)];
    return {area.left() + (point.x - m_minX) / (m_maxX - m_minX) * area.width(),
            area.bottom() - (point.y - m_minY) / (m_maxY - m_minY) * area.height()};
}

int WordScatter::pointAt(const QPointF& position, double radius) const {
    int best = -1;
    double bestDistance = radius * radius;
    for (std::size_t i = 0; i < m_points.size(); ++i) {
        if (!finitePoint(m_points[i]))
            continue;
        const QPointF d = screenPosition(static_cast<int>(i)) - position;
        const double distance = d.x() * d.x() + d.y() * d.y();
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = static_cast<int>(i);
        }
    }
    return best;
}

void WordScatter::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    const QRectF area = plotArea();
    const QColor ink = palette().color(QPalette::Text);
    painter.setPen(ink);
    if (!m_title.isEmpty())
        painter.drawText(QRectF(area.left(), 2, area.width(), area.top() - 4),
                         Qt::AlignLeft | Qt::AlignVCenter, m_title);
    if (m_points.empty()) {
        painter.drawText(area, Qt::AlignCenter, tr("Select a unit to see its words"));
        return;
    }
    // Frame, five ticks per axis and the titles.
    painter.setPen(QPen(ink.lighter(180), 1));
    painter.drawRect(area);
    const QFontMetrics metrics = fontMetrics();
    for (int t = 0; t <= 4; ++t) {
        const double fx = area.left() + area.width() * t / 4.0;
        const double fy = area.bottom() - area.height() * t / 4.0;
        painter.setPen(QPen(ink.lighter(220), 1, Qt::DotLine));
        painter.drawLine(QPointF(fx, area.top()), QPointF(fx, area.bottom()));
        painter.drawLine(QPointF(area.left(), fy), QPointF(area.right(), fy));
        painter.setPen(ink);
        const QString xText = tickText(m_minX + (m_maxX - m_minX) * t / 4.0);
        painter.drawText(
            QPointF(fx - metrics.horizontalAdvance(xText) / 2.0, area.bottom() + metrics.ascent() + 3),
            xText);
        const QString yText = tickText(m_minY + (m_maxY - m_minY) * t / 4.0);
        painter.drawText(
            QPointF(area.left() - metrics.horizontalAdvance(yText) - 4, fy + metrics.ascent() / 2.0), yText);
    }
    painter.drawText(
        QRectF(area.left(), area.bottom() + metrics.height() + 4, area.width(), metrics.height() + 4),
        Qt::AlignHCenter, m_xTitle);
    painter.save();
    // Rotated by −90°, the title's box [−h, 4] in y lands at [2, h + 6] in x: inside the widget.
    painter.translate(metrics.height() + 2, area.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-area.height() / 2, -metrics.height(), area.height(), metrics.height() + 4),
                     Qt::AlignHCenter, m_yTitle);
    painter.restore();

    const QColor fill(33, 113, 181);
    for (std::size_t i = 0; i < m_points.size(); ++i) {
        if (!finitePoint(m_points[i]))
            continue;
        const QPointF at = screenPosition(static_cast<int>(i));
        const bool hovered = static_cast<int>(i) == m_hovered;
        painter.setPen(QPen(m_points[i].compared ? fill.darker(130) : ink.lighter(150), hovered ? 2.0 : 1.2));
        painter.setBrush(m_points[i].compared ? QBrush(fill) : Qt::NoBrush);
        painter.drawEllipse(at, hovered ? 6.0 : 4.5, hovered ? 6.0 : 4.5);
    }
}

void WordScatter::mouseMoveEvent(QMouseEvent* event) {
    const int hovered = pointAt(event->position());
    if (hovered != m_hovered) {
        m_hovered = hovered;
        update();
    }
    if (hovered < 0) {
        QToolTip::hideText();
        return;
    }
    const Point& p = m_points[static_cast<std::size_t>(hovered)];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("“%1”\n%2: %3\n%4: %5%6")
                           .arg(p.label, m_xTitle, tickText(p.x), m_yTitle, tickText(p.y),
                                p.compared ? QString() : tr("\n(not compared)")),
                       this);
}

} // namespace attnscope::studio
