// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include "attnscope/core/json_parse.h"

#include "document_figures.h"
#include "figures.h"

#include <QBuffer>
#include <QFile>
#include <QPageSize>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QTextDocument>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace attnscope::render {

namespace {

using Json = nlohmann::json;
constexpr double kScale = 2.0; // figures at twice their layout size: sharp in browsers and PDF

QString escape(const std::string& text) {
    return QString::fromStdString(text).toHtmlEscaped();
}

QString fixed(double v, int digits = 3) {
    return std::isfinite(v) ? QString::number(v, 'f', digits) : QStringLiteral("–");
}

/// A (layers x heads) matrix of one numeric field of a section's head list (NaN where absent).
Matrix headMatrix(const Json& heads, int layers, int perLayer, const std::vector<std::string>& path) {
    Matrix m{layers, perLayer,
             std::vector<double>(static_cast<std::size_t>(layers) * perLayer, std::nan(""))};
    if (!heads.is_array())
        return m;
    for (const Json& h : heads) {
        const Json* v = &h;
        for (const std::string& key : path)
            v = v->is_object() && v->contains(key) ? &(*v)[key] : nullptr;
        const int l = h.value("layer", -1), k = h.value("head", -1);
        if (v && v->is_number() && l >= 0 && l < layers && k >= 0 && k < perLayer)
            m.values[static_cast<std::size_t>(l) * perLayer + k] = v->get<double>();
    }
    return m;
}

double maxOf(const Matrix& m) {
    double top = 0;
    for (double v : m.values)
        if (std::isfinite(v))
            top = std::max(top, v);
    return top;
}

class Builder {
public:
    Builder(const store::RunRecord& run, const Json& d) : m_run(run), m_d(d) {}

    QString figure(const QString& caption, int width, int height,
                   const std::function<void(QPainter&, QRectF)>& paint) {
        const QString name = QStringLiteral("figure%1.png").arg(m_report.figures.size() + 1);
        m_report.figures.emplace_back(name, renderImage(width, height, kScale, paint));
        // The figure draws its own title; the caption is its alternative text.
        return QStringLiteral("<span class=\"figure\"><img src=\"%1\" width=\"%2\" alt=\"%3\"></span>\n")
            .arg(name)
            .arg(width)
            .arg(caption.toHtmlEscaped());
    }

    void section(const QString& title, QString html) {
        // Each run of consecutive figures becomes one paragraph, so that text never flows around them
        // (QTextDocument, which lays out the PDF, would otherwise put them inline with the text).
        static const QRegularExpression figures(
            QStringLiteral("((?:<span class=\"figure\">[^\\n]*</span>\\n)+)"));
        html.replace(figures, QStringLiteral("<p class=\"row\">\\1</p>\n"));
        m_report.body += QStringLiteral("<h2>%1</h2>\n%2\n").arg(title.toHtmlEscaped(), html);
    }

    Report build(const QString& projectPath);

private:
    void summary(const QString& projectPath);
    void notes(const QString& projectPath);
    void atlas();
    void sinks();
    void retrieval();
    void similarity();
    void sparsity();
    void heatmaps();
    void provenance();
    const store::ArrayRecord* array(const std::string& name) const {
        for (const auto& a : m_run.arrays)
            if (a.name == name)
                return &a;
        return nullptr;
    }

