// SPDX-License-Identifier: Apache-2.0
#include "head_details_view.h"

#include "attnscope/analyses/sparsity.h"
#include "attnscope/core/json_parse.h"
#include "render/figures.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace attnscope::studio {

struct HeadDetailsView::Data {
    nlohmann::json document;
    std::shared_ptr<const store::RunRecord> run; ///< keeps the arrays below alive
    std::span<const uint8_t> masks;              ///< sparsity.flexprefill_mask [layers, heads, nb, nb]
    int maskLayers = 0, maskHeads = 0, maskBlocks = 0;
    std::span<const float> blockSum, blockMax; ///< attention.block_sum / block_max [layers, heads, nb, nb]
    int gridLayers = 0, gridHeads = 0, gridBlocks = 0, blockSize = 64, tokens = 0;
    int layer = 0, head = 0;
    std::vector<render::Series> curves;
    /// Block masks of this head: FlexPrefill (as run), SeerAttention's oracle at t = 2e-3, the A-shape.
    std::vector<std::pair<QString, render::Matrix>> masksShown;
    /// Decode-time key selections, 0/1 per key: sparsity.snapkv_keep / tokenselect_keep [layers, heads, N].
    std::span<const uint8_t> snapKeep, selectKeep;
    int keepLayers = 0, keepHeads = 0, keepTokens = 0;
    /// This head's selections as one row of key blocks: the share of each block's keys kept.
    std::vector<std::pair<QString, render::Matrix>> stripsShown;
};

namespace {

const nlohmann::json* headEntry(const nlohmann::json& document, const char* section, int layer, int head) {
    if (!document.contains(section) || !document[section].contains("heads"))
        return nullptr;
    for (const nlohmann::json& h : document[section]["heads"])
        if (h.value("layer", -1) == layer && h.value("head", -1) == head)
            return &h;
    return nullptr;
}

render::Series curveOf(const nlohmann::json& points, const QString& name, double t) {
    render::Series s{name, {}, {}, render::viridis(t)};
    for (const nlohmann::json& p : points) {
        s.x.push_back(p.value("density", 0.0));
        s.y.push_back(p.value("recall", 0.0));
    }
    return s;
}

} // namespace

class HeadDetailsCanvas : public QWidget {
public:
    explicit HeadDetailsCanvas(HeadDetailsView* owner) : QWidget(owner), m_owner(owner) {
        setMinimumSize(400, 260);
        setObjectName(QStringLiteral("headDetailsCanvas"));
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.fillRect(rect(), render::figureInk().paper);
        const HeadDetailsView::Data& d = *m_owner->m_data;
        const double split = width() * 0.45;
        if (!d.curves.empty())
            render::paintLineChart(
                painter, QRectF(0, 0, split, height()), d.curves,
                tr("Layer %1, head %2: mass recall against density").arg(d.layer).arg(d.head), tr("density"),
                tr("mass recall"));
        const int count = static_cast<int>(d.masksShown.size());
        // Key-selection strips (SnapKV, TokenSelect) go under the masks, a title line and a bar each.
        const double stripH = 56, stripsH = stripH * static_cast<double>(d.stripsShown.size());
        const double side =
            std::min<double>((width() - split - 10) / std::max(1, count) - 8, height() - 30 - stripsH);
        for (std::size_t k = 0; k < d.stripsShown.size(); ++k) {
            const auto& [title, strip] = d.stripsShown[k];
            render::HeatmapStyle style;
            style.title = title;
            style.colorBar = false;
            style.labelEvery = std::max(1, strip.cols / 8);
            render::paintHeatmap(
                painter,
                QRectF(split + 10, side + 30 + static_cast<double>(k) * stripH, width() - split - 20, stripH),
                strip, style);
        }
        for (int k = 0; k < count; ++k) {
            const auto& [title, mask] = d.masksShown[static_cast<std::size_t>(k)];
            render::HeatmapStyle style;
            style.title = title;
            style.colorBar = false;
            style.labelEvery = std::max(1, mask.rows / 4);
            render::paintHeatmap(painter, QRectF(split + 10 + k * (side + 8), 0, side, side + 20), mask,
                                 style);
        }
    }

private:
    HeadDetailsView* m_owner;
};

