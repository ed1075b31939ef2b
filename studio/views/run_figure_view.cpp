// SPDX-License-Identifier: Apache-2.0
#include "run_figure_view.h"

#include "render/document_figures.h"
#include "render/figures.h"

#include <QComboBox>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>

namespace attnscope::studio {

using Painter = std::function<void(QPainter&, const QRectF&)>;

struct RunFigureView::Data {
    std::map<QString, Painter> figures;
};

namespace {

/// The heads ranked by one field as a bar chart (at most 24 bars).
Painter ranking(const nlohmann::json& heads, const char* field, const QString& title, double floor) {
    const render::Ranking ranked = render::rankHeads(heads, field, 24);
    const double top = std::max(floor, ranked.values.empty() ? floor : ranked.values.front());
    return [ranked, title, top](QPainter& painter, const QRectF& area) {
        render::paintBarChart(painter, area, ranked.labels, ranked.values, title, top);
    };
}

Painter heatmap(const render::Matrix& m, const QString& title, const QString& rowLabel,
                const QString& colLabel) {
    return [m, title, rowLabel, colLabel](QPainter& painter, const QRectF& area) {
        render::HeatmapStyle style;
        style.title = title;
        style.rowLabel = rowLabel;
        style.colLabel = colLabel;
        style.showValues = m.rows <= 12;
        style.labelEvery = std::max(1, m.rows / 16);
        render::paintHeatmap(painter, area, m, style);
    };
}

} // namespace

class RunFigureCanvas : public QWidget {
public:
    explicit RunFigureCanvas(RunFigureView* owner) : QWidget(owner), m_owner(owner) {
        setMinimumSize(360, 300);
        setObjectName(QStringLiteral("runFigureCanvas"));
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.fillRect(rect(), Qt::white);
        const auto& figures = m_owner->m_data->figures;
        const auto it = figures.find(m_owner->figure());
        if (it == figures.end()) {
            painter.drawText(rect(), Qt::AlignCenter, tr("This run has no data for run-wide figures"));
            return;
        }
        // Square figures (similarity matrices) keep their aspect; rankings use the whole width.
        QRectF area = QRectF(rect()).adjusted(8, 8, -8, -8);
        if (m_owner->figure().contains(QStringLiteral("similarity")) && area.width() > area.height() + 60)
            area.setWidth(area.height() + 60);
        it->second(painter, area);
    }

private:
    RunFigureView* m_owner;
};

RunFigureView::RunFigureView(QWidget* parent) : QWidget(parent), m_data(std::make_shared<Data>()) {
    setObjectName(QStringLiteral("runFigureView"));
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("&Figure:"), this);
    m_choice = new QComboBox(this);
    m_choice->setObjectName(QStringLiteral("runFigureChoice"));
    label->setBuddy(m_choice);
    layout->addWidget(label);
    layout->addWidget(m_choice);
    m_canvas = new RunFigureCanvas(this);
    layout->addWidget(m_canvas, 1);
    connect(m_choice, &QComboBox::currentTextChanged, m_canvas, [this] { m_canvas->update(); });
}

void RunFigureView::setRun(const store::RunRecord& run) {
    auto& figures = m_data->figures;
    figures.clear();
    const nlohmann::json d = nlohmann::json::parse(run.documentJson, nullptr, false);
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
    for (const auto& [name, paint] : figures)
        m_choice->addItem(name);
    if (!showFigure(previous) && m_choice->count() > 0)
        m_choice->setCurrentIndex(0);
    m_canvas->update();
}

QStringList RunFigureView::figures() const {
    QStringList names;
    for (const auto& [name, paint] : m_data->figures)
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

} // namespace attnscope::studio
