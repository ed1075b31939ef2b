// SPDX-License-Identifier: Apache-2.0
// File > Import Gaze Recording: gaze files read off the GUI thread into the Gaze tab.
#include "main_window.h"
#include "relevance_controls.h"

#include "../dialogs/gaze_columns_dialog.h"
#include "../jobs/job_tracker.h"
#include "../views/gaze_view.h"
#include "../views/model_input_panel.h"
#include "attnscope/core/log.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "model_files.h"
#include "model_job_input.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QSpinBox>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace attnscope::studio {

void MainWindow::chooseGazeFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import Gaze Recording"), m_settings.lastDirectory(),
                                     tr("Gaze recordings (*.asc *.tsv *.csv *.txt *.json);;EyeLink ASC "
                                        "(*.asc);;Fixation tables (*.tsv *.csv "
                                        "*.txt);;STI search set (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastDirectory(QFileInfo(path).absolutePath());
    importGaze(path);
}

void MainWindow::importGaze(const QString& path, std::optional<scanpath::TableFormat> table) {
    scanpath::GazeReadOptions options;
    options.table = table;
    using Result = std::shared_ptr<Expected<scanpath::GazeRecording>>;
    auto* watcher = new QFutureWatcher<Result>(this);
    showStatus(tr("Reading %1…").arg(path));
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, table] {
        watcher->deleteLater();
        Result result = watcher->result();
        if (!*result) {
            const Status& status = result->status();
            // A table in no known layout: ask which columns hold the fixations, then read it again.
            if (!table && status.code() == StatusCode::InvalidArgument && status.field() == "header") {
                QFile file(path);
                const QByteArray head = file.open(QIODevice::ReadOnly) ? file.read(64 * 1024) : QByteArray();
                GazeColumnsDialog dialog(QFileInfo(path).fileName(), GazeColumnsDialog::headerColumns(head),
                                         this);
                if (dialog.exec() == QDialog::Accepted) {
                    importGaze(path, dialog.format());
                    return;
                }
            }
            const QString message = QString::fromStdString(status.toString());
            showStatus(message);
            log::error("gaze", status.toString());
            Q_EMIT gazeImportFinished(false, message);
            return;
        }
        const int count = static_cast<int>((*result)->scanpaths.size());
        const int skipped = (*result)->skippedRows;
        m_gaze->addRecording(QFileInfo(path).fileName(), std::move(**result));
        m_views->setCurrentWidget(m_gaze);
        QString message = count == 1 ? tr("Imported 1 scanpath from %1").arg(path)
                                     : tr("Imported %1 scanpaths from %2").arg(count).arg(path);
        if (skipped > 0)
            message += tr(" (%1 rows without a position skipped)").arg(skipped);
        showStatus(message);
        log::info("gaze", message.toStdString());
        Q_EMIT gazeImportFinished(true, message);
    });
    watcher->setFuture(QtConcurrent::run([path, options] {
        return std::make_shared<Expected<scanpath::GazeRecording>>(
            scanpath::readGaze(path.toStdString(), options));
    }));
}

} // namespace attnscope::studio

namespace attnscope::studio {

quint64 MainWindow::predictReading() {
    // What the reading is read from: the method and the layer (scanpath predict's --method and --layer).
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("readingDialog"));
    dialog.setWindowTitle(tr("Predict Reading Scanpath"));
    auto* form = new QFormLayout(&dialog);
    QComboBox* method = relevanceMethodBox(&dialog, QStringLiteral("readingMethod"));
    form->addRow(tr("Relevance"), method);
    QSpinBox* layer = relevanceLayerBox(&dialog, QStringLiteral("readingLayer"));
    form->addRow(tr("Layer"), layer);
    if (!execWithOkCancel(dialog, form))
        return 0;
    analyses::ReadingRelevanceRequest request;
    request.method = static_cast<analyses::RelevanceMethod>(method->currentData().toInt());
    request.layer = layer->value();
    return startReadingPrediction(request);
}

quint64 MainWindow::startReadingPrediction(const analyses::ReadingRelevanceRequest& request) {
    QString tokenizerPath;
    if (refuseTextModelJob(tr("its reading is predicted"), tokenizerPath))
        return 0;
    const QString text = m_modelPanel->inputText();
    struct Job {
        std::string modelPath, tokenizerPath, text;
        analyses::ReadingRelevanceRequest request;
        runtime::LoadOptions load;
        std::optional<analyses::ReadingRelevance> relevance;
        scanpath::Scanpath predicted;
    };
    auto job = std::make_shared<Job>(Job{m_modelPath.toStdString(),
                                         tokenizerPath.toStdString(),
                                         text.toStdString(),
                                         request,
                                         loadOptions(),
                                         {},
                                         {}});
    return m_jobs->start(
        tr("Predicting the reading scanpath"),
        [job](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(
                ModelJobInput input,
                loadModelJobInput(job->modelPath, job->tokenizerPath, job->text, job->load));
            ATTNSCOPE_ASSIGN_OR_RETURN(analyses::ReadingRelevance relevance,
                                       analyses::readingRelevance(*input.model, input.encoding.ids,
                                                                  input.encoding.offsets, job->text,
                                                                  job->request, progress));
            job->predicted = scanpath::predictReading(relevance.wordRelevance);
            job->relevance = std::move(relevance);
            return Status::ok();
        },
        [this, job](const Status& status) {
            if (!status.isOk()) {
                showStatus(
                    status.isCancelled()
                        ? tr("Reading prediction cancelled")
                        : tr("Reading prediction failed: %1").arg(QString::fromStdString(status.toString())));
                Q_EMIT readingPredicted(false);
                return;
            }
            m_gaze->addReading(QFileInfo(QString::fromStdString(job->modelPath)).fileName(), *job->relevance,
                               job->predicted);
            m_views->setCurrentWidget(m_gaze);
            const QString message =
                tr("Predicted reading: %1 of %2 words fixated (relevance: %3 attention, layer %4)")
                    .arg(job->predicted.fixations.size())
                    .arg(job->relevance->words.size())
                    .arg(QString::fromLatin1(analyses::relevanceMethodName(job->request.method)))
                    .arg(job->relevance->layer);
            showStatus(message);
            log::info("gaze", message.toStdString());
            Q_EMIT readingPredicted(true);
        });
}

} // namespace attnscope::studio
