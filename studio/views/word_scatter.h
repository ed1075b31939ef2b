// SPDX-License-Identifier: Apache-2.0
// A scatter of per-word pairs — a model's relevance (x) against a human reading measure (y) — with the
// words as hover labels and the pairs a correlation left out drawn hollow (SCANPATH.md §5.2's
// reading-correlation scatter).
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

namespace attnscope::studio {

class WordScatter : public QWidget {
    Q_OBJECT
public:
    struct Point {
        double x = 0.0, y = 0.0;
        QString label;
        bool compared = true; ///< false: drawn hollow (an edge word, or left out)
    };

    explicit WordScatter(QWidget* parent = nullptr);

    /// Shows `points` (pairs with a missing value are not drawn) under the axis titles.
    void setPoints(std::vector<Point> points, const QString& xTitle, const QString& yTitle,
                   const QString& title);
    void clear();
    const std::vector<Point>& points() const { return m_points; }
    /// The point drawn nearest to `position` within `radius` pixels; -1 when none.
    int pointAt(const QPointF& position, double radius = 8.0) const;
    /// Where point `p` is drawn in widget coordinates.
    QPointF screenPosition(int p) const;

    QSize sizeHint() const override { return {520, 420}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRectF plotArea() const;

    std::vector<Point> m_points;
    QString m_xTitle, m_yTitle, m_title;
    double m_minX = 0, m_maxX = 1, m_minY = 0, m_maxY = 1;
    int m_hovered = -1;
};

} // namespace attnscope::studio
