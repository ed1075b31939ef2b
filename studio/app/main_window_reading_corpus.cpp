// SPDX-License-Identifier: Apache-2.0
// Tools ▸ Correlate with Reading Corpus: the Reading tab's job — a word-level eye-tracking report read on
// the worker thread and compared, unit by unit, with the open model's word relevance.
#include "main_window.h"
#include "relevance_controls.h"

#include "../jobs/job_tracker.h"
#include "../views/reading_correlation_view.h"
#include "attnscope/core/log.h"
#include "attnscope/core/read_file.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>

#include <cmath>
#include <memory>

namespace attnscope::studio {

namespace {

constexpr const char* kCorpusPathKey = "reading/corpusPath";

QComboBox* combo(QDialog* dialog, const char* name, const QStringList& items) {
    auto* box = new QComboBox(dialog);
    box->setObjectName(QString::fromLatin1(name));
    box->addItems(items);
    return box;
}

} // namespace

quint64 MainWindow::correlateReadingCorpus() {
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("readingCorpusDialog"));
    dialog.setWindowTitle(tr("Correlate with Reading Corpus"));
    auto* form = new QFormLayout(&dialog);
    auto* path = new QLineEdit(QSettings().value(QString::fromLatin1(kCorpusPathKey)).toString(), &dialog);
    path->setObjectName(QStringLiteral("readingCorpusPath"));
    path->setPlaceholderText(tr("Provo_Corpus-Eyetracking_Data.csv, GECO or MECO as CSV"));
    auto* browse = new QPushButton(tr("Browse…"), &dialog);
    connect(browse, &QPushButton::clicked, &dialog, [&dialog, path] {
        const QString chosen =
            QFileDialog::getOpenFileName(&dialog, tr("Word-Level Reading Report"), path->text(),
                                         tr("Tables (*.csv *.tsv *.txt);;All files (*)"));
        if (!chosen.isEmpty())
            path->setText(chosen);
    });
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path, 1);
    pathRow->addWidget(browse);
    form->addRow(tr("Report"), pathRow);
    QComboBox* format = combo(
        &dialog, "readingCorpusFormat",
        {QStringLiteral("auto"), QStringLiteral("provo"), QStringLiteral("geco"), QStringLiteral("meco")});
    format->setToolTip(tr("auto reads the layout from the header"));
    form->addRow(tr("Format"), format);
    QComboBox* unit = combo(&dialog, "readingCorpusUnit", {tr("Texts"), tr("Sentences")});
    unit->setToolTip(tr("Correlate per text, or per sentence where the report numbers them (Provo)"));
    form->addRow(tr("Unit"), unit);
    QComboBox* encoding = combo(&dialog, "readingCorpusEncoding",
                                {QStringLiteral("auto"), QStringLiteral("utf8"), QStringLiteral("cp1252"),
                                 QStringLiteral("macroman")});
    encoding->setToolTip(tr("auto: UTF-8 when the bytes are valid UTF-8, else cp1252"));
    form->addRow(tr("Encoding"), encoding);
    auto* filter = new QLineEdit(&dialog);
    filter->setObjectName(QStringLiteral("readingCorpusFilter"));
    filter->setPlaceholderText(tr("COLUMN=VALUE, e.g. lang=en for MECO"));
    form->addRow(tr("Keep only rows"), filter);
    QComboBox* measure =
        combo(&dialog, "readingCorpusMeasure",
              {QStringLiteral("TRT"), QStringLiteral("relFix"), QStringLiteral("FFD"), QStringLiteral("GD"),
               QStringLiteral("GPT"), QStringLiteral("nFix"), QStringLiteral("skip")});
    measure->setToolTip(tr("TRT: total reading time; relFix: its share of the unit; FFD: first fixation; GD: "
                           "gaze duration; GPT: go-past time"));
    form->addRow(tr("Human measure"), measure);
    QComboBox* method = relevanceMethodBox(&dialog, QStringLiteral("readingCorpusMethod"), tr("per unit"));
    form->addRow(tr("Relevance"), method);
    QSpinBox* layer = relevanceLayerBox(&dialog, QStringLiteral("readingCorpusLayer"));
    form->addRow(tr("Layer"), layer);
    QComboBox* merge = combo(
        &dialog, "readingCorpusMerge",
        {QStringLiteral("sum"), QStringLiteral("max"), QStringLiteral("mean"), QStringLiteral("first")});
    merge->setToolTip(tr("How subword tokens' relevance makes a word's"));
    form->addRow(tr("Subwords"), merge);
    auto* keepEdges = new QCheckBox(tr("Compare the first and last words of each unit too"), &dialog);
    keepEdges->setObjectName(QStringLiteral("readingCorpusKeepEdges"));
    form->addRow(QString(), keepEdges);
    if (!execWithOkCancel(dialog, form))
        return 0;
    ReadingCorpusRequest request;
    request.path = path->text().trimmed();
    request.format = format->currentText();
    request.level =
        unit->currentIndex() == 1 ? scanpath::ReadingUnitLevel::Sentence : scanpath::ReadingUnitLevel::Text;
    request.encoding = *scanpath::textEncodingByName(encoding->currentText().toStdString());
    request.filter = filter->text().trimmed();
    request.correlation.measure = measure->currentText().toStdString();
    request.correlation.relevance.method =
        static_cast<analyses::RelevanceMethod>(method->currentData().toInt());
    request.correlation.relevance.layer = layer->value();
    request.correlation.relevance.merge = static_cast<scanpath::MergeFunction>(merge->currentIndex());
    request.correlation.keepEdges = keepEdges->isChecked();
    if (!request.path.isEmpty())
        QSettings().setValue(QString::fromLatin1(kCorpusPathKey), request.path);
    return startReadingCorrelation(request);
}

