// SPDX-License-Identifier: Apache-2.0
#include "generation_view.h"

#include "step_head_grid.h"
#include "token_text.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace attnscope::studio {

namespace {

QString percent(double fraction) {
    return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %");
}

QString quoted(const QString& text) {
    return text.isEmpty()
               ? QObject::tr("(special)")
               : QStringLiteral("“%1”").arg(QString(text).replace(QLatin1Char('\n'), QStringLiteral("↵")));
}

} // namespace

GenerationView::GenerationView(QWidget* parent)
    : QWidget(parent), m_maxTokens(new QSpinBox(this)), m_sample(new QCheckBox(tr("Sample"), this)),
      m_temperature(new QDoubleSpinBox(this)), m_seed(new QSpinBox(this)), m_keys(new QSpinBox(this)),
      m_generate(new QPushButton(tr("Generate"), this)), m_save(new QPushButton(tr("Save Trace…"), this)),
      m_summary(new QLabel(this)), m_grid(new StepHeadGrid(this)), m_gridScroll(new QScrollArea(this)),
      m_text(new TokenText(this)), m_details(new QLabel(this)) {
    setObjectName(QStringLiteral("generationView"));
    m_maxTokens->setObjectName(QStringLiteral("generationMaxTokens"));
    m_maxTokens->setRange(1, 4096);
    m_maxTokens->setValue(32);
    m_sample->setObjectName(QStringLiteral("generationSample"));
    m_sample->setToolTip(tr("Sample with the temperature and seed (reproducible); otherwise greedy"));
    m_temperature->setObjectName(QStringLiteral("generationTemperature"));
    m_temperature->setRange(0.05, 5.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setValue(0.8);
    m_temperature->setEnabled(false);
    m_seed->setObjectName(QStringLiteral("generationSeed"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setEnabled(false);
    m_keys->setObjectName(QStringLiteral("generationKeys"));
    m_keys->setRange(1, 256);
    m_keys->setValue(8);
    m_keys->setToolTip(tr("Keys recorded per head and step (its strongest)"));
    m_generate->setObjectName(QStringLiteral("generationStart"));
    m_generate->setToolTip(tr("Continue the input text with the open model (Ctrl+G)"));
    m_save->setObjectName(QStringLiteral("generationSave"));
    m_save->setEnabled(false);
    m_summary->setObjectName(QStringLiteral("generationSummary"));
    m_summary->setWordWrap(true);
    m_summary->setMinimumHeight(3 * fontMetrics().lineSpacing() + 4);
    m_summary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_details->setObjectName(QStringLiteral("generationDetails"));
    m_details->setWordWrap(true);
    m_details->setMinimumHeight(3 * fontMetrics().lineSpacing() + 4);
    m_details->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setObjectName(QStringLiteral("generationText"));

    auto* controls = new QHBoxLayout;
    const auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    controls->addWidget(label(tr("&New tokens"), m_maxTokens));
    controls->addWidget(m_maxTokens);
    controls->addWidget(m_sample);
    controls->addWidget(label(tr("T&emperature"), m_temperature));
    controls->addWidget(m_temperature);
    controls->addWidget(label(tr("See&d"), m_seed));
    controls->addWidget(m_seed);
    controls->addWidget(label(tr("&Keys per head"), m_keys));
    controls->addWidget(m_keys);
    controls->addStretch(1);
    controls->addWidget(m_generate);
    controls->addWidget(m_save);

    m_gridScroll->setWidget(m_grid);
    m_gridScroll->setWidgetResizable(false);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_gridScroll);
    splitter->addWidget(m_text);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_details);
    m_summary->setText(
        tr("Open a model, type a prompt in the input panel and Generate: every new token shows "
           "where each head looked when it was chosen."));

    connect(m_sample, &QCheckBox::toggled, m_temperature, &QWidget::setEnabled);
    connect(m_sample, &QCheckBox::toggled, m_seed, &QWidget::setEnabled);
    connect(m_generate, &QPushButton::clicked, this, &GenerationView::generateRequested);
    connect(m_save, &QPushButton::clicked, this, &GenerationView::chooseTracePath);
    connect(m_grid, &StepHeadGrid::cellSelected, this, &GenerationView::showStep);
    connect(m_text, &TokenText::tokenClicked, this, [this](int token) {
        if (!m_trace || token < static_cast<int>(m_trace->prompt.size()))
            return;
        m_grid->select(token - static_cast<int>(m_trace->prompt.size()), m_layer, m_head);
    });
}

runtime::GenerateOptions GenerationView::options() const {
    runtime::GenerateOptions options;
    options.maxNewTokens = m_maxTokens->value();
    options.greedy = !m_sample->isChecked();
    options.temperature = m_temperature->value();
    options.seed = static_cast<uint64_t>(m_seed->value());
    return options;
}

int GenerationView::keysPerHead() const {
    return m_keys->value();
}

void GenerationView::setGenerating(bool generating) {
    m_generate->setEnabled(!generating);
}

void GenerationView::setTrace(analyses::GenerationAttention trace, std::vector<std::string> texts,
                              const runtime::GenerateOptions& options, std::string continuation,
                              std::string model) {
    m_step = -1; // the styler reads the selection: none until the new trace's first is chosen
    m_styled.clear();
    m_trace = std::move(trace);
    m_rawTexts = std::move(texts);
    m_texts.clear();
    for (const std::string& text : m_rawTexts)
        m_texts << QString::fromStdString(text);
    m_options = options;
    m_continuation = std::move(continuation);
    m_model = std::move(model);
    m_save->setEnabled(true);
    const int prompt = static_cast<int>(m_trace->prompt.size());
    const int steps = static_cast<int>(m_trace->steps.size());

    std::vector<std::vector<float>> sink;
    QStringList labels;
    for (int s = 0; s < steps; ++s) {
        std::vector<float> row;
        for (const analyses::HeadStepAttention& a : m_trace->steps[static_cast<std::size_t>(s)].heads)
            row.push_back(a.sinkMass);
        sink.push_back(std::move(row));
        labels << (prompt + s < m_texts.size() ? quoted(m_texts[prompt + s]) : QString());
    }
    // The mean token-0 mass of the heads past layer 0, the figure the sink literature reports.
    double pastLayerZero = 0;
    int counted = 0;
    for (int l = 1; l < m_trace->layers; ++l)
        for (int h = 0; h < m_trace->heads; ++h, ++counted)
            pastLayerZero += m_trace->meanSinkMass(l, h);
    m_summary->setText(
        tr("%1 tokens generated after a %2-token prompt. Rows: each new token; columns: each head, "
           "layer by layer; colour: its attention on token 0 when the token was chosen, white 0 to red "
           "1 (mean past layer 0: %3). Click a cell, a generated token or use the arrow keys.")
            .arg(steps)
            .arg(prompt)
            .arg(counted > 0 ? percent(pastLayerZero / counted) : tr("n/a")));
    m_grid->setValues(std::move(sink), m_trace->layers, m_trace->heads, labels);
    // Room for every head's column when it fits in half the tab; the rest scrolls.
    m_gridScroll->setMinimumWidth(
        std::min(m_grid->width() + m_gridScroll->verticalScrollBar()->sizeHint().width() + 4, width() / 2));

    // The text: every position's own text, line breaks shown as "↵" before the break.
    QString text;
    std::vector<std::pair<int, int>> spans;
    for (const QString& piece : m_texts) {
        const int at = static_cast<int>(text.size());
        text += QString(piece).replace(QLatin1Char('\n'), QStringLiteral("↵\n"));
        spans.emplace_back(at, static_cast<int>(text.size()));
    }
    m_text->setTokens(text, spans, [this, prompt](int token) {
        TokenText::Look look;
        look.foreground = palette().color(QPalette::Text);
        look.background = palette().color(QPalette::Base);
        if (token >= prompt)
            look.background = QColor(222, 245, 222); // generated
        if (m_trace && m_step >= 0) {
            const analyses::HeadStepAttention& a = m_trace->at(m_step, m_layer, m_head);
            const auto key = std::find(a.keys.begin(), a.keys.end(), token);
            if (key != a.keys.end()) {
                const double p = a.probabilities[static_cast<std::size_t>(key - a.keys.begin())];
                look.background = QColor::fromRgbF(1.0 - 0.75 * p, 1.0 - 0.45 * p, 1.0);
                look.foreground = p > 0.6 ? Qt::white : palette().color(QPalette::Text);
            }
            if (token == prompt + m_step) {
                look.marked = true;
                look.background = QColor(40, 120, 40);
                look.foreground = Qt::white;
            }
        }
        return look;
    });

    if (steps > 0)
        m_grid->select(0, std::min(1, m_trace->layers - 1), 0);
    else
        m_details->setText(tr("No token was generated."));
}

void GenerationView::showStep(int step, int layer, int head) {
    if (!m_trace || step < 0 || step >= static_cast<int>(m_trace->steps.size()))
        return;
    m_step = step;
    m_layer = layer;
    m_head = head;
    if (m_grid->selectedStep() != step || m_grid->selectedLayer() != layer ||
        m_grid->selectedHead() != head) {
        m_grid->select(step, layer, head); // comes back here through cellSelected
        return;
    }
    const analyses::HeadStepAttention& a = m_trace->at(step, layer, head);
    const int prompt = static_cast<int>(m_trace->prompt.size());
    // Restyle only what the old and the new selection touch: a long text has thousands of tokens.
    std::vector<int> changed = m_styled;
    m_styled.assign(a.keys.begin(), a.keys.end());
    m_styled.push_back(prompt + step);
    changed.insert(changed.end(), m_styled.begin(), m_styled.end());
    m_text->restyle(changed);
    std::vector<std::pair<int, double>> links;
    QStringList keys;
    for (std::size_t k = 0; k < a.keys.size(); ++k) {
        links.emplace_back(a.keys[k], a.probabilities[k]);
        if (k < 5)
            keys << tr("%1 at %2 (%3)")
                        .arg(quoted(a.keys[k] < m_texts.size() ? m_texts[a.keys[k]] : QString()))
                        .arg(a.keys[k])
                        .arg(percent(a.probabilities[k]));
    }
    m_text->setLinks(prompt + step, links);
    const analyses::GenerationStep& s = m_trace->steps[static_cast<std::size_t>(step)];
    m_details->setText(
        tr("Step %1: %2 was chosen by row %3. Layer %4 head %5 put %6 on token 0 (entropy %7 nats); "
           "its strongest keys: %8.")
            .arg(step + 1)
            .arg(quoted(prompt + step < m_texts.size() ? m_texts[prompt + step] : QString()))
            .arg(s.row)
            .arg(layer)
            .arg(head)
            .arg(percent(a.sinkMass))
            .arg(a.entropy, 0, 'f', 2)
            .arg(keys.join(QStringLiteral(", "))));
}

QString GenerationView::details() const {
    return m_details->text();
}

bool GenerationView::saveTrace(const QString& path) {
    if (!m_trace) {
        Q_EMIT statusMessage(tr("Nothing to save: generate first"));
        return false;
    }
    // Built here, not kept: a long trace's JSON is many times the size of the trace.
    nlohmann::json document = analyses::generationDocument(*m_trace, m_options, m_continuation, m_rawTexts);
    document["model"] = m_model;
    QFile file(path);
    const QByteArray bytes = QByteArray::fromStdString(
        document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size()) {
        Q_EMIT statusMessage(tr("%1: cannot write the trace (%2)").arg(path, file.errorString()));
        return false;
    }
    Q_EMIT statusMessage(tr("Saved the generation trace to %1").arg(path));
    return true;
}

void GenerationView::chooseTracePath() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Generation Trace"),
                                                      QStringLiteral("generation.json"), tr("JSON (*.json)"));
    if (!path.isEmpty())
        saveTrace(path);
}

} // namespace attnscope::studio
