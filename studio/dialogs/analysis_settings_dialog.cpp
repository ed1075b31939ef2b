// SPDX-License-Identifier: Apache-2.0
#include "analysis_settings_dialog.h"

#include "attnscope/analyses/suite_settings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace attnscope::studio {

namespace {

using Json = nlohmann::json;

/// The analyses a user picks, in the suite's names, with what each costs.
struct AnalysisChoice {
    const char* name;
    const char* label;
    const char* tip;
};
const AnalysisChoice kAnalyses[] = {
    {"sinks", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "&Sinks (StreamingLLM, ACT)"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "Token-0, sink and window mass per head; ACT sink sets")},
    {"similarity", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "Layer s&imilarity (EchoAtt)"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog",
                       "Cosine similarity of attention maps between layers and heads (paired tile passes)")},
    {"sparsity", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "S&parsity masks"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog",
                       "SeerAttention, FlexPrefill, AnchorAttention, A-shape, SnapKV and TokenSelect masks "
                       "with density and recall")},
    {"taxonomy", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "Head &taxonomy"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog",
                       "Sink, local, induction, retrieval, diffuse labels (runs the sinks)")},
    {"razor", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "&Induction and echo heads (RazorAttention)"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "A pass over repeated random tokens")},
    {"duo", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "&DuoAttention proxy"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "Streaming recall and output error per head")},
    {"retrieval", QT_TRANSLATE_NOOP("AnalysisSettingsDialog", "&Retrieval score (needle prompts; minutes)"),
     QT_TRANSLATE_NOOP("AnalysisSettingsDialog",
                       "Decodes the answer of every needle prompt (Wu et al.); runs RazorAttention and the "
                       "DuoAttention proxy too")},
};

/// Settings keys shown as comma-separated lists of integers.
bool isIntegerList(const QString& key) {
    return key == QLatin1String("snap_capacities") || key == QLatin1String("tokenselect_budgets");
}

/// "256, 512" as [256, 512]; a piece that is not a number stays a string, so that the check names it.
Json listFromText(const QString& text) {
    Json list = Json::array();
    for (const QString& piece :
         text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const long long value = piece.toLongLong(&ok);
        list.push_back(ok ? Json(value) : Json(piece.toStdString()));
    }
    return list;
}

QString textFromList(const Json& list) {
    QStringList pieces;
    for (const Json& value : list)
        pieces << QString::fromStdString(value.dump());
    return pieces.join(QStringLiteral(", "));
}

/// The spin box's value, or `stored` while the box still shows it (rounded to its decimals or clamped to
/// its range): a value from a file or a run is kept as written unless the user changes it.
double spinValue(const QDoubleSpinBox* spin, double stored) {
    const double shown = std::clamp(stored, spin->minimum(), spin->maximum());
    return spin->textFromValue(shown) == spin->textFromValue(spin->value()) ? stored : spin->value();
}

QSpinBox* intSpin(int minimum, int maximum, const QString& tip) {
    auto* spin = new QSpinBox;
    spin->setRange(minimum, maximum);
    spin->setToolTip(tip);
    spin->setAccelerated(true);
    return spin;
}

/// Six decimals, so that typed values are not rounded to the step's precision (values from a file or a
/// run are kept exactly while untouched: spinValue).
QDoubleSpinBox* doubleSpin(double minimum, double maximum, double step, const QString& tip) {
    auto* spin = new QDoubleSpinBox;
    spin->setDecimals(6);
    spin->setRange(minimum, maximum);
    spin->setSingleStep(step);
    spin->setToolTip(tip);
    spin->setAccelerated(true);
    return spin;
}

/// The table's bound on thresholds (suite_settings.cpp), so that no stored value is clamped.
constexpr double kMaxThreshold = 1e9;

} // namespace

analyses::SuiteOptions AnalysisSettingsDialog::studioDefaults() {
    analyses::SuiteOptions options;
    options.analyses = "sinks,similarity,sparsity,taxonomy,razor,duo";
    return options;
}

