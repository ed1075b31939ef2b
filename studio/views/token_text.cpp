// SPDX-License-Identifier: Apache-2.0
#include "token_text.h"

#include <QPainter>
#include <QPainterPath>
#include <QTextBlock>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

TokenText::TokenText(QWidget* parent) : QTextBrowser(parent) {}

void TokenText::setTokenHtml(const QString& html) {
    setHtml(html);
    indexAnchors();
    viewport()->update();
}

void TokenText::indexAnchors() {
    m_ranges.clear();
    const QString prefix = QStringLiteral("token:");
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next())
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            const QString href = fragment.charFormat().anchorHref();
            if (!href.startsWith(prefix))
                continue;
            bool ok = false;
            const int token = href.mid(prefix.size()).toInt(&ok);
            if (!ok)
                continue;
            const int begin = fragment.position(), end = fragment.position() + fragment.length();
            auto [entry, inserted] = m_ranges.try_emplace(token, begin, end);
            if (!inserted) { // a token whose text spans lines ("↵" + a line break) has several fragments
                entry->second.first = std::min(entry->second.first, begin);
                entry->second.second = std::max(entry->second.second, end);
            }
        }
}

void TokenText::setLinks(int source, std::vector<std::pair<int, double>> keys) {
    m_source = source;
    m_keys = std::move(keys);
    viewport()->update();
}

QRectF TokenText::tokenRect(int token) const {
    const auto found = m_ranges.find(token);
    if (found == m_ranges.end())
        return {};
    QTextCursor cursor(document());
    cursor.setPosition(found->second.first);
    const QRect start = cursorRect(cursor);
    // The token's first character only: the box ends where the line does for tokens that wrap.
    cursor.setPosition(found->second.first + 1);
    QRect end = cursorRect(cursor);
    const int last = found->second.second;
    for (int position = found->second.first + 2; position <= last; ++position) {
        cursor.setPosition(position);
        const QRect next = cursorRect(cursor);
        if (next.top() != start.top())
            break;
        end = next;
    }
    return QRectF(QPointF(start.left(), start.top()),
                  QPointF(std::max(end.left(), start.left() + 2), start.bottom()));
}

std::vector<TokenText::Link> TokenText::links() const {
    std::vector<Link> out;
    const QRectF source = tokenRect(m_source);
    if (source.isEmpty())
        return out;
    for (const auto& [key, probability] : m_keys) {
        if (key == m_source)
            continue; // attention to itself has no line to draw (the token is marked instead)
        const QRectF target = tokenRect(key);
        if (!target.isEmpty())
            out.push_back({key, probability, source.center(), target.center()});
    }
    return out;
}

void TokenText::paintEvent(QPaintEvent* event) {
    QTextBrowser::paintEvent(event);
    const std::vector<Link> curves = links();
    if (curves.empty())
        return;
    QPainter painter(viewport());
    painter.setRenderHint(QPainter::Antialiasing);
    double strongest = 1e-12;
    for (const Link& link : curves)
        strongest = std::max(strongest, link.probability);
    for (const Link& link : curves) {
        // Arcs bulge upwards by a third of their length, so lines between tokens of one line stay
        // visible above the text instead of running along it.
        const QPointF middle = (link.from + link.to) / 2;
        const double length = std::hypot(link.to.x() - link.from.x(), link.to.y() - link.from.y());
        const QPointF control(middle.x(), middle.y() - std::max(12.0, length / 3));
        QPainterPath path(link.from);
        path.quadTo(control, link.to);
        const double weight = link.probability / strongest;
        QColor colour(230, 40, 40);
        colour.setAlphaF(0.35 + 0.6 * weight);
        painter.setPen(QPen(colour, 1.0 + 4.0 * weight, Qt::SolidLine, Qt::RoundCap));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        painter.setBrush(colour);
        painter.drawEllipse(link.to, 3.0, 3.0);
    }
}

} // namespace attnscope::studio
