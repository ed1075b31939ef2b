// SPDX-License-Identifier: Apache-2.0
#include "qk_scatter.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

namespace {

constexpr int kStrongestKeys = 5;

/// Early tokens light, late ones dark, in the hue of the point's kind (queries orange, keys blue).
QColor pointColor(bool query, double position) {
    const int hue = query ? 24 : 212;
    return QColor::fromHsv(hue, 200, static_cast<int>(235 - 135 * position));
}

} // namespace

QkScatter::QkScatter(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("qkScatter"));
    setMouseTracking(true);
    setMinimumSize(320, 240);
    setFocusPolicy(Qt::ClickFocus);
}

void QkScatter::setEmbedding(const analyses::QkEmbedding& embedding, const QStringList& tokenTexts) {
    m_embedding = embedding;
    m_texts = tokenTexts;
    m_selected = -1;
    m_strongest.clear();
    m_minX = m_minY = INFINITY;
    m_maxX = m_maxY = -INFINITY;
    for (int p = 0; p < embedding.points(); ++p) {
        m_minX = std::min(m_minX, embedding.at(p, 0));
        m_maxX = std::max(m_maxX, embedding.at(p, 0));
        m_minY = std::min(m_minY, embedding.at(p, 1));
        m_maxY = std::max(m_maxY, embedding.at(p, 1));
    }
    if (!(m_maxX > m_minX)) {
        m_minX -= 0.5;
        m_maxX += 0.5;
    }
    if (!(m_maxY > m_minY)) {
        m_minY -= 0.5;
        m_maxY += 0.5;
    }
    update();
}

void QkScatter::clear() {
    m_embedding.reset();
    m_selected = -1;
    m_strongest.clear();
    update();
}

QRectF QkScatter::plotArea() const {
    const QRectF frame = QRectF(rect()).adjusted(16, 34, -16, -16);
    // Equal scale on both axes: distances on screen are distances in the embedding.
    const double scale = std::min(frame.width() / (m_maxX - m_minX), frame.height() / (m_maxY - m_minY));
    const QSizeF size((m_maxX - m_minX) * scale, (m_maxY - m_minY) * scale);
    return QRectF(frame.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

QPointF QkScatter::screenPosition(int p) const {
    if (!m_embedding || p < 0 || p >= m_embedding->points())
        return {};
    const QRectF area = plotArea();
    return {area.left() + (m_embedding->at(p, 0) - m_minX) / (m_maxX - m_minX) * area.width(),
            area.bottom() - (m_embedding->at(p, 1) - m_minY) / (m_maxY - m_minY) * area.height()};
}

int QkScatter::pointAt(const QPointF& position, double radius) const {
    if (!m_embedding)
        return -1;
    int best = -1;
    double bestDistance = radius * radius;
    // Keys first, then queries, as they are painted: a query drawn over a key at the same spot wins.
    const int m = static_cast<int>(m_embedding->sampled.size());
    for (int i = 0; i < m_embedding->points(); ++i) {
        const int p = (i + m) % m_embedding->points();
        const QPointF delta = screenPosition(p) - position;
        const double d2 = QPointF::dotProduct(delta, delta);
        if (d2 <= bestDistance) {
            bestDistance = d2;
            best = p;
        }
    }
    return best;
}

QString QkScatter::describe(int p) const {
    if (!m_embedding || p < 0 || p >= m_embedding->points())
        return {};
    const int m = static_cast<int>(m_embedding->sampled.size());
    const int token = m_embedding->sampled[static_cast<std::size_t>(p % m)];
    const QString text = token < m_texts.size() ? m_texts[token] : QString();
    return tr("%1 of token %2 “%3”")
        .arg(p < m ? tr("query") : tr("key"))
        .arg(token)
        .arg(text.isEmpty() ? tr("(special)") : text.simplified());
}

void QkScatter::selectPoint(int p) {
    m_selected = m_embedding && p >= 0 && p < m_embedding->points() ? p : -1;
    m_strongest.clear();
    const int m = m_embedding ? static_cast<int>(m_embedding->sampled.size()) : 0;
    if (m_selected >= 0 && m_selected < m) {
        // Softmax over the embedded keys the query sees: the head's own row when every token is
        // embedded; the caption says when only a sample is.
        std::vector<std::pair<int, double>> logits;
        double top = -INFINITY;
        for (int kj = 0; kj < m; ++kj)
            if (m_embedding->visible(m_selected, kj)) {
                logits.emplace_back(kj, m_embedding->logit(m_selected, kj));
                top = std::max(top, logits.back().second);
            }
        double sum = 0;
        for (auto& [key, value] : logits) {
            value = std::exp(value - top);
            sum += value;
        }
        for (auto& entry : logits)
            entry.second /= sum;
        const std::size_t keep = std::min<std::size_t>(kStrongestKeys, logits.size());
        std::partial_sort(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(keep), logits.end(),
                          [](const auto& a, const auto& b) { return a.second > b.second; });
        m_strongest.assign(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(keep));
    }
    update();
    Q_EMIT pointSelected(m_selected, describe(m_selected));
}

void QkScatter::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    if (!m_embedding) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Choose a layer and a head, then Compute (Ctrl+Shift+K): the head's queries and "
                            "keys of the input text in one space, where a query lies near the keys it "
                            "attends to."));
        return;
    }
    const analyses::QkEmbedding& e = *m_embedding;
    const int m = static_cast<int>(e.sampled.size());
    const double lastToken = std::max(1, e.tokens - 1);
    const double radius = m > 2000 ? 2.0 : m > 500 ? 3.0 : 4.0;
    // Keys first, then queries over them; the selection's lines on top.
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < m; ++i) {
            const bool query = pass == 1;
            const int p = query ? i : m + i;
            const QColor color = pointColor(query, e.sampled[static_cast<std::size_t>(i)] / lastToken);
            painter.setPen(QPen(color.darker(130), 0.6));
            painter.setBrush(color);
            const QPointF at = screenPosition(p);
            if (query)
                painter.drawEllipse(at, radius, radius);
            else
                painter.drawRect(QRectF(at - QPointF(radius, radius), QSizeF(2 * radius, 2 * radius)));
        }
    if (m_selected >= 0) {
        const QPointF from = screenPosition(m_selected);
        for (const auto& [key, probability] : m_strongest) {
            painter.setPen(
                QPen(QColor(40, 40, 40, 60 + static_cast<int>(195 * probability)), 1.0 + 3.0 * probability));
            painter.drawLine(from, screenPosition(m + key));
        }
        painter.setPen(QPen(palette().color(QPalette::Text), 2.0));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(from, radius + 4, radius + 4);
    }
    // Legend.
    painter.setPen(palette().color(QPalette::Text));
    painter.setBrush(pointColor(true, 0.5));
    painter.drawEllipse(QPointF(22, 18), 5, 5);
    painter.drawText(QPointF(32, 23), tr("query"));
    painter.setBrush(pointColor(false, 0.5));
    painter.drawRect(QRectF(87, 13, 10, 10));
    painter.drawText(QPointF(103, 23), tr("key      light → dark: early → late token"));
}

void QkScatter::mouseMoveEvent(QMouseEvent* event) {
    const int p = pointAt(event->position());
    if (p >= 0)
        QToolTip::showText(event->globalPosition().toPoint(), describe(p), this);
    else
        QToolTip::hideText();
}

void QkScatter::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton)
        selectPoint(pointAt(event->position()));
}

} // namespace attnscope::studio
