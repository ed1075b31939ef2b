// SPDX-License-Identifier: Apache-2.0
#include "token_view.h"

#include "exact_tiles.h"
#include "render/figures.h"
#include "token_text.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

namespace {
constexpr double kSinkThreshold = 0.1; // ACT's THRES
}

TokenView::TokenView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("tokenView"));
    auto* layout = new QVBoxLayout(this);
    m_text = new TokenText(this);
    m_text->setObjectName(QStringLiteral("tokenText"));
    m_details = new QLabel(tr("Click a token to see the attention it receives."), this);
    m_details->setObjectName(QStringLiteral("tokenDetails"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_details);
    connect(m_text, &TokenText::tokenClicked, this, &TokenView::selectToken);
}

bool TokenView::setRun(const PreparedRun& prepared) {
    m_run = prepared.record;
    m_mass = {};
    m_layers = m_heads = 0;
    m_selected = -1;
    m_head = {0, 0};
    m_exact.reset();
    m_attended.clear();
    m_received.clear();
    const store::RunRecord* run = m_run.get();
    const std::size_t n = run ? run->input.tokens.size() : 0;
    if (run)
        for (const store::ArrayRecord& a : run->arrays)
            if (a.name == "attention.column_mass" && a.shape.size() == 3 &&
                a.shape[2] == static_cast<int64_t>(n)) {
                m_mass = floats(a);
                m_layers = static_cast<int>(a.shape[0]);
                m_heads = static_cast<int>(a.shape[1]);
            }
    if (m_mass.empty() || run->input.offsets.size() != n || run->input.text.empty() ||
        prepared.tokens.spans.size() != n) {
        m_text->setTokens(tr("This run has no token offsets or no per-token attention (run the sinks "
                             "analysis on a text input)."),
                          {}, {});
        return false;
    }
    m_received.assign(n, 0.0);
    receiveFrom(0, 0);
    // Styles every paragraph once, with head (0, 0)'s colours.
    m_text->setTokens(prepared.tokens.text, prepared.tokens.spans, [this](int token) { return look(token); });
    return true;
}

void TokenView::receiveFrom(int layer, int head) {
    m_head = {layer, head};
    const int n = tokens();
    const float* column = m_mass.data() + (static_cast<std::size_t>(layer) * m_heads + head) * n;
    for (int j = 0; j < n; ++j)
        m_received[static_cast<std::size_t>(j)] = column[j] / static_cast<double>(n - j);
    // Log colour between the 1000th of the largest received attention and it: most tokens get little.
    m_colourTop = 1e-12;
    for (double v : m_received)
        m_colourTop = std::max(m_colourTop, v);
}

bool TokenView::showHead(int layer, int head) {
    if (layer < 0 || layer >= m_layers || head < 0 || head >= m_heads || m_received.empty())
        return false;
    receiveFrom(layer, head);
    if (m_selected >= 0)
        selectToken(m_selected); // its keys and the details below the text are the new head's
    m_text->restyle();
    return true;
}

std::vector<int> TokenView::sinks() const {
    std::vector<int> list;
    for (std::size_t j = 0; j < m_received.size(); ++j)
        if (m_received[j] > kSinkThreshold)
            list.push_back(static_cast<int>(j));
    return list;
}

TokenText::Look TokenView::look(int j) const {
    // The selected token is in the text colour, the keys it attends to most are red (QTextDocument draws
    // backgrounds, not borders); the others coloured by the attention they receive.
    if (j == m_selected)
        return {render::figureInk().text, render::figureInk().paper, true}; // black, or light grey if dark
    if (std::any_of(m_attended.begin(), m_attended.end(), [j](const auto& a) { return a.first == j; }))
        return {QColor(0xff, 0x30, 0x30), QColor(255, 255, 255), true};
    const double v = m_received[static_cast<std::size_t>(j)];
    const double bottom = m_colourTop * 1e-3;
    const double t = std::log10(std::max(v, bottom) / bottom) / std::log10(m_colourTop / bottom);
    return {render::viridis(t), t > 0.6 ? QColor(0, 0, 0) : QColor(255, 255, 255), v > kSinkThreshold};
}

void TokenView::setExactTiles(std::shared_ptr<const ExactTiles> tiles) {
    m_exact = tiles && tiles->tokens() == tokens() ? std::move(tiles) : nullptr;
    if (m_selected >= 0)
        selectToken(m_selected);
}

void TokenView::updateAttended(int index) {
    // The row this token attends with: exact probabilities over every key it can see.
    m_attended.clear();
    if (!m_exact)
        return;
    if (auto row = m_exact->tile(m_head.first, m_head.second, index, index + 1, 0, index + 1)) {
        for (int j = 0; j <= index; ++j)
            m_attended.emplace_back(j, (*row)[static_cast<std::size_t>(j)]);
        std::sort(m_attended.begin(), m_attended.end(),
                  [](const auto& a, const auto& b) { return a.second > b.second; });
        m_attended.resize(std::min<std::size_t>(m_attended.size(), 5));
    }
}

QString TokenView::tokenString(int j) const {
    const auto [begin, end] = m_run->input.offsets[static_cast<std::size_t>(j)];
    const std::string& input = m_run->input.text;
    if (begin < 0 || end <= begin || end > static_cast<int64_t>(input.size()))
        return {};
    return QString::fromUtf8(input.data() + begin, static_cast<qsizetype>(end - begin));
}

bool TokenView::selectToken(int index) {
    if (index < 0 || index >= tokens())
        return false;
    // Only the tokens whose look changes are restyled: the old and new selection and attended keys.
    std::vector<int> changed{m_selected, index};
    for (const auto& a : m_attended)
        changed.push_back(a.first);
    m_selected = index;
    updateAttended(index);
    for (const auto& a : m_attended)
        changed.push_back(a.first);
    m_text->restyle(changed);
    m_text->setLinks(m_selected, m_attended);
    const auto [begin, end] = m_run->input.offsets[static_cast<std::size_t>(index)];
    const QString text = end > begin ? tokenString(index) : tr("(special token)");
    const double received = m_received[static_cast<std::size_t>(index)];
    const int rank = 1 + static_cast<int>(std::count_if(m_received.begin(), m_received.end(),
                                                        [received](double v) { return v > received; }));
    m_details->setText(
        tr("Layer %1, head %2 — token %3 “%4” (bytes %5–%6): mean attention received ā = %7 "
           "(rank %8 of %9)%10")
            .arg(m_head.first)
            .arg(m_head.second)
            .arg(index)
            .arg(text.toHtmlEscaped())
            .arg(begin)
            .arg(end)
            .arg(received, 0, 'g', 3)
            .arg(rank)
            .arg(tokens())
            .arg(received > kSinkThreshold ? tr(" — an attention sink (ā > 0.1)") : QString()));
    if (!m_attended.empty()) {
        QStringList keys;
        for (const auto& [j, p] : m_attended) {
            const auto [b, e] = m_run->input.offsets[static_cast<std::size_t>(j)];
            const QString word = e > b ? tokenString(j) : tr("(special)");
            keys << tr("%1 “%2” %3").arg(j).arg(word.toHtmlEscaped().simplified()).arg(p, 0, 'f', 3);
        }
        m_details->setText(m_details->text() +
                           tr("\nIt attends most to (red; the selected token is shown inverted): %1")
                               .arg(keys.join(QStringLiteral(", "))));
    }
    return true;
}

QString TokenView::details() const {
    return m_details->text();
}

} // namespace attnscope::studio
