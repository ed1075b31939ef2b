// SPDX-License-Identifier: Apache-2.0
#include "run_figure_view.h"

#include "attnscope/core/json_parse.h"

#include "render/document_figures.h"
#include "render/figures.h"

#include <QComboBox>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>

namespace attnscope::studio {

using Painter = std::function<void(QPainter&, const QRectF&)>;

/// A figure: how to paint it, and (rankings) the heads of its bars with their titles for hit tests.
struct Figure {
    Painter paint;
    QString title;
    std::vector<std::pair<int, int>> bars;
};

struct RunFigureView::Data {
    std::map<QString, Figure> figures;
};

namespace {

/// The heads ranked by one field as a bar chart (at most 24 bars).
Figure ranking(const nlohmann::json& heads, const char* field, const QString& title, double floor) {
    const render::Ranking ranked = render::rankHeads(heads, field, 24);
    const double top = std::max(floor, ranked.values.empty() ? floor : ranked.values.front());
    return {[ranked, title, top](QPainter& painter, const QRectF& area) {
                render::paintBarChart(painter, area, ranked.labels, ranked.values, title, top);
            },
            title, ranked.heads};
}

Figure heatmap(const render::Matrix& m, const QString& title, const QString& rowLabel,
               const QString& colLabel) {
    return {[m, title, rowLabel, colLabel](QPainter& painter, const QRectF& area) {
                render::HeatmapStyle style;
                style.title = title;
                style.rowLabel = rowLabel;
                style.colLabel = colLabel;
                style.showValues = m.rows <= 12;
                style.labelEvery = std::max(1, m.rows / 16);
                render::paintHeatmap(painter, area, m, style);
            },
            title,
            {}};
}

} // namespace

class RunFigureCanvas : public QWidget {
public:
    explicit RunFigureCanvas(RunFigureView* owner) : QWidget(owner), m_owner(owner) {
        setMinimumSize(360, 300);
        setObjectName(QStringLiteral("runFigureCanvas"));
        setMouseTracking(true);
    }

    /// Where the shown figure is drawn: square figures (similarity matrices) keep their aspect,
    /// rankings use the whole width.
    QRectF figureArea() const {
        QRectF area = QRectF(rect()).adjusted(8, 8, -8, -8);
        if (m_owner->figure().contains(QStringLiteral("similarity")) && area.width() > area.height() + 60)
            area.setWidth(area.height() + 60);
        return area;
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.fillRect(rect(), render::figureInk().paper);
        const auto& figures = m_owner->m_data->figures;
        const auto it = figures.find(m_owner->figure());
        if (it == figures.end()) {
            painter.drawText(rect(), Qt::AlignCenter, tr("This run has no data for run-wide figures"));
            return;
        }
        it->second.paint(painter, figureArea());
    }

    void mouseMoveEvent(QMouseEvent* event) override {
        const auto head = m_owner->headAt(event->position().toPoint());
        setCursor(head ? Qt::PointingHandCursor : Qt::ArrowCursor);
        setToolTip(head ? tr("Open layer %1, head %2").arg(head->first).arg(head->second) : QString());
    }

    void mousePressEvent(QMouseEvent* event) override {
        if (event->button() != Qt::LeftButton)
            return;
        if (const auto head = m_owner->headAt(event->position().toPoint()))
            Q_EMIT m_owner->headClicked(head->first, head->second);
    }

private:
    RunFigureView* m_owner;
};

RunFigureView::RunFigureView(QWidget* parent) : QWidget(parent), m_data(std::make_shared<Data>()) {
    setObjectName(QStringLiteral("runFigureView"));
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("Fi&gure:"), this);
    m_choice = new QComboBox(this);
    m_choice->setObjectName(QStringLiteral("runFigureChoice"));
    label->setBuddy(m_choice);
    layout->addWidget(label);
    layout->addWidget(m_choice);
    m_canvas = new RunFigureCanvas(this);
    layout->addWidget(m_canvas, 1);
    connect(m_choice, &QComboBox::currentTextChanged, m_canvas, [this] { m_canvas->update(); });
}

