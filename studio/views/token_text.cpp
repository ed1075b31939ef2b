// SPDX-License-Identifier: Apache-2.0
#include "token_text.h"

#include <QFontDatabase>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

/// Draws each paragraph's tokens in the looks the view's styler gives (layout formats: the document
/// itself is never modified, so restyling costs no re-parse and no undo history).
class TokenHighlighter : public QSyntaxHighlighter {
public:
    explicit TokenHighlighter(TokenText* owner) : QSyntaxHighlighter(owner->document()), m_owner(owner) {}
    using QSyntaxHighlighter::rehighlightBlock;

protected:
    void highlightBlock(const QString& text) override {
        if (!m_owner->m_styler)
            return;
        const int blockStart = currentBlock().position();
        // A paragraph's separator belongs to the token ending the line ("↵" then the line break).
        const int blockEnd = blockStart + static_cast<int>(text.size()) + 1;
        for (int t = m_owner->firstTokenEndingAfter(blockStart); t < m_owner->tokens(); ++t) {
            const auto [begin, end] = m_owner->m_spans[static_cast<std::size_t>(t)];
            if (begin >= blockEnd)
                break;
            const int from = std::max(begin, blockStart), to = std::min(end, blockEnd);
            if (to > from)
                setFormat(from - blockStart, to - from, format(m_owner->m_styler(t)));
        }
    }

private:
    static QTextCharFormat format(const TokenText::Look& look) {
        QTextCharFormat f;
        f.setBackground(look.background);
        f.setForeground(look.foreground);
        if (look.marked) {
            f.setFontWeight(QFont::Bold);
            f.setFontUnderline(true);
        }
        return f;
    }

    TokenText* m_owner;
};

TokenText::TokenText(QWidget* parent) : QPlainTextEdit(parent), m_highlighter(new TokenHighlighter(this)) {
    setReadOnly(true);
    setUndoRedoEnabled(false);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // lines wrap at the width
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
}

TokenText::~TokenText() = default;

void TokenText::setTokens(const QString& text, std::vector<std::pair<int, int>> spans, Styler styler) {
    m_spans = std::move(spans);
    m_styler = std::move(styler);
    m_source = -1;
    m_keys.clear();
    setPlainText(text); // the highlighter styles every paragraph as the text comes in
    viewport()->update();
}

void TokenText::restyle() {
    m_highlighter->rehighlight();
}

void TokenText::restyle(const std::vector<int>& tokens) {
    std::vector<int> blocks;
    for (int t : tokens) {
        if (t < 0 || t >= this->tokens())
            continue;
        const auto [begin, end] = m_spans[static_cast<std::size_t>(t)];
        if (end <= begin)
            continue;
        for (QTextBlock block = document()->findBlock(begin); block.isValid() && block.position() < end;
             block = block.next())
            blocks.push_back(block.blockNumber());
    }
    std::sort(blocks.begin(), blocks.end());
    blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
    for (int number : blocks)
        m_highlighter->rehighlightBlock(document()->findBlockByNumber(number));
}

int TokenText::firstTokenEndingAfter(int position) const {
    const auto found = std::partition_point(m_spans.begin(), m_spans.end(),
                                            [position](const auto& span) { return span.second <= position; });
    return static_cast<int>(found - m_spans.begin());
}

QTextCharFormat TokenText::formatOf(int token) const {
    if (token < 0 || token >= tokens())
        return {};
    const int begin = m_spans[static_cast<std::size_t>(token)].first;
    const QTextBlock block = document()->findBlock(begin);
    if (!block.isValid() || !block.layout())
        return {};
    const int at = begin - block.position();
    for (const QTextLayout::FormatRange& range : block.layout()->formats())
        if (range.start <= at && at < range.start + range.length)
            return range.format;
    return {};
}

int TokenText::tokenAt(const QPoint& point) const {
    const int position = cursorForPosition(point).position();
    const int last = document()->characterCount() - 1; // the final paragraph separator is no text
    // The nearest cursor position lies on either side of the character under the point.
    for (const int c : {position, position - 1}) {
        if (c < 0 || c >= last)
            continue;
        QTextCursor cursor(document());
        cursor.setPosition(c);
        const QRect left = cursorRect(cursor);
        cursor.setPosition(c + 1);
        QRect right = cursorRect(cursor);
        if (right.top() != left.top()) // the character ends its line
            right.moveLeft(left.left() + fontMetrics().horizontalAdvance(document()->characterAt(c)));
        if (point.x() >= left.left() && point.x() < right.left() && point.y() >= left.top() &&
            point.y() <= left.bottom()) {
            const int t = firstTokenEndingAfter(c);
            return t < tokens() && m_spans[static_cast<std::size_t>(t)].first <= c ? t : -1;
        }
    }
    return -1;
}

void TokenText::mouseReleaseEvent(QMouseEvent* event) {
    QPlainTextEdit::mouseReleaseEvent(event);
    if (event->button() != Qt::LeftButton || textCursor().hasSelection())
        return; // a drag selects text to copy
    const int token = tokenAt(event->position().toPoint());
    if (token >= 0)
        Q_EMIT tokenClicked(token);
}

void TokenText::setLinks(int source, std::vector<std::pair<int, double>> keys) {
    m_source = source;
    m_keys = std::move(keys);
    viewport()->update();
}

QRectF TokenText::tokenRect(int token) const {
    if (token < 0 || token >= tokens())
        return {};
    const auto [first, last] = m_spans[static_cast<std::size_t>(token)];
    if (last <= first)
        return {};
    QTextCursor cursor(document());
    cursor.setPosition(first);
    const QRect start = cursorRect(cursor);
    // The token's first line only: the box ends where the line does for tokens that wrap.
    cursor.setPosition(first + 1);
    QRect end = cursorRect(cursor);
    for (int position = first + 2; position <= last; ++position) {
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
    QPlainTextEdit::paintEvent(event);
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