HeadDetailsView::HeadDetailsView(QWidget* parent) : QWidget(parent), m_data(std::make_shared<Data>()) {
    setObjectName(QStringLiteral("headDetailsView"));
    auto* layout = new QVBoxLayout(this);
    m_summary = new QLabel(tr("Select a head in the atlas."), this);
    m_summary->setObjectName(QStringLiteral("headSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_sinks = new QTableWidget(0, 3, splitter);
    m_sinks->setObjectName(QStringLiteral("sinkTable"));
    m_sinks->setHorizontalHeaderLabels({tr("token"), tr("text"), tr("ā (mean received)")});
    m_sinks->horizontalHeader()->setStretchLastSection(true);
    m_sinks->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sinks->setSortingEnabled(true);
    m_canvas = new HeadDetailsCanvas(this);
    splitter->addWidget(m_sinks);
    splitter->addWidget(m_canvas);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    layout->addWidget(splitter, 1);
}

void HeadDetailsView::setRun(const PreparedRun& prepared) {
    Data& d = *m_data;
    d.run = prepared.record;
    d.masks = d.snapKeep = d.selectKeep = {};
    d.blockSum = d.blockMax = {};
    d.document = nlohmann::json();
    if (!d.run) {
        showHead(0, 0);
        return;
    }
    const store::RunRecord& run = *d.run;
    d.document = parseJsonText(run.documentJson);
    const auto settings = parseJsonText(run.settingsJson);
    d.blockSize = settings.is_object() ? settings.value("block_size", 64) : 64;
    d.tokens = static_cast<int>(run.input.tokens.size());
    for (const store::ArrayRecord& a : run.arrays) {
        if ((a.name == "sparsity.snapkv_keep" || a.name == "sparsity.tokenselect_keep") &&
            a.shape.size() == 3) {
            (a.name == "sparsity.snapkv_keep" ? d.snapKeep : d.selectKeep) = std::span(a.u8);
            d.keepLayers = static_cast<int>(a.shape[0]);
            d.keepHeads = static_cast<int>(a.shape[1]);
            d.keepTokens = static_cast<int>(a.shape[2]);
        }
        if (a.name == "sparsity.flexprefill_mask" && a.shape.size() == 4) {
            d.masks = std::span(a.u8);
            d.maskLayers = static_cast<int>(a.shape[0]);
            d.maskHeads = static_cast<int>(a.shape[1]);
            d.maskBlocks = static_cast<int>(a.shape[2]);
        }
        if ((a.name == "attention.block_sum" || a.name == "attention.block_max") && a.shape.size() == 4) {
            (a.name == "attention.block_sum" ? d.blockSum : d.blockMax) = floats(a);
            d.gridLayers = static_cast<int>(a.shape[0]);
            d.gridHeads = static_cast<int>(a.shape[1]);
            d.gridBlocks = static_cast<int>(a.shape[2]);
        }
    }
    showHead(0, 0);
}

bool HeadDetailsView::showHead(int layer, int head) {
    Data& d = *m_data;
    if (!d.document.is_object())
        return false;
    d.layer = layer;
    d.head = head;
    QStringList summary{tr("Layer %1, head %2").arg(layer).arg(head)};
    if (const nlohmann::json* t = headEntry(d.document, "taxonomy", layer, head)) {
        QStringList labels;
        for (const nlohmann::json& l : (*t)["labels"])
            labels << QString::fromStdString(l.get<std::string>());
        summary << tr("primary label: %1%2")
                       .arg(QString::fromStdString((*t)["primary"].get<std::string>()))
                       .arg(labels.isEmpty() ? QString()
                                             : tr(" (all: %1)").arg(labels.join(QStringLiteral(", "))));
        QStringList scores;
        for (const auto& [key, value] : (*t)["scores"].items())
            if (value.is_number())
                scores << QStringLiteral("%1 %2")
                              .arg(QString::fromStdString(key))
                              .arg(value.get<double>(), 0, 'g', 3);
            else if (value.is_string())
                scores << QStringLiteral("%1 %2").arg(QString::fromStdString(key),
                                                      QString::fromStdString(value.get<std::string>()));
        summary << scores.join(QStringLiteral(" · "));
    }
    const nlohmann::json* sinks = headEntry(d.document, "sinks", layer, head);
    m_sinks->setSortingEnabled(false);
    m_sinks->setRowCount(0);
    if (sinks) {
        summary << tr("token 0 mass %1, StreamingLLM recall %2")
                       .arg((*sinks)["token0_mass"].get<double>(), 0, 'g', 3)
                       .arg((*sinks)["streaming_recall"].get<double>(), 0, 'g', 3);
        for (const nlohmann::json& s : (*sinks)["act_sinks"]) {
            const int row = m_sinks->rowCount();
            m_sinks->insertRow(row);
            auto* token = new QTableWidgetItem;
            token->setData(Qt::DisplayRole, s["token"].get<int>());
            m_sinks->setItem(row, 0, token);
            m_sinks->setItem(row, 1,
                             new QTableWidgetItem(QString::fromStdString(s.value("text", std::string()))));
            auto* score = new QTableWidgetItem;
            score->setData(Qt::DisplayRole, s["score"].get<double>());
            m_sinks->setItem(row, 2, score);
        }
    }
    m_sinks->setSortingEnabled(true);
    d.curves.clear();
    if (const nlohmann::json* s = headEntry(d.document, "sparsity", layer, head)) {
        d.curves.push_back(curveOf((*s)["seer"]["oracle_curve"], tr("oracle blocks"), 0.0));
        d.curves.push_back(curveOf((*s)["seer"]["threshold_curve"], tr("SeerAttention GT"), 0.2));
        d.curves.push_back(curveOf((*s)["a_shape"], tr("A-shape"), 0.45));
        d.curves.push_back(curveOf((*s)["snapkv"], tr("SnapKV (decode)"), 0.65));
        d.curves.push_back(curveOf((*s)["tokenselect"]["curve"], tr("TokenSelect (decode)"), 0.85));
        const nlohmann::json& f = (*s)["flexprefill"];
        d.curves.push_back({tr("FlexPrefill"),
                            {f["density"].get<double>()},
                            {f["recall"].get<double>()},
                            QColor(200, 60, 60)});
        if (s->contains("anchor") && (*s)["anchor"].contains("density"))
            d.curves.push_back({tr("AnchorAttention"),
                                {(*s)["anchor"]["density"].get<double>()},
                                {(*s)["anchor"]["recall"].get<double>()},
                                QColor(230, 140, 20)});
        summary << tr("pattern %1; FlexPrefill %2 (D = %3), recall %4 at density %5")
                       .arg(QString::fromStdString((*s)["pattern"]["class"].get<std::string>()))
                       .arg(f["query_aware"].get<bool>() ? tr("query-aware") : tr("vertical-slash"))
                       .arg(f["divergence"].get<double>(), 0, 'f', 3)
                       .arg(f["recall"].get<double>(), 0, 'f', 3)
                       .arg(f["density"].get<double>(), 0, 'f', 3);
    }
    d.masksShown.clear();
    if (!d.masks.empty() && layer < d.maskLayers && head < d.maskHeads) {
        const std::size_t cells = static_cast<std::size_t>(d.maskBlocks) * d.maskBlocks;
        const std::size_t at = (static_cast<std::size_t>(layer) * d.maskHeads + head) * cells;
        d.masksShown.emplace_back(
            tr("FlexPrefill"),
            render::Matrix{d.maskBlocks, d.maskBlocks,
                           std::vector<double>(d.masks.begin() + static_cast<std::ptrdiff_t>(at),
                                               d.masks.begin() + static_cast<std::ptrdiff_t>(at + cells))});
    }
    if (!d.blockSum.empty() && !d.blockMax.empty() && layer < d.gridLayers && head < d.gridHeads) {
        // SeerAttention's oracle mask and the StreamingLLM A-shape, from the stored K4 statistics.
        const int nb = d.gridBlocks;
        const std::size_t cells = static_cast<std::size_t>(nb) * nb;
        const std::size_t at = (static_cast<std::size_t>(layer) * d.gridHeads + head) * cells;
        analyses::BlockGrid grid;
        grid.blocks = nb;
        grid.blockSize = d.blockSize;
        grid.tokens = d.tokens;
        grid.sum.assign(d.blockSum.begin() + static_cast<std::ptrdiff_t>(at),
                        d.blockSum.begin() + static_cast<std::ptrdiff_t>(at + cells));
        grid.max.assign(d.blockMax.begin() + static_cast<std::ptrdiff_t>(at),
                        d.blockMax.begin() + static_cast<std::ptrdiff_t>(at + cells));
        const std::vector<double> gt = analyses::seerGroundTruth(grid);
        render::Matrix seer{nb, nb, std::vector<double>(cells, 0.0)};
        render::Matrix ashape = seer;
        const int windowBlocks = std::max(1, 1024 / std::max(1, d.blockSize));
        for (int i = 0; i < nb; ++i)
            for (int j = 0; j <= i; ++j) {
                const std::size_t cell = static_cast<std::size_t>(i) * nb + j;
                seer.values[cell] = i >= nb - 2 || gt[cell] > 2e-3 ? 1.0 : 0.0;
                ashape.values[cell] = j == 0 || i - j < windowBlocks ? 1.0 : 0.0;
            }
        d.masksShown.emplace_back(tr("Seer oracle 2e-3"), seer);
        d.masksShown.emplace_back(tr("A-shape 4+1024"), ashape);
    }
    d.stripsShown.clear();
    const nlohmann::json& parameters =
        d.document.contains("sparsity") ? d.document["sparsity"]["parameters"] : nlohmann::json();
    auto strip = [&](std::span<const uint8_t> keep, const QString& title) {
        if (keep.empty() || layer >= d.keepLayers || head >= d.keepHeads || d.keepTokens <= 0)
            return;
        const std::size_t at = (static_cast<std::size_t>(layer) * d.keepHeads + head) * d.keepTokens;
        const int block = std::max(1, d.blockSize), blocks = (d.keepTokens + block - 1) / block;
        render::Matrix m{1, blocks, std::vector<double>(static_cast<std::size_t>(blocks), 0.0)};
        for (int j = 0; j < d.keepTokens; ++j)
            m.values[static_cast<std::size_t>(j / block)] += keep[at + static_cast<std::size_t>(j)];
        for (int b = 0; b < blocks; ++b)
            m.values[static_cast<std::size_t>(b)] /= std::min(block, d.keepTokens - b * block);
        d.stripsShown.emplace_back(title, m);
    };
    auto firstOf = [&](const char* key) {
        return parameters.is_object() && parameters.contains(key) && parameters[key].is_array() &&
                       !parameters[key].empty()
                   ? parameters[key][0].get<int>()
                   : 0;
    };
    strip(d.snapKeep, tr("SnapKV keeps (C = %1), per key block").arg(firstOf("snap_capacities")));
    strip(d.selectKeep,
          tr("TokenSelect, last decode row (K = %1), per key block").arg(firstOf("tokenselect_budgets")));
    m_summary->setText(summary.join(QLatin1Char('\n')));
    m_canvas->update();
    return true;
}

QStringList HeadDetailsView::stripNames() const {
    QStringList names;
    for (const auto& [name, matrix] : m_data->stripsShown)
        names << name;
    return names;
}

QString HeadDetailsView::summary() const {
    return m_summary->text();
}

int HeadDetailsView::curveCount() const {
    return static_cast<int>(m_data->curves.size());
}

QStringList HeadDetailsView::maskNames() const {
    QStringList names;
    for (const auto& [name, matrix] : m_data->masksShown)
        names << name;
    return names;
}

} // namespace attnscope::studio
