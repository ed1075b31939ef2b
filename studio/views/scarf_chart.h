// SPDX-License-Identifier: Apache-2.0
// The scarf (sequence) chart of GazePlotter (SCANPATH.md §5.2): one horizontal bar per scanpath, each
// fixation a segment from its start for its duration, coloured by the area of interest it fell in — where
// and when several viewers looked, side by side.
#pragma once

#include <QColor>
#include <QMap>
#include <QString>
#include <QWidget>

#include <vector>

namespace attnscope::studio {

class ScarfChart : public QWidget {
    Q_OBJECT
public:
    struct Segment {
        double start =
            0.0; ///< in the chart's unit (ms from the scanpath's first fixation, or fixation number)
        double length = 0.0; ///< the duration (or 1 fixation)
        int symbol = -1;     ///< the AOI or grid cell (−1: none)
        int fixation = 0;    ///< its index in the scanpath
    };
    struct Row {
        QString label;
        std::vector<Segment> segments;
    };

    explicit ScarfChart(QWidget* parent = nullptr);

    /// Shows `rows`; `unit` names the time axis ("ms", or "fixation" when the recordings have no
    /// durations); `symbolNames` names the symbols in the legend (others show as numbers).
    void setRows(std::vector<Row> rows, const QString& unit, QMap<int, QString> symbolNames = {});
    const std::vector<Row>& rows() const { return m_rows; }
    const QString& unit() const { return m_unit; }

    /// {row, segment} under `position`, or {−1, −1}.
    std::pair<int, int> segmentAt(const QPointF& position) const;
    /// The rectangle segment `segment` of row `row` is drawn in.
    QRectF segmentRect(int row, int segment) const;
    /// A symbol's colour: a categorical palette; grey for −1.
    static QColor symbolColour(int symbol);

    QSize sizeHint() const override { return {640, 320}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    /// How many lines the legend wraps onto at `width`.
    int legendLines(double width) const;
    void updateMinimumHeight();
    QRectF plotArea() const;
    QString symbolName(int symbol) const;

    std::vector<Row> m_rows;
    QString m_unit;
    QMap<int, QString> m_names;
    std::vector<int> m_symbols; ///< present, ascending (the legend)
    double m_end = 1.0;         ///< the longest row's end
};

} // namespace attnscope::studio