AnalysisSettingsDialog::AnalysisSettingsDialog(const analyses::SuiteOptions& current, QWidget* parent)
    : QDialog(parent), m_options(current), m_error(new QLabel(this)),
      m_buttons(new QDialogButtonBox(
          QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this)) {
    setWindowTitle(tr("Analysis Settings"));
    setObjectName(QStringLiteral("analysisSettingsDialog"));
    auto* tabs = new QTabWidget(this);
    tabs->addTab(createAnalysesPage(), tr("Analyses"));
    tabs->addTab(createSinksPage(), tr("Sinks"));
    tabs->addTab(createRetrievalPage(), tr("Retrieval"));
    tabs->addTab(createSparsityPage(), tr("Similarity && Sparsity"));

    m_error->setObjectName(QStringLiteral("analysisSettingsError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    QPushButton* load = m_buttons->addButton(tr("&Load…"), QDialogButtonBox::ActionRole);
    load->setToolTip(tr("Read settings from a JSON file (as attnscope-cli analyze --settings reads)"));
    QPushButton* save = m_buttons->addButton(tr("Sa&ve…"), QDialogButtonBox::ActionRole);
    save->setToolTip(tr("Write these settings as JSON, for attnscope-cli analyze --settings FILE"));
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load Analysis Settings"), QString(),
                                                          tr("JSON (*.json);;All files (*)"));
        if (!path.isEmpty())
            loadFile(path);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save Analysis Settings"),
                                         QStringLiteral("analysis-settings.json"), tr("JSON (*.json)"));
        if (!path.isEmpty())
            saveFile(path);
    });
    connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &AnalysisSettingsDialog::restoreDefaults);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    showOptions(current);
    resize(560, 480);
}

void AnalysisSettingsDialog::addField(QFormLayout* form, const QString& key, const QString& label,
                                      QWidget* widget) {
    m_fields.insert(key, widget);
    form->addRow(label, widget);
}

QWidget* AnalysisSettingsDialog::createAnalysesPage() {
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(new QLabel(tr("Tools \u25B8 Analyze Input (Ctrl+R) runs:"), page));
    for (const AnalysisChoice& choice : kAnalyses) {
        auto* box = new QCheckBox(tr(choice.label), page);
        box->setToolTip(tr(choice.tip));
        m_fields.insert(QStringLiteral("analysis:") + QLatin1String(choice.name), box);
        connect(box, &QCheckBox::toggled, this, &AnalysisSettingsDialog::updateImpliedAnalyses);
        layout->addWidget(box);
    }
    auto* note = new QLabel(tr("Tools \u25B8 Run Needle Test (Ctrl+Shift+R) runs the retrieval family, the "
                               "sinks and the taxonomy with these parameters."),
                            page);
    note->setWordWrap(true);
    layout->addWidget(note);
    layout->addStretch();
    return page;
}

QWidget* AnalysisSettingsDialog::createSinksPage() {
    auto* page = new QWidget;
    auto* form = new QFormLayout(page);
    addField(form, QStringLiteral("sink_tokens"), tr("StreamingLLM sink tokens S:"),
             intSpin(0, INT_MAX, tr("The first S keys counted as the sink (start_size; default 4)")));
    addField(
        form, QStringLiteral("window"), tr("Recent window W:"),
        intSpin(0, INT_MAX, tr("The W most recent keys (recent_size; default 2000, capped at the input)")));
    addField(form, QStringLiteral("act_threshold"), tr("ACT threshold:"),
             doubleSpin(0, 1, 0.01,
                        tr("A token is a sink when its mean received attention exceeds this "
                           "(the reference scripts' THRES, 0.1)")));
    m_relativeAlpha = new QCheckBox(tr("Use α/N instead (the paper)"), page);
    m_relativeAlpha->setObjectName(QStringLiteral("actRelativeAlpha"));
    form->addRow(QString(), m_relativeAlpha);
    auto* alpha = doubleSpin(1e-6, kMaxThreshold, 0.5, tr("α of the relative threshold α/N (N: tokens)"));
    addField(form, QStringLiteral("act_alpha"), tr("ACT α:"), alpha);
    connect(m_relativeAlpha, &QCheckBox::toggled, this, [this, alpha](bool on) {
        alpha->setEnabled(on);
        field(QStringLiteral("act_threshold"))->setEnabled(!on);
    });
    auto* firstSink = new QComboBox(page);
    firstSink->addItem(tr("Drop the first sink (reference code)"), QStringLiteral("drop-first"));
    firstSink->addItem(tr("Exclude token 0"), QStringLiteral("exclude-token0"));
    firstSink->addItem(tr("Keep every sink"), QStringLiteral("keep-all"));
    firstSink->setToolTip(tr("What ACT does with the first sink it finds (METHODS.md \u00A72)"));
    addField(form, QStringLiteral("act_first_sink"), tr("ACT first sink:"), firstSink);
    return page;
}