    const store::RunRecord& m_run;
    const Json& m_d;
    Report m_report;
    int m_layers = 0, m_heads = 0;
};

Report Builder::build(const QString& projectPath) {
    // Layers and heads from whichever section lists heads.
    for (const char* key : {"sinks", "taxonomy", "sparsity", "similarity"})
        if (m_d.contains(key) && m_d[key].contains("heads"))
            for (const Json& h : m_d[key]["heads"]) {
                m_layers = std::max(m_layers, h.value("layer", 0) + 1);
                m_heads = std::max(m_heads, h.value("head", 0) + 1);
            }
    m_report.title =
        QStringLiteral("AttnScope report — run %1%2")
            .arg(m_run.id)
            .arg(m_run.label.empty() ? QString() : QStringLiteral(" (%1)").arg(escape(m_run.label)));
    summary(projectPath);
    notes(projectPath);
    atlas();
    sinks();
    retrieval();
    similarity();
    sparsity();
    heatmaps();
    provenance();
    return m_report;
}

void Builder::summary(const QString& projectPath) {
    std::string excerpt = m_run.input.text.substr(0, 400);
    if (m_run.input.text.size() > 400)
        excerpt += " …";
    QString html = QStringLiteral("<table class=\"facts\">");
    auto row = [&](const QString& key, const QString& value) {
        html += QStringLiteral("<tr><th>%1</th><td>%2</td></tr>").arg(key, value);
    };
    row(QStringLiteral("Model"),
        escape(m_run.model.path) + QStringLiteral(" (%1)").arg(escape(m_run.model.format)));
    row(QStringLiteral("Model identity"),
        QStringLiteral("<code>%1</code>").arg(escape(m_run.model.contentHash)));
    row(QStringLiteral("Layers × heads"), QStringLiteral("%1 × %2").arg(m_layers).arg(m_heads));
    row(QStringLiteral("Input"), QStringLiteral("%1 tokens").arg(m_run.input.tokens.size()));
    if (!excerpt.empty())
        row(QStringLiteral("Text"), QStringLiteral("<span class=\"excerpt\">%1</span>").arg(escape(excerpt)));
    row(QStringLiteral("Run"), QStringLiteral("%1, %2 s, %3")
                                   .arg(escape(m_run.started))
                                   .arg(fixed(m_run.seconds, 1))
                                   .arg(escape(m_run.status)));
    row(QStringLiteral("Project"), projectPath.toHtmlEscaped());
    html += QStringLiteral("</table>");
    section(QStringLiteral("Model and input"), html);
}

void Builder::notes(const QString& projectPath) {
    // The user's notes on this run (Notes dock, `attnscope-cli notes`), where they are kept: the project.
    if (projectPath.isEmpty() || m_run.id <= 0)
        return;
    auto project = store::Project::open(projectPath.toStdString(), store::OpenMode::ReadOnly);
    Expected<std::vector<store::Annotation>> notes =
        project ? project->annotations(m_run.id) : Expected<std::vector<store::Annotation>>(project.status());
    if (!notes) {
        section(QStringLiteral("Notes"), QStringLiteral("<p>The run's notes could not be read: %1</p>")
                                             .arg(escape(notes.status().toString())));
        return;
    }
    if (notes->empty())
        return;
    QString html = QStringLiteral("<table><tr><th>On</th><th>Note</th><th>Written (UTC)</th></tr>");
    for (const store::Annotation& note : *notes) {
        QStringList place;
        if (note.layer)
            place << QStringLiteral("layer %1").arg(*note.layer);
        if (note.head)
            place << QStringLiteral("head %1").arg(*note.head);
        if (note.token)
            place << QStringLiteral("token %1").arg(*note.token);
        html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td></tr>")
                    .arg(place.isEmpty() ? QStringLiteral("the run") : place.join(QStringLiteral(", ")),
                         escape(note.text), escape(note.created));
    }
    html += QStringLiteral("</table>");
    section(QStringLiteral("Notes"), html);
}

void Builder::atlas() {
    struct Panel {
        QString title;
        const Json* heads;
        std::vector<std::string> path;
    };
    std::vector<Panel> panels;
    auto add = [&](const QString& title, const Json* heads, std::vector<std::string> path) {
        if (heads && heads->is_array() && !heads->empty())
            panels.push_back({title, heads, std::move(path)});
    };
    auto heads = [&](const char* a, const char* b = nullptr) -> const Json* {
        if (!m_d.contains(a))
            return nullptr;
        const Json& s = m_d[a];
        if (b)
            return s.contains(b) && s[b].contains("heads")
                       ? &s[b]["heads"]
                       : (s.contains(b) && s[b].contains("query_heads") ? &s[b]["query_heads"] : nullptr);
        return s.contains("heads") ? &s["heads"] : nullptr;
    };
    add(QStringLiteral("Token-0 mass"), heads("sinks"), {"token0_mass"});
    add(QStringLiteral("Entropy / log(keys)"), heads("taxonomy"), {"scores", "normalized_entropy"});
    add(QStringLiteral("Retrieval score"), heads("retrieval", "score"), {"score"});
    add(QStringLiteral("Induction score"), heads("retrieval", "razor"), {"induction"});
    add(QStringLiteral("FlexPrefill recall"), heads("sparsity"), {"flexprefill", "recall"});
    add(QStringLiteral("Block density at recall 0.9"), heads("sparsity"), {"pattern", "oracle_density"});
    QString html;
    for (const Panel& p : panels) {
        const Matrix m = headMatrix(*p.heads, m_layers, m_heads, p.path);
        HeatmapStyle style;
        style.title = p.title;
        style.rowLabel = QStringLiteral("layer");
        style.colLabel = QStringLiteral("head");
        style.scale = {0, std::max(1e-9, std::min(1.0, maxOf(m)) > 0 ? std::max(maxOf(m), 1e-9) : 1.0)};
        if (p.title.startsWith(QStringLiteral("FlexPrefill")) ||
            p.title.startsWith(QStringLiteral("Block")) || p.title.startsWith(QStringLiteral("Entropy")))
            style.scale = {0, 1};
        style.showValues = m_heads <= 16;
        html += figure(p.title + QStringLiteral(" per head"), 330, 60 + 22 * m_layers,
                       [&](QPainter& painter, QRectF rect) { paintHeatmap(painter, rect, m, style); });
    }
    if (m_d.contains("sparsity")) {
        const QStringList names = {QStringLiteral("a-shape"), QStringLiteral("vertical-slash"),
                                   QStringLiteral("block-sparse"), QStringLiteral("diffuse")};
        std::vector<std::vector<int>> cells(static_cast<std::size_t>(m_layers),
                                            std::vector<int>(static_cast<std::size_t>(m_heads), -1));
        for (const Json& h : m_d["sparsity"]["heads"])
            cells[static_cast<std::size_t>(h["layer"].get<int>())]
                 [static_cast<std::size_t>(h["head"].get<int>())] = static_cast<int>(
                     names.indexOf(QString::fromStdString(h["pattern"]["class"].get<std::string>())));
        const std::vector<QColor> colors = {viridis(0.95), viridis(0.6), viridis(0.3), QColor(160, 160, 160)};
        html +=
            figure(QStringLiteral("Pattern class per head"), 330, 76 + 22 * m_layers,
                   [&](QPainter& painter, QRectF rect) {
                       paintCategoryGrid(painter, rect, cells, names, colors, QStringLiteral("Pattern class"),
                                         QStringLiteral("layer"), QStringLiteral("head"));
                   });
    }
    if (m_d.contains("taxonomy")) {
        QString table = QStringLiteral("<table class=\"grid\"><tr><th>layer</th>");
        for (int h = 0; h < m_heads; ++h)
            table += QStringLiteral("<th>%1</th>").arg(h);
        table += QStringLiteral("</tr>");
        std::map<std::pair<int, int>, std::string> primary;
        for (const Json& h : m_d["taxonomy"]["heads"])
            primary[{h["layer"].get<int>(), h["head"].get<int>()}] = h["primary"].get<std::string>();
        for (int l = 0; l < m_layers; ++l) {
            table += QStringLiteral("<tr><th>%1</th>").arg(l);
            for (int h = 0; h < m_heads; ++h)
                table += QStringLiteral("<td>%1</td>").arg(escape(primary[{l, h}]));
            table += QStringLiteral("</tr>");
        }
        html += QStringLiteral("<p>Head taxonomy (primary label; scores in the JSON export):</p>") + table +
                QStringLiteral("</table>");
    }
    section(QStringLiteral("Head atlas"), html);
}

void Builder::sinks() {
    if (!m_d.contains("sinks"))
        return;
    std::vector<const Json*> heads;
    for (const Json& h : m_d["sinks"]["heads"])
        heads.push_back(&h);
    std::sort(heads.begin(), heads.end(), [](const Json* a, const Json* b) {
        return (*a)["token0_mass"].get<double>() > (*b)["token0_mass"].get<double>();
    });
    const std::size_t n = std::min<std::size_t>(16, heads.size());
    QStringList labels;
    std::vector<double> values;
    for (std::size_t i = 0; i < n; ++i) {
        labels << QStringLiteral("L%1 H%2")
                      .arg((*heads[i])["layer"].get<int>())
                      .arg((*heads[i])["head"].get<int>());
        values.push_back((*heads[i])["token0_mass"].get<double>());
    }
    QString html = figure(QStringLiteral("Heads by mean attention to token 0"), 640,
                          40 + 18 * static_cast<int>(n), [&](QPainter& painter, QRectF rect) {
                              paintBarChart(painter, rect, labels, values,
                                            QStringLiteral("Mean attention to token 0"), 1.0);
                          });
    const Json& p = m_d["sinks"]["parameters"];
    html +=
        QStringLiteral(
            "<table class=\"data\"><tr><th>layer</th><th>head</th><th>token 0</th><th>sinks (first %1)</th>"
            "<th>window (%2)</th><th>StreamingLLM recall</th><th>ACT sinks</th></tr>")
            .arg(p.value("sink_tokens", 0))
            .arg(p.value("window", 0));
    for (std::size_t i = 0; i < std::min<std::size_t>(12, heads.size()); ++i) {
        const Json& h = *heads[i];
        QString act;
        for (const Json& s : h["act_sinks"])
            act += QStringLiteral("%1%2 ")
                       .arg(s["token"].get<int>())
                       .arg(s.contains("text") ? QStringLiteral(" “") + escape(s["text"].get<std::string>()) +
                                                     QStringLiteral("”")
                                               : QString());
        html += QStringLiteral(
                    "<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td><td>%7</td></tr>")
                    .arg(h["layer"].get<int>())
                    .arg(h["head"].get<int>())
                    .arg(fixed(h["token0_mass"].get<double>()), fixed(h["sink_mass"].get<double>()),
                         fixed(h["window_mass"].get<double>()), fixed(h["streaming_recall"].get<double>()),
                         act.isEmpty() ? QStringLiteral("–") : act);
    }
    html += QStringLiteral("</table>");
    section(QStringLiteral("Attention sinks"), html);
}

void Builder::retrieval() {
    if (!m_d.contains("retrieval"))
        return;
    QString html;
    auto ranking = [&](const Json& heads, const char* field, const QString& title) {
        const Ranking ranked = rankHeads(heads, field, 16);
        html += figure(title, 640, 40 + 18 * static_cast<int>(ranked.values.size()),
                       [&](QPainter& painter, QRectF rect) {
                           paintBarChart(painter, rect, ranked.labels, ranked.values, title,
                                         std::max(0.1, ranked.values.empty() ? 0.1 : ranked.values.front()));
                       });
    };
    const Json& r = m_d["retrieval"];
    if (r.contains("score")) {
        html +=
            QStringLiteral(
                "<p>Retrieval score (Wu et al.): %1 of %2 needle samples accepted; %3 heads above %4.</p>")
                .arg(r["score"]["accepted"].get<int>())
                .arg(r["score"]["samples"].get<int>())
                .arg(r["score"]["retrieval_heads"].get<int>())
                .arg(r["score"]["parameters"]["head_threshold"].get<double>());
        ranking(r["score"]["heads"], "score", QStringLiteral("Retrieval-head ranking"));
    }
    if (r.contains("razor"))
        ranking(r["razor"]["query_heads"], "induction", QStringLiteral("Induction score (RazorAttention)"));
    if (r.contains("duo"))
        ranking(r["duo"]["heads"], "streaming_recall",
                QStringLiteral("DuoAttention proxy: streaming recall"));
    section(QStringLiteral("Retrieval heads"), html);
}

void Builder::similarity() {
    if (!m_d.contains("similarity"))
        return;
    const Json& s = m_d["similarity"];
    QString html;
    for (const auto& [key, title] :
         {std::pair{"layer_head_averaged", "Layer similarity (head-averaged maps)"},
          std::pair{"layer_per_head", "Layer similarity (per head, averaged)"}}) {
        const Matrix m = matrixFromRows(s[key]);
        HeatmapStyle style;
        style.title = QString::fromUtf8(title);
        style.rowLabel = QStringLiteral("layer");
        style.colLabel = QStringLiteral("layer");
        style.showValues = m.rows <= 12;
        html += figure(style.title, 320, 300,
                       [&](QPainter& painter, QRectF rect) { paintHeatmap(painter, rect, m, style); });
    }
    const Matrix heads = matrixFromRows(s["head_cosine"]);
    HeatmapStyle style;
    style.title = QStringLiteral("Head × head similarity (index = layer × heads + head)");
    style.labelEvery = std::max(1, heads.rows / 16);
    html += figure(style.title, 640, 560,
                   [&](QPainter& painter, QRectF rect) { paintHeatmap(painter, rect, heads, style); });
    section(QStringLiteral("Layer similarity"), html);
}

void Builder::sparsity() {
    if (!m_d.contains("sparsity"))
        return;
    const Json& s = m_d["sparsity"];
    const Json& heads = s["heads"];
    const double count = static_cast<double>(heads.size());
    auto meanCurve = [&](const std::function<const Json&(const Json&)>& pick) {
        std::vector<double> x, y;
        for (const Json& h : heads) {
            const Json& curve = pick(h);
            x.resize(curve.size(), 0.0);
            y.resize(curve.size(), 0.0);
            for (std::size_t i = 0; i < curve.size(); ++i) {
                x[i] += curve[i]["density"].get<double>() / count;
                y[i] += curve[i]["recall"].get<double>() / count;
            }
        }
        return std::pair{x, y};
    };
    std::vector<Series> series;
    auto add = [&](const QString& name, const std::function<const Json&(const Json&)>& pick, double t) {
        auto [x, y] = meanCurve(pick);
        series.push_back({name, x, y, viridis(t)});
    };
    add(
        QStringLiteral("oracle blocks"),
        [](const Json& h) -> const Json& { return h["seer"]["oracle_curve"]; }, 0.0);
    add(
        QStringLiteral("SeerAttention GT"),
        [](const Json& h) -> const Json& { return h["seer"]["threshold_curve"]; }, 0.2);
    add(
        QStringLiteral("A-shape"), [](const Json& h) -> const Json& { return h["a_shape"]; }, 0.45);
    add(
        QStringLiteral("SnapKV (decode)"), [](const Json& h) -> const Json& { return h["snapkv"]; }, 0.65);
    add(
        QStringLiteral("TokenSelect (decode)"),
        [](const Json& h) -> const Json& { return h["tokenselect"]["curve"]; }, 0.85);
    series.push_back({QStringLiteral("FlexPrefill γ=%1").arg(s["parameters"]["flex_gamma"].get<double>()),
                      {s["flexprefill_mean_density"].get<double>()},
                      {s["flexprefill_mean_recall"].get<double>()},
                      QColor(200, 60, 60)});
    QString html = figure(QStringLiteral("Mass recall against density, means over heads"), 640, 340,
                          [&](QPainter& painter, QRectF rect) {
                              paintLineChart(painter, rect, series,
                                             QStringLiteral("Recall against density (mean over heads)"),
                                             QStringLiteral("density"), QStringLiteral("mass recall"));
                          });
    QStringList ratios;
    for (const Json& r : s["flexprefill_layer_ratio"])
        ratios << fixed(r.get<double>());
    html += QStringLiteral(
                "<p>FlexPrefill: mean recall %1 at mean density %2; computational ratio per layer: %3.</p>")
                .arg(fixed(s["flexprefill_mean_recall"].get<double>()),
                     fixed(s["flexprefill_mean_density"].get<double>()), ratios.join(QStringLiteral(", ")));
    if (const store::ArrayRecord* masks = array("sparsity.flexprefill_mask");
        masks && masks->shape.size() == 4) {
        const int nb = static_cast<int>(masks->shape[3]);
        const std::size_t cell = static_cast<std::size_t>(nb) * nb;
        const int shown = std::min<int>(4, static_cast<int>(masks->shape[0] * masks->shape[1]));
        for (int k = 0; k < shown; ++k) {
            // Spread over the layers: head 0 of evenly spaced layers.
            const int layer = static_cast<int>(
                masks->shape[0] > 1 ? k * (masks->shape[0] - 1) / std::max(1, shown - 1) : 0);
            const std::size_t offset = static_cast<std::size_t>(layer) * masks->shape[1] * cell;
            Matrix m{nb, nb,
                     std::vector<double>(masks->u8.begin() + static_cast<std::ptrdiff_t>(offset),
                                         masks->u8.begin() + static_cast<std::ptrdiff_t>(offset + cell))};
            HeatmapStyle style;
            style.title = QStringLiteral("FlexPrefill mask, layer %1 head 0").arg(layer);
            style.colorBar = false;
            style.labelEvery = std::max(1, nb / 8);
            html += figure(style.title, 300, 300,
                           [&](QPainter& painter, QRectF rect) { paintHeatmap(painter, rect, m, style); });
        }
    }
    std::map<std::string, int> classes;
    for (const Json& h : heads)
        ++classes[h["pattern"]["class"].get<std::string>()];
    html += QStringLiteral("<p>Pattern classes: ");
    for (const auto& [name, n] : classes)
        html += QStringLiteral("%1 %2; ").arg(escape(name)).arg(n);
    html += QStringLiteral("</p>");
    section(QStringLiteral("Sparsity masks"), html);
}

void Builder::heatmaps() {
    const store::ArrayRecord* grid = array("attention.block_sum");
    if (!grid || grid->shape.size() != 4)
        return;
    const int layers = static_cast<int>(grid->shape[0]), heads = static_cast<int>(grid->shape[1]),
              nb = static_cast<int>(grid->shape[2]);
    // The head with the most token-0 mass, the most local one, and the most diffuse one (taxonomy
    // scores), else the first heads of evenly spaced layers.
    std::vector<std::pair<int, int>> chosen;
    if (m_d.contains("taxonomy")) {
        for (const char* field : {"token0_mass", "local_mass", "normalized_entropy", "induction"}) {
            double best = -1;
            std::pair<int, int> at{-1, -1};
            for (const Json& h : m_d["taxonomy"]["heads"]) {
                const Json& v = h["scores"][field];
                if (v.is_number() && v.get<double>() > best) {
                    best = v.get<double>();
                    at = {h["layer"].get<int>(), h["head"].get<int>()};
                }
            }
            if (at.first >= 0 && std::find(chosen.begin(), chosen.end(), at) == chosen.end())
                chosen.push_back(at);
        }
    }
    for (int l = 0; chosen.size() < 4 && l < layers; ++l)
        if (std::find(chosen.begin(), chosen.end(), std::pair{l, 0}) == chosen.end())
            chosen.emplace_back(l, 0);
    QString html =
        QStringLiteral("<p>Block-level maps (K4 block sums of %1×%1 blocks, log colour): the whole input "
                       "without any N×N matrix.</p>")
            .arg(m_run.input.tokens.empty() ? 0
                                            : (static_cast<int>(m_run.input.tokens.size()) + nb - 1) / nb);
    for (const auto& [layer, head] : chosen) {
        const std::size_t offset = (static_cast<std::size_t>(layer) * heads + head) * nb * nb;
        Matrix m{nb, nb,
                 std::vector<double>(grid->f32.begin() + static_cast<std::ptrdiff_t>(offset),
                                     grid->f32.begin() + static_cast<std::ptrdiff_t>(offset + nb * nb))};
        double top = 0;
        for (double& v : m.values)
            top = std::max(top, v);
        HeatmapStyle style;
        style.title = QStringLiteral("Layer %1, head %2").arg(layer).arg(head);
        style.scale = {top * 1e-4, top, true};
        style.rowLabel = QStringLiteral("query block");
        style.colLabel = QStringLiteral("key block");
        style.labelEvery = std::max(1, nb / 8);
        html += figure(style.title, 310, 300,
                       [&](QPainter& painter, QRectF rect) { paintHeatmap(painter, rect, m, style); });
    }
    section(QStringLiteral("Attention heatmaps of selected heads"), html);
}

void Builder::provenance() {
    QString html = QStringLiteral("<table class=\"facts\">");
    html +=
        QStringLiteral("<tr><th>Program</th><td>AttnScope %1</td></tr>").arg(escape(m_run.programVersion));
    html += QStringLiteral("<tr><th>Model identity</th><td><code>%1</code></td></tr>")
                .arg(escape(m_run.model.contentHash));
    // The analyses' parameters are listed below from the document; the settings' copy of them (what
    // analyze --settings reads) would only repeat them here on one unbreakable line.
    nlohmann::json settings = parseJsonText(m_run.settingsJson);
    const bool hasParameters = settings.is_object() && settings.erase("parameters") > 0;
    html += QStringLiteral("<tr><th>Settings</th><td><code>%1</code>%2</td></tr>")
                .arg(escape(settings.is_object() ? settings.dump() : m_run.settingsJson),
                     hasParameters
                         ? QStringLiteral(" (every analysis parameter: <code>parameters</code> in "
                                          "the exported run, readable by <code>analyze --settings</code>)")
                         : QString());
    html += QStringLiteral("<tr><th>Started / finished</th><td>%1 / %2</td></tr>")
                .arg(escape(m_run.started), escape(m_run.finished));
    html += QStringLiteral("</table>");
    for (const char* key : {"sinks", "similarity", "sparsity", "taxonomy"})
        if (m_d.contains(key))
            html += QStringLiteral("<p><b>%1</b> parameters: <code>%2</code></p>")
                        .arg(QString::fromUtf8(key), escape(m_d[key]["parameters"].dump()));
    if (m_d.contains("retrieval"))
        for (const auto& [key, value] : m_d["retrieval"].items())
            html += QStringLiteral("<p><b>retrieval.%1</b> parameters: <code>%2</code></p>")
                        .arg(QString::fromStdString(key), escape(value["parameters"].dump()));
    section(QStringLiteral("Provenance"), html);
}

const char* kStyle = R"css(
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #222; margin: 24px auto; max-width: 1000px; }
h1 { font-size: 18pt; margin-bottom: 4px; } h2 { font-size: 13pt; border-bottom: 1px solid #ccc; margin-top: 28px; }
.figure { display: inline-block; margin: 6px 10px 10px 0; vertical-align: top; }
.figures { margin: 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; font-size: 8.5pt; text-align: left; vertical-align: top; }
table.facts th { background: #f4f4f4; width: 150px; }
.excerpt { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; white-space: pre-wrap; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
)css";

QString html(const Report& report, bool inlineFigures) {
    QString body = report.body;
    if (inlineFigures)
        for (const auto& [name, image] : report.figures) {
            QByteArray png;
            QBuffer buffer(&png);
            buffer.open(QIODevice::WriteOnly);
            image.save(&buffer, "PNG");
            body.replace(
                QStringLiteral("src=\"%1\"").arg(name),
                QStringLiteral("src=\"data:image/png;base64,%1\"").arg(QString::fromLatin1(png.toBase64())));
        }
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%1</title>"
                          "<style>%2</style></head><body>\n<h1>%1</h1>\n%3</body></html>\n")
        .arg(report.title, QString::fromUtf8(kStyle), body);
}

} // namespace

Expected<Report> buildReport(const store::RunRecord& run, const QString& projectPath) {
    const ScopedFigureInk paper(lightInk()); // reports are documents: light in either theme
    const Json d = parseJsonText(run.documentJson);
    if (d.is_discarded() || !d.is_object())
        return Status::parseError("the run's stored result document is not JSON")
            .atField("run " + std::to_string(run.id));
    try {
        return Builder(run, d).build(projectPath);
    } catch (const Json::exception& e) {
        return Status::parseError(std::string("the run's result document lacks a field the report needs: ") +
                                  e.what())
            .atField("run " + std::to_string(run.id));
    }
}

Status writeHtmlReport(const Report& report, const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Status::ioError("cannot write the report: " + file.errorString().toStdString())
            .inFile(path.toStdString());
    file.write(html(report, true).toUtf8());
    if (!file.flush())
        return Status::ioError("cannot write the report").inFile(path.toStdString());
    return Status::ok();
}

Status writePdfReport(const Report& report, const QString& path) {
    {
        QFile probe(path);
        if (!probe.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return Status::ioError("cannot write the report: " + probe.errorString().toStdString())
                .inFile(path.toStdString());
    }
    QPdfWriter writer(path);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(150);
    writer.setTitle(report.title);
    writer.setCreator(QStringLiteral("AttnScope"));
    QTextDocument document;
    document.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    for (const auto& [name, image] : report.figures)
        document.addResource(QTextDocument::ImageResource, QUrl(name), image);
    // QTextDocument lays the figures out at their logical width in points at 150 dpi: scale them down
    // to fit two side by side on an A4 page.
    QString body = html(report, false);
    body.replace(QStringLiteral("width=\""), QStringLiteral("data-w=\""));
    for (const auto& [name, image] : report.figures)
        body.replace(QStringLiteral("src=\"%1\"").arg(name),
                     QStringLiteral("src=\"%1\" width=\"%2\"")
                         .arg(name)
                         .arg(static_cast<int>(image.width() / kScale * 0.62)));
    document.setHtml(body);
    document.print(&writer);
    return Status::ok();
}

} // namespace attnscope::render
