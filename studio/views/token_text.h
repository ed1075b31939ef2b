// SPDX-License-Identifier: Apache-2.0
// The token view's text: a QTextBrowser whose tokens are anchors "token:N", with curves drawn over it
// from a selected token to the keys it attends to (thicker for more attention). The token positions
// come from the laid-out document, so the curves follow wrapping, resizing and scrolling.
#pragma once

#include <QTextBrowser>

#include <map>
#include <utility>
#include <vector>

namespace attnscope::studio {

class TokenText : public QTextBrowser {
    Q_OBJECT
public:
    explicit TokenText(QWidget* parent = nullptr);

    /// One drawn curve, in viewport coordinates: from the source token's centre to a key's centre.
    struct Link {
        int key = 0;
        double probability = 0;
        QPointF from, to;
    };

    /// Replaces the document and indexes its "token:N" anchors (document character ranges).
    void setTokenHtml(const QString& html);
    /// Curves from token `source` to each key with its attention probability; none when source < 0.
    void setLinks(int source, std::vector<std::pair<int, double>> keys);
    /// The curves as they are drawn now (tokens with no text of their own, like BOS, have no curve).
    std::vector<Link> links() const;
    /// The token's box in viewport coordinates (first line of it), or an empty rect when it has no text.
    QRectF tokenRect(int token) const;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void indexAnchors();

    std::map<int, std::pair<int, int>> m_ranges; ///< token -> [first, last) document position
    int m_source = -1;
    std::vector<std::pair<int, double>> m_keys;
};

} // namespace attnscope::studio
