// SPDX-License-Identifier: Apache-2.0
#include "head_atlas_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace attnscope::studio {

class AtlasCanvas : public QWidget {
public:
    explicit AtlasCanvas(HeadAtlasView* owner) : QWidget(owner), m_owner(owner) {
        setFocusPolicy(Qt::StrongFocus);
        setMinimumSize(320, 200);
        setObjectName(QStringLiteral("atlasCanvas"));
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.fillRect(rect(), render::figureInk().paper);
        const render::Matrix& m = m_owner->m_matrix;
        if (m.rows == 0) {
            painter.drawText(rect(), Qt::AlignCenter, tr("Open a project run to see its heads"));
            return;
        }
        double top = 0;
        for (double v : m.values)
            if (std::isfinite(v))
                top = std::max(top, v);
        render::HeatmapStyle style;
        style.rowLabel = tr("layer");
        style.colLabel = tr("head");
        style.scale = {0, top > 0 ? top : 1};
        style.showValues = m.cols <= 16 && m.rows <= 32;
        render::paintHeatmap(painter, QRectF(0, 0, width(), height() - 8), m, style);
        if (m_owner->thumbnails())
            for (int l = 0; l < m.rows; ++l)
                for (int h = 0; h < m.cols; ++h) {
                    const std::size_t at = static_cast<std::size_t>(l) * m.cols + h;
                    if (at < m_owner->m_thumbnails.size())
                        painter.drawImage(m_owner->cellRect(l, h).adjusted(4, 4, -4, -4),
                                          m_owner->m_thumbnails[at]);
                }
        const QRectF cell = m_owner->cellRect(m_owner->m_selected.first, m_owner->m_selected.second);
        painter.setPen(QPen(QColor(230, 40, 40), 2.5));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(cell.adjusted(1, 1, -1, -1));
    }
    void mousePressEvent(QMouseEvent* event) override {
        const render::Matrix& m = m_owner->m_matrix;
        for (int l = 0; l < m.rows; ++l)
            for (int h = 0; h < m.cols; ++h)
                if (m_owner->cellRect(l, h).contains(event->position())) {
                    m_owner->selectHead(l, h);
                    Q_EMIT m_owner->headSelected(l, h);
                    return;
                }
    }
    void keyPressEvent(QKeyEvent* event) override {
        auto [l, h] = m_owner->m_selected;
        switch (event->key()) {
        case Qt::Key_Up:
            --l;
            break;
        case Qt::Key_Down:
            ++l;
            break;
        case Qt::Key_Left:
            --h;
            break;
        case Qt::Key_Right:
            ++h;
            break;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            Q_EMIT m_owner->headSelected(l, h);
            return;
        default:
            QWidget::keyPressEvent(event);
            return;
        }
        m_owner->selectHead(l, h);
    }

private:
    HeadAtlasView* m_owner;
};

HeadAtlasView::HeadAtlasView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("headAtlasView"));
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("Colour by:"), this);
    m_metrics = new QComboBox(this);
    m_metrics->setObjectName(QStringLiteral("atlasMetric"));
    label->setBuddy(m_metrics);
    layout->addWidget(label);
    auto* row = new QHBoxLayout;
    row->addWidget(m_metrics, 1);
    m_showThumbnails = new QCheckBox(tr("Thumb&nails"), this);
    m_showThumbnails->setObjectName(QStringLiteral("atlasThumbnails"));
    m_showThumbnails->setToolTip(tr("Show each head's block-level attention map inside its cell"));
    row->addWidget(m_showThumbnails);
    layout->addLayout(row);
    connect(m_showThumbnails, &QCheckBox::toggled, this, [this] { m_canvas->update(); });
    m_canvas = new AtlasCanvas(this);
    layout->addWidget(m_canvas, 1);
    connect(m_metrics, &QComboBox::currentTextChanged, this, [this] { rebuild(); });
}

void HeadAtlasView::setThumbnails(bool on) {
    m_showThumbnails->setChecked(on);
}

bool HeadAtlasView::thumbnails() const {
    return m_showThumbnails->isChecked() && !m_thumbnails.empty();
}

QWidget* HeadAtlasView::canvas() const {
    return m_canvas;
}

void HeadAtlasView::setRun(const PreparedRun& run) {
    m_values = run.record ? run.record->metrics : std::vector<store::HeadMetric>{};
    m_thumbnails = run.thumbnails; // drawn off the GUI thread (prepareRun)
    m_showThumbnails->setEnabled(!m_thumbnails.empty());
    std::set<QString> names;
    for (const store::HeadMetric& m : m_values)
        names.insert(QString::fromStdString(m.analysis + " / " + m.metric));
    const QSignalBlocker block(m_metrics);
    m_metrics->clear();
    for (const QString& name : names)
        m_metrics->addItem(name);
    for (const char* preferred :
         {"sinks / token0_mass", "taxonomy / scores.normalized_entropy", "sparsity / flexprefill.recall"})
        if (setMetric(QString::fromLatin1(preferred)))
            break;
    rebuild();
}

QStringList HeadAtlasView::metricNames() const {
    QStringList names;
    for (int i = 0; i < m_metrics->count(); ++i)
        names << m_metrics->itemText(i);
    return names;
}

bool HeadAtlasView::setMetric(const QString& name) {
    const int index = m_metrics->findText(name);
    if (index < 0)
        return false;
    m_metrics->setCurrentIndex(index);
    rebuild();
    return true;
}

QString HeadAtlasView::metric() const {
    return m_metrics->currentText();
}

void HeadAtlasView::rebuild() {
    const QStringList parts = m_metrics->currentText().split(QStringLiteral(" / "));
    int layers = 0, heads = 0;
    for (const store::HeadMetric& m : m_values) {
        layers = std::max(layers, m.layer + 1);
        heads = std::max(heads, m.head + 1);
    }
    m_matrix = {layers, heads, std::vector<double>(static_cast<std::size_t>(layers) * heads, std::nan(""))};
    if (parts.size() == 2)
        for (const store::HeadMetric& m : m_values)
            if (QString::fromStdString(m.analysis) == parts[0] &&
                QString::fromStdString(m.metric) == parts[1])
                m_matrix.values[static_cast<std::size_t>(m.layer) * heads + m.head] = m.value;
    selectHead(m_selected.first, m_selected.second);
    m_canvas->update();
}

void HeadAtlasView::selectHead(int layer, int head) {
    m_selected = {std::clamp(layer, 0, std::max(0, layers() - 1)),
                  std::clamp(head, 0, std::max(0, heads() - 1))};
    m_canvas->update();
}

QRectF HeadAtlasView::cellRect(int layer, int head) const {
    // Mirrors render::paintHeatmap's layout for a heatmap without a title: label margins of the 7 pt
    // font, a 46 px colour bar on the right.
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(7);
    const QFontMetricsF metrics(font);
    const double labelW = metrics.horizontalAdvance(QStringLiteral("0000")) + 16;
    const double labelH = metrics.height() + metrics.height() + 2;
    const QRectF grid(labelW, labelH, m_canvas->width() - labelW - 46, m_canvas->height() - 8 - labelH);
    if (m_matrix.rows == 0 || m_matrix.cols == 0)
        return {};
    const double cw = grid.width() / m_matrix.cols, ch = grid.height() / m_matrix.rows;
    return QRectF(grid.left() + head * cw, grid.top() + layer * ch, cw, ch);
}

} // namespace attnscope::studio