void RunFigureView::setRun(const PreparedRun& run) {
    auto& figures = m_data->figures;
    figures.clear();
    const nlohmann::json d = run.record ? parseJsonText(run.record->documentJson) : nlohmann::json();
    if (d.is_object()) {
        if (d.contains("similarity")) {
            const nlohmann::json& s = d["similarity"];
            figures[tr("Layer similarity (head-averaged)")] =
                heatmap(render::matrixFromRows(s["layer_head_averaged"]),
                        tr("Layer similarity: cosine of head-averaged maps"), tr("layer"), tr("layer"));
            figures[tr("Layer similarity (per head)")] = heatmap(
                render::matrixFromRows(s["layer_per_head"]),
                tr("Layer similarity: mean over heads of cos(P_l,h, P_l',h)"), tr("layer"), tr("layer"));
            figures[tr("Head × head similarity")] =
                heatmap(render::matrixFromRows(s["head_cosine"]),
                        tr("Head × head cosine (index = layer × heads + head)"), tr("head"), tr("head"));
        }
        if (d.contains("sinks"))
            figures[tr("Sink ranking (token-0 mass)")] =
                ranking(d["sinks"]["heads"], "token0_mass", tr("Mean attention to token 0"), 0.1);
        if (d.contains("retrieval")) {
            const nlohmann::json& r = d["retrieval"];
            if (r.contains("score"))
                figures[tr("Retrieval-head ranking")] =
                    ranking(r["score"]["heads"], "score", tr("Retrieval score (Wu et al.)"), 0.1);
            if (r.contains("razor"))
                figures[tr("Induction ranking")] = ranking(r["razor"]["query_heads"], "induction",
                                                           tr("Induction score (RazorAttention)"), 0.1);
            if (r.contains("duo"))
                figures[tr("DuoAttention streaming recall")] =
                    ranking(r["duo"]["heads"], "streaming_recall",
                            tr("Streaming-branch recall (DuoAttention proxy)"), 1.0);
        }
    }
    const QString previous = m_choice->currentText();
    const QSignalBlocker block(m_choice);
    m_choice->clear();
    for (const auto& [name, figure] : figures)
        m_choice->addItem(name);
    if (!showFigure(previous) && m_choice->count() > 0)
        m_choice->setCurrentIndex(0);
    m_canvas->update();
}

QStringList RunFigureView::figures() const {
    QStringList names;
    for (const auto& [name, figure] : m_data->figures)
        names << name;
    return names;
}

bool RunFigureView::showFigure(const QString& name) {
    const int index = m_choice->findText(name);
    if (index < 0)
        return false;
    m_choice->setCurrentIndex(index);
    m_canvas->update();
    return true;
}

QString RunFigureView::figure() const {
    return m_choice->currentText();
}

std::optional<std::pair<int, int>> RunFigureView::headAt(const QPoint& point) const {
    const auto it = m_data->figures.find(figure());
    if (it == m_data->figures.end() || it->second.bars.empty())
        return std::nullopt;
    const int bar = render::barChartRowAt(m_canvas->figureArea(), static_cast<int>(it->second.bars.size()),
                                          it->second.title, QPointF(point));
    if (bar < 0)
        return std::nullopt;
    return it->second.bars[static_cast<std::size_t>(bar)];
}

std::optional<QPoint> RunFigureView::barPosition(int index) const {
    const auto it = m_data->figures.find(figure());
    if (it == m_data->figures.end() || index < 0 || index >= static_cast<int>(it->second.bars.size()))
        return std::nullopt;
    return render::barChartRow(m_canvas->figureArea(), static_cast<int>(it->second.bars.size()),
                               it->second.title, index)
        .center()
        .toPoint();
}

QWidget* RunFigureView::canvas() const {
    return m_canvas;
}

} // namespace attnscope::studio
