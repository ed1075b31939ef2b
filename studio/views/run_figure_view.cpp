// SPDX-License-Identifier: Apache-2.0
#include "run_figure_view.h"

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

render::Matrix matrixOf(const nlohmann::json& rows) {
    render::Matrix m;
    m.rows = static_cast<int>(rows.size());
    m.cols = m.rows ? static_cast<int>(rows[0].size()) : 0;
    for (const nlohmann::json& row : rows)
        for (const nlohmann::json& v : row)
            m.values.push_back(v.get<double>());
    return m;
}

/// The heads of a list ranked by one field, largest first (at most 24).
Painter ranking(const nlohmann::json& heads, const char* field, const QString& title, double floor) {
    std::vector<std::pair<double, QString>> list;
    for (const nlohmann::json& h : heads)
        if (h.contains(field) && h[field].is_number())
            list.emplace_back(h[field].get<double>(),
                              QStringLiteral("L%1 H%2").arg(h.value("layer", 0)).arg(h.value("head", 0)));
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    list.resize(std::min<std::size_t>(list.size(), 24));
    QStringList labels;
    std::vector<double> values;
    for (const auto& [v, label] : list) {
        labels << label;
        values.push_back(v);
    }
    const double top = std::max(floor, values.empty() ? floor : values.front());
    return [labels, values, title, top](QPainter& painter, const QRectF& area) {
        render::paintBarChart(painter, area, labels, values, title, top);
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
                heatmap(matrixOf(s["layer_head_averaged"]),
                        tr("Layer similarity: cosine of head-averaged maps"), tr("layer"), tr("layer"));
            figures[tr("Layer similarity (per head)")] = heatmap(
                matrixOf(s["layer_per_head"]), tr("Layer similarity: mean over heads of cos(P_l,h, P_l',h)"),
                tr("layer"), tr("layer"));
            figures[tr("Head × head similarity")] =
                heatmap(matrixOf(s["head_cosine"]), tr("Head × head cosine (index = layer × heads + head)"),
                        tr("head"), tr("head"));
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
