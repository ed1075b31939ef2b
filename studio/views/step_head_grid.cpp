// SPDX-License-Identifier: Apache-2.0
#include "step_head_grid.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>

#include <algorithm>

namespace attnscope::studio {

namespace {

constexpr int kLabelWidth = 90, kHeaderHeight = 22, kCell = 16, kLayerGap = 4;

/// White for 0, deep red for 1.
QColor massColor(float value) {
    const double v = std::clamp(static_cast<double>(value), 0.0, 1.0);
    return QColor::fromRgbF(1.0 - 0.35 * v, 1.0 - 0.85 * v, 1.0 - 0.85 * v);
}

} // namespace

StepHeadGrid::StepHeadGrid(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("stepHeadGrid"));
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(
        tr("Each generated token (rows) × each head (columns, layer by layer): the attention on token 0 "
           "when it was chosen. Click a cell or use the arrow keys."));
}

void StepHeadGrid::setValues(std::vector<std::vector<float>> values, int layers, int heads,
                             QStringList rowLabels) {
    m_values = std::move(values);
    m_layers = layers;
    m_heads = heads;
    m_labels = std::move(rowLabels);
    m_step = m_values.empty() ? -1 : 0;
    m_layer = m_head = 0;
    updateGeometry();
    resize(sizeHint()); // inside a scroll area that does not resize it: its size is the grid's
    update();
}

QSize StepHeadGrid::sizeHint() const {
    return {kLabelWidth + columns() * kCell + std::max(0, m_layers - 1) * kLayerGap + 8,
            kHeaderHeight + static_cast<int>(m_values.size()) * kCell + 8};
}

QRect StepHeadGrid::cellRect(int step, int layer, int head) const {
    return {kLabelWidth + (layer * m_heads + head) * kCell + layer * kLayerGap, kHeaderHeight + step * kCell,
            kCell, kCell};
}

void StepHeadGrid::select(int step, int layer, int head) {
    if (m_values.empty() || m_layers <= 0 || m_heads <= 0)
        return;
    m_step = std::clamp(step, 0, static_cast<int>(m_values.size()) - 1);
    m_layer = std::clamp(layer, 0, m_layers - 1);
    m_head = std::clamp(head, 0, m_heads - 1);
    update();
    Q_EMIT cellSelected(m_step, m_layer, m_head);
}

void StepHeadGrid::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    painter.setPen(palette().color(QPalette::Text));
    if (m_values.empty()) {
        painter.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignTop | Qt::AlignLeft | Qt::TextWordWrap,
                         tr("Generate to see, for every new token, how much each head attended to token 0."));
        return;
    }
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    painter.setFont(small);
    for (int l = 0; l < m_layers; ++l) {
        const QRect first = cellRect(0, l, 0);
        painter.drawText(QRect(first.left(), 2, m_heads * kCell, kHeaderHeight - 4), Qt::AlignCenter,
                         tr("L%1").arg(l));
    }
    // Only the rows in the exposed area: a long generation has thousands.
    const int steps = static_cast<int>(m_values.size());
    const int firstRow = std::clamp((event->rect().top() - kHeaderHeight) / kCell, 0, steps);
    const int endRow = std::clamp((event->rect().bottom() - kHeaderHeight) / kCell + 1, 0, steps);
    for (int s = firstRow; s < endRow; ++s) {
        const QRect row = cellRect(s, 0, 0);
        painter.setPen(palette().color(QPalette::Text));
        painter.drawText(QRect(2, row.top(), kLabelWidth - 6, kCell), Qt::AlignRight | Qt::AlignVCenter,
                         painter.fontMetrics().elidedText(s < m_labels.size() ? m_labels[s] : QString(),
                                                          Qt::ElideRight, kLabelWidth - 6));
        for (int l = 0; l < m_layers; ++l)
            for (int h = 0; h < m_heads; ++h) {
                const std::size_t column = static_cast<std::size_t>(l * m_heads + h);
                const float value = column < m_values[static_cast<std::size_t>(s)].size()
                                        ? m_values[static_cast<std::size_t>(s)][column]
                                        : 0.0f;
                painter.fillRect(cellRect(s, l, h).adjusted(0, 0, -1, -1), massColor(value));
            }
    }
    if (m_step >= 0) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(cellRect(m_step, m_layer, m_head).adjusted(0, 0, -1, -1));
    }
}

void StepHeadGrid::mousePressEvent(QMouseEvent* event) {
    const QPoint at = event->position().toPoint();
    if (m_heads <= 0 || at.x() < kLabelWidth || at.y() < kHeaderHeight)
        return;
    const int step = (at.y() - kHeaderHeight) / kCell, layerWidth = m_heads * kCell + kLayerGap;
    const int layer = (at.x() - kLabelWidth) / layerWidth, within = (at.x() - kLabelWidth) % layerWidth;
    if (step < static_cast<int>(m_values.size()) && layer < m_layers && within < m_heads * kCell)
        select(step, layer, within / kCell);
}

void StepHeadGrid::keyPressEvent(QKeyEvent* event) {
    const int column = m_layer * m_heads + m_head;
    const auto selectColumn = [this](int step, int c) {
        c = std::clamp(c, 0, std::max(0, columns() - 1));
        select(step, m_heads > 0 ? c / m_heads : 0, m_heads > 0 ? c % m_heads : 0);
    };
    switch (event->key()) {
    case Qt::Key_Up:
        selectColumn(m_step - 1, column);
        break;
    case Qt::Key_Down:
        selectColumn(m_step + 1, column);
        break;
    case Qt::Key_Left:
        selectColumn(m_step, column - 1);
        break;
    case Qt::Key_Right:
        selectColumn(m_step, column + 1);
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

} // namespace attnscope::studio
