// SPDX-License-Identifier: Apache-2.0
// The 2D scatter of a joint query/key embedding: queries as discs and keys as squares, shaded from light
// (early tokens) to dark (late); hovering names a point's token, clicking a query draws lines to the keys
// it attends to most among the embedded ones.
#pragma once

#include "attnscope/analyses/qk_embedding.h"

#include <QStringList>
#include <QWidget>

#include <optional>

namespace attnscope::studio {

class QkScatter : public QWidget {
    Q_OBJECT
public:
    explicit QkScatter(QWidget* parent = nullptr);

    /// Shows `embedding` (its first two coordinates); `tokenTexts` per input token (for labels).
    void setEmbedding(const analyses::QkEmbedding& embedding, const QStringList& tokenTexts);
    void clear();
    bool hasEmbedding() const { return m_embedding.has_value(); }

    /// The point drawn nearest to `position` within `radius` pixels; -1 when none.
    int pointAt(const QPointF& position, double radius = 8.0) const;
    /// Where point `p` is drawn in widget coordinates.
    QPointF screenPosition(int p) const;
    /// Selects point `p` (-1: none); a query's strongest keys are then drawn. Emits pointSelected.
    void selectPoint(int p);
    int selectedPoint() const { return m_selected; }
    /// The sampled keys (indices into embedding.sampled) the selected query attends to most, with their
    /// probabilities over the embedded keys it sees; empty unless a query is selected.
    const std::vector<std::pair<int, double>>& strongestKeys() const { return m_strongest; }
    /// "query of token 17 “Oscar”"-style description of point `p`.
    QString describe(int p) const;

    QSize sizeHint() const override { return {640, 480}; }

Q_SIGNALS:
    /// A point was selected (-1: the selection was cleared), with its description.
    void pointSelected(int point, const QString& description);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    /// The plotting rectangle and the data bounds mapped into it (equal scale on both axes).
    QRectF plotArea() const;

    std::optional<analyses::QkEmbedding> m_embedding;
    QStringList m_texts;
    double m_minX = 0, m_maxX = 1, m_minY = 0, m_maxY = 1;
    int m_selected = -1;
    std::vector<std::pair<int, double>> m_strongest;
};

} // namespace attnscope::studio