QWidget* AnalysisSettingsDialog::createRetrievalPage() {
    auto* page = new QWidget;
    auto* form = new QFormLayout(page);
    auto fileRow = [&](const QString& key, const QString& label, const QString& placeholder,
                       const QString& filter) {
        auto* edit = new QLineEdit(page);
        edit->setPlaceholderText(placeholder);
        m_fields.insert(key, edit);
        auto* browse = new QPushButton(tr("Browse…"), page);
        connect(browse, &QPushButton::clicked, this, [this, edit, label, filter] {
            const QString path = QFileDialog::getOpenFileName(this, label, edit->text(), filter);
            if (!path.isEmpty())
                edit->setText(path);
        });
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(browse);
        form->addRow(label, row);
    };
    fileRow(QStringLiteral("needles"), tr("Needle prompts:"),
            tr("the bundled prompts (samples/needles.jsonl)"),
            tr("JSON lines (*.jsonl *.json);;All files (*)"));
    auto* span = intSpin(0, INT_MAX, tr("Random tokens per copy of RazorAttention's probe"));
    span->setSpecialValueText(tr("what the trained context allows (at most 2500)"));
    addField(form, QStringLiteral("razor_span"), tr("RazorAttention span:"), span);
    addField(form, QStringLiteral("razor_repeats"), tr("Copies:"),
             intSpin(2, 64, tr("Copies of the random span (default 4)")));
    addField(form, QStringLiteral("induction_ratio"), tr("Induction heads kept:"),
             doubleSpin(0, 1, 0.01, tr("Top share of KV heads kept by induction score (default 0.14)")));
    addField(form, QStringLiteral("echo_ratio"), tr("Echo heads kept:"),
             doubleSpin(0, 1, 0.01, tr("Top share of KV heads kept by echo score (default 0.01)")));
    auto* seed = new QLineEdit(page);
    seed->setToolTip(tr("Seed of the probe's random tokens (0 to 2^64 - 1)"));
    addField(form, QStringLiteral("seed"), tr("Seed:"), seed);
    addField(form, QStringLiteral("duo_sink"), tr("DuoAttention sink tokens:"),
             intSpin(0, INT_MAX, tr("Sink size of the streaming branch (default 64)")));
    addField(form, QStringLiteral("duo_recent"), tr("DuoAttention recent tokens:"),
             intSpin(0, INT_MAX, tr("Recent window of the streaming branch (default 256)")));
    fileRow(QStringLiteral("duo_gates"), tr("DuoAttention gates:"), tr("none (optional trained gates, TSV)"),
            tr("Gates (*.tsv *.txt);;All files (*)"));
    return page;
}

QWidget* AnalysisSettingsDialog::createSparsityPage() {
    auto* page = new QWidget;
    auto* form = new QFormLayout(page);
    addField(form, QStringLiteral("layers_per_block"), tr("EchoAtt layers per block k:"),
             intSpin(1, 1024, tr("Consecutive layers per proposed shared block (default 2)")));
    addField(form, QStringLiteral("flex_gamma"), tr("FlexPrefill \u03B3:"),
             doubleSpin(0, 1, 0.01, tr("Cumulative-attention threshold (default 0.9)")));
    addField(form, QStringLiteral("flex_tau"), tr("FlexPrefill \u03C4:"),
             doubleSpin(0, kMaxThreshold, 0.01, tr("Pattern threshold: query-aware below it (default 0.1)")));
    addField(form, QStringLiteral("flex_min_budget"), tr("FlexPrefill min budget:"),
             intSpin(0, INT_MAX, tr("Tokens (library default 512; the paper's scripts 1024)")));
    addField(form, QStringLiteral("anchor_theta"), tr("AnchorAttention \u03B8:"),
             doubleSpin(0, kMaxThreshold, 0.5, tr("Stripe threshold (default 12)")));
    addField(form, QStringLiteral("decode_rows"), tr("Decode rows:"),
             intSpin(0, INT_MAX,
                     tr("The last tokens scored as decode steps by SnapKV and TokenSelect (0: skip both)")));
    auto* capacities = new QLineEdit(page);
    capacities->setToolTip(tr("Cache sizes C, comma-separated"));
    addField(form, QStringLiteral("snap_capacities"), tr("SnapKV capacities:"), capacities);
    auto* maxPool = new QCheckBox(tr("Max pooling (LongBench configs) instead of average"), page);
    addField(form, QStringLiteral("snap_max_pool"), QString(), maxPool);
    auto* budgets = new QLineEdit(page);
    budgets->setToolTip(tr("Budgets K, comma-separated"));
    addField(form, QStringLiteral("tokenselect_budgets"), tr("TokenSelect budgets:"), budgets);
    auto* modulo =
        new QCheckBox(tr("Pair query head h with KV head h % kv_heads (the reference kernel)"), page);
    addField(form, QStringLiteral("tokenselect_modulo_kv"), QString(), modulo);
    return page;
}

