// SPDX-License-Identifier: Apache-2.0
// MainWindow's Tools > Evaluate Model: the language-model checks of `attnscope-cli evaluate` (perplexity,
// needles, copying) on the open model, under interventions and sparse attention, as a background job whose
// figures go to a table (EvaluationResultsDialog) and can be saved as the CLI's JSON.
#include "main_window.h"

#include "../dialogs/evaluate_dialog.h"
#include "../dialogs/evaluation_results_dialog.h"
#include "../jobs/job_tracker.h"
#include "../views/model_input_panel.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/core/log.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "model_files.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSaveFile>
#include <QTableWidget>

#include <memory>

namespace attnscope::studio {

quint64 MainWindow::evaluateModel() {
    if (refuseModelJob())
        return 0;
    EvaluateDialog dialog(m_analysisOptions.sinks, !m_modelPanel->inputText().trimmed().isEmpty(),
                          bundledSample(QStringLiteral("needles.jsonl")),
                          bundledSample(QStringLiteral("repeated_random.json")), this);
    if (dialog.exec() != QDialog::Accepted)
        return 0;
    return startEvaluation(dialog.request(), dialog.measurePerplexity(), dialog.interventions(),
                           dialog.label());
}

quint64 MainWindow::startEvaluation(analyses::EvaluationRequest request, bool measurePerplexity,
                                    const runtime::Interventions& interventions, const QString& label) {
    if (refuseModelJob(measurePerplexity ? tr("its perplexity is measured") : QString()))
        return 0;
    if (measurePerplexity) {
        request.text = m_modelPanel->inputText().toStdString();
        request.textSource = "input text";
    }
    // The tokenizer only when text is read or written: a copying probe is token ids.
    QString tokenizerPath, refusal;
    if ((measurePerplexity || !request.needlesFile.empty()) &&
        !tokenizerPathFor(m_modelPath, tokenizerPath, refusal)) {
        showStatus(refusal);
        return 0;
    }
    struct Job {
        std::string modelPath, tokenizerPath;
        analyses::EvaluationRequest request;
        runtime::Interventions interventions;
        runtime::LoadOptions load;
        nlohmann::json document;
    };
    auto job = std::make_shared<Job>(Job{m_modelPath.toStdString(),
                                         tokenizerPath.toStdString(),
                                         std::move(request),
                                         interventions,
                                         loadOptions(),
                                         {}});
    return m_jobs->start(
        tr("Evaluating the model (%1)").arg(label),
        [job](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                                       runtime::Model::load(job->modelPath, job->load));
            if (auto& calibration = job->interventions.calibration)
                calibration->heads = runtime::expandWholeLayers(calibration->heads, model->config().heads);
            ATTNSCOPE_TRY(runtime::checkInterventions(model->config(), job->interventions));
            std::unique_ptr<tokenizers::Tokenizer> tokenizer;
            if (!job->request.text.empty() || !job->request.needlesFile.empty()) {
                ATTNSCOPE_ASSIGN_OR_RETURN(tokenizer, tokenizers::loadTokenizer(job->tokenizerPath));
            }
            ATTNSCOPE_ASSIGN_OR_RETURN(
                nlohmann::json measured,
                analyses::evaluateModel(model, tokenizer.get(), job->request, job->interventions, progress));
            job->document = {{"model", job->modelPath},
                             {"weights", runtime::weightPrecisionName(job->load.matrices)}};
            if (!job->interventions.empty())
                job->document["interventions"] = analyses::interventionsToJson(job->interventions);
            job->document.update(measured);
            return Status::ok();
        },
        [this, job, label](const Status& status) {
            if (!status.isOk()) {
                showStatus(status.isCancelled()
                               ? tr("Evaluation cancelled")
                               : tr("Evaluation failed: %1").arg(QString::fromStdString(status.toString())));
                Q_EMIT evaluationFinished(false);
                return;
            }
            m_lastEvaluation = job->document;
            if (m_saveEvaluationAction)
                m_saveEvaluationAction->setEnabled(true);
            showEvaluation(m_lastEvaluation, label);
            Q_EMIT evaluationFinished(true);
        });
}

void MainWindow::showEvaluation(const nlohmann::json& document, const QString& label) {
    if (!m_evaluationResults) {
        m_evaluationResults = new EvaluationResultsDialog(this);
        connect(m_evaluationResults, &EvaluationResultsDialog::saveRequested, this,
                &MainWindow::chooseEvaluationPath);
    }
    m_evaluationResults->showEvaluation(document, label);
    m_evaluationResults->show();
    m_evaluationResults->raise();
    QTableWidget* table = m_evaluationResults->table();
    for (int row = 0; row < table->rowCount(); ++row) {
        std::string line =
            table->item(row, 0)->text().toStdString() + ": " + table->item(row, 1)->text().toStdString();
        if (!table->isColumnHidden(2))
            line += " (as trained " + table->item(row, 2)->text().toStdString() + ")";
        log::info("evaluate", line);
    }
}

void MainWindow::chooseEvaluationPath() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Evaluation Results"),
                                                      QStringLiteral("evaluation.json"), tr("JSON (*.json)"));
    if (!path.isEmpty())
        saveEvaluation(path);
}

bool MainWindow::saveEvaluation(const QString& path) {
    if (m_lastEvaluation.is_null()) {
        showStatus(tr("Evaluate the model first (Tools ▸ Evaluate Model…)"));
        return false;
    }
    QSaveFile file(path);
    const QByteArray json = QByteArray::fromStdString(m_lastEvaluation.dump(2) + "\n");
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        showStatus(tr("Could not write %1: %2").arg(path, file.errorString()));
        return false;
    }
    showStatus(tr("Evaluation saved to %1").arg(path));
    return true;
}

} // namespace attnscope::studio