quint64 MainWindow::startReadingCorrelation(const ReadingCorpusRequest& request) {
    m_views->setCurrentWidget(m_reading);
    QString tokenizerPath;
    if (refuseTextModelJob(QString(), tokenizerPath))
        return 0;
    if (request.path.isEmpty() || !QFileInfo(request.path).isFile()) {
        showStatus(request.path.isEmpty() ? tr("Choose a word-level reading report first")
                                          : tr("%1: no such file").arg(request.path));
        return 0;
    }
    struct Job {
        std::string modelPath, tokenizerPath, corpusPath, format, filter;
        scanpath::ReadingUnitLevel level;
        scanpath::TextEncoding encoding;
        analyses::ReadingCorrelationRequest request;
        runtime::LoadOptions load;
        std::optional<scanpath::ReadingCorpus> corpus;
        std::optional<analyses::ReadingCorrelation> correlation;
    };
    auto job = std::make_shared<Job>();
    job->modelPath = m_modelPath.toStdString();
    job->tokenizerPath = tokenizerPath.toStdString();
    job->corpusPath = request.path.toStdString();
    job->format = request.format.toStdString();
    job->filter = request.filter.toStdString();
    job->level = request.level;
    job->encoding = request.encoding;
    job->request = request.correlation;
    job->load = loadOptions();
    m_reading->setRunning(true);
    return m_jobs->start(
        tr("Correlating with %1").arg(QFileInfo(request.path).fileName()),
        [job](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(job->corpusPath));
            ATTNSCOPE_ASSIGN_OR_RETURN(scanpath::ReadingCorpusFormat format,
                                       scanpath::readingCorpusFormatFor(job->format, bytes, job->corpusPath));
            if (!job->filter.empty())
                ATTNSCOPE_TRY(scanpath::setRowFilter(format, job->filter));
            ATTNSCOPE_ASSIGN_OR_RETURN(
                scanpath::ReadingCorpus corpus,
                scanpath::parseReadingCorpus(bytes, format, job->level, job->encoding, job->corpusPath));
            if (corpus.units.empty())
                return Status::invalidArgument("no reading units: every row was skipped or filtered out")
                    .inFile(job->corpusPath);
            ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                                       tokenizers::loadTokenizer(job->tokenizerPath));
            ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                                       runtime::Model::load(job->modelPath, job->load));
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::ReadingCorrelation correlation,
                analyses::correlateReading(*model, *tokenizer, corpus, job->request, progress));
            job->corpus = std::move(corpus);
            job->correlation = std::move(correlation);
            return Status::ok();
        },
        [this, job](const Status& status) {
            m_reading->setRunning(false);
            if (!status.isOk()) {
                showStatus(status.isCancelled() ? tr("Reading correlation cancelled")
                                                : tr("Reading correlation failed: %1")
                                                      .arg(QString::fromStdString(status.toString())));
                Q_EMIT readingCorrelated(false);
                return;
            }
            m_reading->setResult(std::move(*job->correlation), std::move(*job->corpus), job->modelPath,
                                 job->corpusPath);
            m_views->setCurrentWidget(m_reading);
            const analyses::ReadingCorrelation& c = *m_reading->result();
            const QString message =
                tr("Reading correlation: %1 of %2 units compared, Spearman ρ %3 per unit")
                    .arg(c.unitsCompared)
                    .arg(c.units.size())
                    .arg(std::isfinite(c.meanSpearman) ? QString::number(c.meanSpearman, 'f', 3)
                                                       : QStringLiteral("n/a"));
            showStatus(message);
            log::info("reading", message.toStdString());
            Q_EMIT readingCorrelated(true);
        });
}

} // namespace attnscope::studio