void AnalysisSettingsDialog::showOptions(const analyses::SuiteOptions& options) {
    const Json json = analyses::suiteSettingsToJson(options);
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const std::string key = it.key().toStdString();
        if (!json.contains(key))
            continue; // the analyses' boxes, below
        const Json& value = json[key];
        if (auto* spin = qobject_cast<QSpinBox*>(it.value()))
            spin->setValue(value.get<int>());
        else if (auto* spin = qobject_cast<QDoubleSpinBox*>(it.value()))
            spin->setValue(value.get<double>());
        else if (auto* box = qobject_cast<QCheckBox*>(it.value()))
            box->setChecked(value.get<bool>());
        else if (auto* combo = qobject_cast<QComboBox*>(it.value()))
            combo->setCurrentIndex(combo->findData(QString::fromStdString(value.get<std::string>())));
        else if (auto* edit = qobject_cast<QLineEdit*>(it.value()))
            edit->setText(value.is_array()    ? textFromList(value)
                          : value.is_string() ? QString::fromStdString(value.get<std::string>())
                                              : QString::fromStdString(value.dump()));
    }
    const bool relative = options.sinks.actThreshold == analyses::ActThreshold::RelativeAlpha;
    m_relativeAlpha->setChecked(relative);
    qobject_cast<QDoubleSpinBox*>(field(QStringLiteral("act_alpha")))->setValue(options.sinks.actAlpha);
    field(QStringLiteral("act_alpha"))->setEnabled(relative);
    field(QStringLiteral("act_threshold"))->setEnabled(!relative);

    const auto wanted = analyses::suiteAnalyses(options.analyses);
    for (const AnalysisChoice& choice : kAnalyses) {
        auto* box = qobject_cast<QCheckBox*>(field(QStringLiteral("analysis:") + QLatin1String(choice.name)));
        const QSignalBlocker block(box);
        box->setChecked(wanted && wanted->count(choice.name));
    }
    updateImpliedAnalyses();
}

Json AnalysisSettingsDialog::widgetSettings() const {
    const Json stored = analyses::suiteSettingsToJson(m_options); // what the widgets were filled from
    Json json = Json::object();
    QStringList analyses;
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const QString& key = it.key();
        if (key.startsWith(QLatin1String("analysis:"))) {
            auto* box = qobject_cast<QCheckBox*>(it.value());
            if (box->isChecked())
                analyses << key.mid(9);
            continue;
        }
        const std::string name = key.toStdString();
        if (auto* spin = qobject_cast<QSpinBox*>(it.value()))
            json[name] = spin->value();
        else if (auto* spin = qobject_cast<QDoubleSpinBox*>(it.value()))
            json[name] = spinValue(spin, stored[name].get<double>());
        else if (auto* box = qobject_cast<QCheckBox*>(it.value()))
            json[name] = box->isChecked();
        else if (auto* combo = qobject_cast<QComboBox*>(it.value()))
            json[name] = combo->currentData().toString().toStdString();
        else if (auto* edit = qobject_cast<QLineEdit*>(it.value())) {
            const QString text = edit->text().trimmed();
            if (isIntegerList(key)) {
                json[name] = listFromText(text);
            } else if (key == QLatin1String("seed")) {
                bool ok = false;
                const qulonglong seed = text.toULongLong(&ok);
                json[name] = ok ? Json(static_cast<uint64_t>(seed)) : Json(text.toStdString());
            } else {
                json[name] = text.toStdString();
            }
        }
    }
    // Stable order: the dialog's, not the hash's.
    QStringList ordered;
    for (const AnalysisChoice& choice : kAnalyses)
        if (analyses.contains(QLatin1String(choice.name)))
            ordered << QLatin1String(choice.name);
    json["analyses"] = ordered.join(QLatin1Char(',')).toStdString();
    json["act_alpha"] = m_relativeAlpha->isChecked()
                            ? spinValue(qobject_cast<QDoubleSpinBox*>(field(QStringLiteral("act_alpha"))),
                                        m_options.sinks.actAlpha)
                            : 0.0;
    return json;
}

