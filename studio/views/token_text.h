// SPDX-License-Identifier: Apache-2.0
// The token view's text: the input as plain text, each token drawn in its own colours, with curves
// drawn over it from a selected token to the keys it attends to (thicker for more attention).
//
// Why plain text with per-token formats and not HTML with one anchor per token: a 4096-token run's
// HTML took ~40 ms to parse on the GUI thread, a 32k-token run ten times that, and every new selection
// re-parsed it. Here the text is set once per run; colours are layout formats applied per paragraph
// (a syntax highlighter), and QPlainTextEdit lays out only the paragraphs it shows.
#pragma once

#include <QColor>
#include <QPlainTextEdit>

#include <functional>
#include <utility>
#include <vector>

class QTextCharFormat;

namespace attnscope::studio {

class TokenHighlighter;

class TokenText : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit TokenText(QWidget* parent = nullptr);
    ~TokenText() override;

    /// How one token is drawn.
    struct Look {
        QColor background, foreground;
        bool marked = false; ///< bold and underlined: sinks, the selection and the keys it attends to
        bool operator==(const Look&) const = default;
    };
    /// Gives the look of token t; called for the tokens of each paragraph as it is (re)styled.
    using Styler = std::function<Look(int token)>;

    /// Replaces the text. `spans[t]` is token t's [begin, end) character range in `text`, ranges in
    /// increasing order; begin == end for a token with no text of its own (BOS).
    void setTokens(const QString& text, std::vector<std::pair<int, int>> spans, Styler styler);
    /// Applies the styler again to every token (the head changed).
    void restyle();
    /// Applies it again to the paragraphs holding these tokens only (the selection changed).
    void restyle(const std::vector<int>& tokens);
    int tokens() const { return static_cast<int>(m_spans.size()); }
    /// Token t's character range in the text.
    std::pair<int, int> span(int token) const { return m_spans.at(static_cast<std::size_t>(token)); }
    /// The format token t is drawn with now (its first character), as laid out.
    QTextCharFormat formatOf(int token) const;
    /// The token under a viewport point, -1 over margins and empty space.
    int tokenAt(const QPoint& point) const;

    /// One drawn curve, in viewport coordinates: from the source token's centre to a key's centre.
    struct Link {
        int key = 0;
        double probability = 0;
        QPointF from, to;
    };
    /// Curves from token `source` to each key with its attention probability; none when source < 0.
    void setLinks(int source, std::vector<std::pair<int, double>> keys);
    /// The curves as they are drawn now (tokens with no text of their own, like BOS, have no curve).
    std::vector<Link> links() const;
    /// The token's box in viewport coordinates (first line of it), or an empty rect when it has no text.
    QRectF tokenRect(int token) const;

Q_SIGNALS:
    /// A click (not a drag that selects text) on a token.
    void tokenClicked(int token);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    friend class TokenHighlighter;
    /// The first token whose range ends after `position` (tokens().size() when none).
    int firstTokenEndingAfter(int position) const;

    TokenHighlighter* m_highlighter;
    std::vector<std::pair<int, int>> m_spans;
    Styler m_styler;
    int m_source = -1;
    std::vector<std::pair<int, double>> m_keys;
};

} // namespace attnscope::studio
