// SPDX-License-Identifier: Apache-2.0
#include "evaluate_dialog.h"

#include "attnscope/analyses/sparse_interventions.h"
#include "intervention_fields.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace attnscope::studio {

namespace {

QSpinBox* spin(QWidget* parent, const char* name, int minimum, int maximum, int value, const QString& tip) {
    auto* box = new QSpinBox(parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setRange(minimum, maximum);
    box->setValue(value);
    box->setToolTip(tip);
    return box;
}

/// A check box, a path field and a Browse button in one row.
QWidget* fileRow(QWidget* parent, QLineEdit* edit, const QString& filter) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QPushButton(QObject::tr("Browse…"), row);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, row, [edit, filter, row] {
        const QString path =
            QFileDialog::getOpenFileName(row, QObject::tr("Choose a file"), edit->text(), filter);
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}

} // namespace

EvaluateDialog::EvaluateDialog(const analyses::SinkParameters& sinkRule, bool haveInputText,
                               const QString& needles, const QString& copying, QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("evaluateDialog"));
    setWindowTitle(tr("Evaluate Model"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Measures the model as a language model — under the changes below, and "
                                "beside the model as trained — as attnscope-cli evaluate does."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* measure = new QGroupBox(tr("Measure"), this);
    auto* measureForm = new QFormLayout(measure);
    m_perplexity = new QCheckBox(tr("&Perplexity of the input text"), measure);
    m_perplexity->setObjectName(QStringLiteral("perplexityCheck"));
    m_perplexity->setEnabled(haveInputText);
    m_perplexity->setChecked(haveInputText);
    if (!haveInputText)
        m_perplexity->setToolTip(tr("Type or load an input text first"));
    m_window = spin(measure, "windowSpin", 2, 1 << 20, 1024, tr("Tokens per scoring window, BOS included"));
    measureForm->addRow(m_perplexity, m_window);
    m_needles = new QCheckBox(tr("&Needle retrieval (greedy exact match):"), measure);
    m_needles->setObjectName(QStringLiteral("needlesCheck"));
    m_needles->setChecked(!needles.isEmpty());
    m_needlesFile = new QLineEdit(needles, measure);
    m_needlesFile->setObjectName(QStringLiteral("needlesEdit"));
    m_needlesFile->setToolTip(tr("JSON lines of {\"prompt\", \"answer\"}"));
    measureForm->addRow(m_needles,
                        fileRow(measure, m_needlesFile, tr("Needle prompts (*.jsonl);;All files (*)")));
    m_copying = new QCheckBox(tr("In-context &copying:"), measure);
    m_copying->setObjectName(QStringLiteral("copyingCheck"));
    m_copying->setChecked(!copying.isEmpty());
    m_copyingFile = new QLineEdit(copying, measure);
    m_copyingFile->setObjectName(QStringLiteral("copyingEdit"));
    m_copyingFile->setToolTip(tr("JSON {\"ids\", \"span\", \"repeats\"}: the mean loss of each copy"));
    measureForm->addRow(m_copying,
                        fileRow(measure, m_copyingFile, tr("Copying probes (*.json);;All files (*)")));
    layout->addWidget(measure);

    auto* change = new QGroupBox(tr("Change the model (training-free)"), this);
    auto* changeLayout = new QVBoxLayout(change);
    m_fields = new InterventionFields(sinkRule, change);
    changeLayout->addWidget(m_fields);
    auto* sparseForm = new QFormLayout;
    changeLayout->addLayout(sparseForm);
    m_sparse = new QComboBox(change);
    m_sparse->setObjectName(QStringLiteral("sparseCombo"));
    m_sparse->addItems({tr("None (dense)"), tr("StreamingLLM: sinks + window"),
                        tr("FlexPrefill: sparse prefill"), tr("SnapKV: compressed KV cache")});
    sparseForm->addRow(tr("Sparse &attention:"), m_sparse);
    auto* stack = new QStackedWidget(change);
    stack->addWidget(new QWidget(stack));
    auto* streaming = new QWidget(stack);
    auto* streamingForm = new QFormLayout(streaming);
    m_sinks = spin(streaming, "streamingSinksSpin", 0, 1 << 20, 4,
                   tr("Attention-sink tokens every token keeps seeing (0: a plain window)"));
    m_streamingWindow = spin(streaming, "streamingWindowSpin", 1, 1 << 24, 256,
                             tr("Each token sees its own last W tokens (itself included), in every layer"));
    streamingForm->addRow(tr("Sinks:"), m_sinks);
    streamingForm->addRow(tr("Window:"), m_streamingWindow);
    stack->addWidget(streaming);
    auto* flex = new QWidget(stack);
    auto* flexForm = new QFormLayout(flex);
    analyses::SparsityParameters flexDefaults;
    m_gamma = new QDoubleSpinBox(flex);
    m_gamma->setObjectName(QStringLiteral("flexGammaSpin"));
    m_gamma->setRange(0.0, 1.0);
    m_gamma->setDecimals(3);
    m_gamma->setSingleStep(0.05);
    m_gamma->setValue(flexDefaults.flexGamma);
    m_gamma->setToolTip(tr("The cumulative attention FlexPrefill's budgets cover"));
    m_block = spin(flex, "flexBlockSpin", 1, 1 << 16, flexDefaults.flexBlock, tr("Block size (tokens)"));
    m_minBudget = spin(flex, "flexMinBudgetSpin", 0, 1 << 24, flexDefaults.flexMinBudget,
                       tr("min_budget (tokens); inputs up to max(2 blocks, this) run dense"));
    flexForm->addRow(tr("γ:"), m_gamma);
    flexForm->addRow(tr("Block:"), m_block);
    flexForm->addRow(tr("Min budget:"), m_minBudget);
    stack->addWidget(flex);
    auto* snap = new QWidget(stack);
    auto* snapForm = new QFormLayout(snap);
    m_capacity = spin(snap, "snapCapacitySpin", 1, 1 << 24, 512, tr("Prompt keys each head keeps"));
    m_observation = spin(snap, "snapWindowSpin", 1, 1 << 24, 32,
                         tr("The prompt's last tokens, whose attention votes for the keys (always kept)"));
    snapForm->addRow(tr("Capacity:"), m_capacity);
    snapForm->addRow(tr("Observation window:"), m_observation);
    stack->addWidget(snap);
    changeLayout->addWidget(stack);
    connect(m_sparse, &QComboBox::currentIndexChanged, stack, &QStackedWidget::setCurrentIndex);
    layout->addWidget(change);

    m_compare = new QCheckBox(tr("Also measure the model as trained and show the &change"), this);
    m_compare->setObjectName(QStringLiteral("compareCheck"));
    m_compare->setChecked(true);
    layout->addWidget(m_compare);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("evaluateError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->hide();
    layout->addWidget(m_error);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Evaluate"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

bool EvaluateDialog::measurePerplexity() const {
    return m_perplexity->isEnabled() && m_perplexity->isChecked();
}

bool EvaluateDialog::refuse(const QString& message, QWidget* focus) {
    m_error->setText(message);
    m_error->show();
    if (focus)
        focus->setFocus();
    return false;
}

bool EvaluateDialog::apply() {
    analyses::EvaluationRequest request;
    request.window = m_window->value();
    request.compareBaseline = m_compare->isChecked();
    const std::pair<QCheckBox*, QLineEdit*> files[] = {{m_needles, m_needlesFile},
                                                       {m_copying, m_copyingFile}};
    for (const auto& [check, edit] : files)
        if (check->isChecked() && !QFileInfo(edit->text().trimmed()).isFile())
            return refuse(tr("%1 no such file: %2").arg(check->text().remove(QLatin1Char('&')), edit->text()),
                          edit);
    if (m_needles->isChecked())
        request.needlesFile = m_needlesFile->text().trimmed().toStdString();
    if (m_copying->isChecked())
        request.copyingFile = m_copyingFile->text().trimmed().toStdString();
    if (!measurePerplexity() && request.needlesFile.empty() && request.copyingFile.empty())
        return refuse(tr("Nothing to measure: choose perplexity, needles or copying."), m_needles);

    auto parsed = m_fields->parse();
    if (!parsed)
        return refuse(QStringLiteral("%1: %2").arg(QString::fromStdString(parsed.status().field()),
                                                   QString::fromStdString(parsed.status().message())),
                      nullptr);
    runtime::Interventions interventions = std::move(parsed).value();
    switch (m_sparse->currentIndex()) {
    case 1:
        interventions.streaming = runtime::StreamingAttention{m_sinks->value(), m_streamingWindow->value()};
        break;
    case 2: {
        analyses::SparsityParameters flex;
        flex.flexGamma = m_gamma->value();
        flex.flexBlock = m_block->value();
        flex.flexMinBudget = m_minBudget->value();
        interventions.sparsePrefill = analyses::flexPrefillIntervention(flex);
        break;
    }
    case 3:
        if (m_observation->value() >= m_capacity->value())
            return refuse(tr("SnapKV: the observation window must be smaller than the capacity."),
                          m_observation);
        if (request.needlesFile.empty())
            return refuse(
                tr("SnapKV changes decoding only, and only the needle prompts decode: choose them."),
                m_needles);
        interventions.kvSelection =
            analyses::snapKvIntervention(m_capacity->value(), m_observation->value(), 5, false);
        break;
    default:
        break;
    }
    if (interventions.sparse() && interventions.calibration)
        return refuse(tr("Sparse attention cannot be combined with ACT calibration: its closed form "
                         "redistributes the dense attention."),
                      m_sparse);
    if (request.compareBaseline && interventions.empty())
        request.compareBaseline = false; // nothing changed: one measurement is the baseline
    m_request = std::move(request);
    m_interventions = std::move(interventions);
    m_error->hide();
    m_error->clear();
    return true;
}

QString EvaluateDialog::sparseLabel() const {
    switch (m_sparse->currentIndex()) {
    case 1:
        return tr("StreamingLLM %1 + %2").arg(m_sinks->value()).arg(m_streamingWindow->value());
    case 2:
        return tr("FlexPrefill γ %1").arg(m_gamma->value());
    case 3:
        return tr("SnapKV %1").arg(m_capacity->value());
    default:
        return {};
    }
}

QString EvaluateDialog::label() const {
    QStringList parts;
    if (const QString fields = m_fields->label(); !fields.isEmpty())
        parts << fields;
    if (const QString sparse = sparseLabel(); !sparse.isEmpty())
        parts << sparse;
    return parts.isEmpty() ? tr("as trained") : parts.join(QStringLiteral(" · "));
}

QString EvaluateDialog::errorText() const {
    return m_error->text();
}

} // namespace attnscope::studio