void AnalysisSettingsDialog::updateImpliedAnalyses() {
    auto box = [this](const char* name) {
        return qobject_cast<QCheckBox*>(field(QStringLiteral("analysis:") + QLatin1String(name)));
    };
    const bool retrieval = box("retrieval")->isChecked(), taxonomy = box("taxonomy")->isChecked();
    // A box another one implies is ticked and locked; unticking the other gives it back to the user.
    const std::initializer_list<std::pair<const char*, bool>> implications = {
        {"razor", retrieval}, {"duo", retrieval}, {"sinks", taxonomy}};
    for (const auto& [name, implied] : implications) {
        QCheckBox* b = box(name);
        const QSignalBlocker block(b);
        if (implied)
            b->setChecked(true);
        b->setEnabled(!implied);
    }
}

bool AnalysisSettingsDialog::apply() {
    analyses::SuiteOptions options = m_options;
    const Status status = analyses::applySuiteSettings(widgetSettings(), options, "analysis settings");
    if (!status.isOk()) {
        // The file is this dialog itself: name the setting only.
        showError(tr("%1: %2").arg(QString::fromStdString(status.field()),
                                   QString::fromStdString(status.message())));
        return false;
    }
    m_options = options;
    showError(QString());
    return true;
}

void AnalysisSettingsDialog::restoreDefaults() {
    m_options = studioDefaults(); // the parameters without a widget too
    showOptions(m_options);
    showError(QString());
}

bool AnalysisSettingsDialog::loadFile(const QString& path) {
    const std::string file = path.toStdString();
    const auto json = analyses::readSuiteSettingsFile(file);
    if (!json) {
        showError(QString::fromStdString(json.status().toString()));
        return false;
    }
    return loadSettings(*json, file);
}

void AnalysisSettingsDialog::offerRunSettings(qint64 runId, const nlohmann::json& parameters,
                                              const QString& project) {
    m_runParameters = parameters;
    auto* button = m_buttons->addButton(tr("From &Run %1").arg(runId), QDialogButtonBox::ActionRole);
    button->setObjectName(QStringLiteral("fromRunButton"));
    button->setToolTip(tr("The settings run %1 of %2 (the shown run) was made with, its analyses included")
                           .arg(runId)
                           .arg(project));
    const std::string source = "run " + std::to_string(runId);
    connect(button, &QPushButton::clicked, this, [this, source] { loadSettings(m_runParameters, source); });
}

bool AnalysisSettingsDialog::loadSettings(const nlohmann::json& settings, const std::string& source) {
    // Over what the widgets show now (a file may hold only what it changes).
    analyses::SuiteOptions options = m_options;
    Status status = analyses::applySuiteSettings(widgetSettings(), options, "analysis settings");
    if (status.isOk())
        status = analyses::applySuiteSettings(settings, options, source);
    if (!status.isOk()) {
        showError(QString::fromStdString(status.toString()));
        return false;
    }
    m_options = options; // the file's parameters without a widget (generated prompts) are kept too
    showOptions(options);
    showError(QString());
    return true;
}

bool AnalysisSettingsDialog::saveFile(const QString& path) {
    if (!apply())
        return false;
    QSaveFile out(path);
    const QByteArray bytes =
        QByteArray::fromStdString(analyses::suiteSettingsToJson(m_options).dump(2) + "\n");
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) {
        showError(tr("%1: cannot write (%2)").arg(path, out.errorString()));
        return false;
    }
    return true;
}

QString AnalysisSettingsDialog::errorText() const {
    return m_error->text();
}

void AnalysisSettingsDialog::showError(const QString& text) {
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

} // namespace attnscope::studio
