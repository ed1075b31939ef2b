// SPDX-License-Identifier: Apache-2.0
// MainWindow's Tools > Evaluate Model: the language-model checks of `attnscope-cli evaluate` (perplexity,
// needles, copying) on the open model, under interventions and sparse attention, as a background job whose
// figures go to the Properties dock and can be saved as the CLI's JSON.
#include "main_window.h"

#include "../dialogs/evaluate_dialog.h"
#include "../jobs/job_tracker.h"
#include "../views/model_input_panel.h"
#include "../views/properties_panel.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/core/log.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "model_files.h"

#include <QFileInfo>
#include <QSaveFile>

#include <memory>

namespace attnscope::studio {

namespace {

/// "71.28 (as trained 69.90, +1.37)", or the figure alone without a baseline.
QString withBaseline(double value, const nlohmann::json* baseline, int decimals) {
    QString text = QString::number(value, 'f', decimals);
    if (baseline)
        text += QObject::tr(" (as trained %1, %2%3)")
                    .arg(QString::number(baseline->get<double>(), 'f', decimals))
                    .arg(value >= baseline->get<double>() ? QStringLiteral("+") : QString())
                    .arg(QString::number(value - baseline->get<double>(), 'f', decimals));
    return text;
}

/// The baseline's figure at `section`.`key`, if the document has one.
const nlohmann::json* baselineOf(const nlohmann::json& document, const char* section, const char* key) {
    if (!document.contains("baseline") || !document["baseline"].contains(section))
        return nullptr;
    return &document["baseline"][section][key];
}

} // namespace

quint64 MainWindow::evaluateModel() {
    if (refuseWhileBusy())
        return 0;
    if (m_modelPath.isEmpty()) {
        showStatus(tr("Open a model first (File ▸ Open Model…)"));
        return 0;
    }
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
    if (refuseWhileBusy())
        return 0;
    if (m_modelPath.isEmpty()) {
        showStatus(tr("Open a model first (File ▸ Open Model…)"));
        return 0;
    }
    if (measurePerplexity) {
        request.text = m_modelPanel->inputText().toStdString();
        request.textSource = "input text";
        if (m_modelPanel->inputText().trimmed().isEmpty()) {
            showStatus(tr("Type or load an input text first: its perplexity is measured"));
            return 0;
        }
    }
    QString tokenizerPath, refusal;
    if (!tokenizerPathFor(m_modelPath, tokenizerPath, refusal)) {
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
    QList<QPair<QString, QString>> rows;
    rows.append(
        {tr("Model"), QFileInfo(QString::fromStdString(document["model"].get<std::string>())).fileName()});
    rows.append({tr("Changed"), label});
    auto masks = [&](const char* section, const QString& name) {
        if (!document[section].contains("sparse_attention"))
            return;
        const nlohmann::json& kept = document[section]["sparse_attention"];
        rows.append(
            {tr("Sparse attention (%1)").arg(name), tr("kept %1% of the causal pairs, mean recall %2")
                                                        .arg(100.0 * kept["density"].get<double>(), 0, 'f', 1)
                                                        .arg(kept["mean_recall"].get<double>(), 0, 'f', 3)});
    };
    QStringList summary;
    if (document.contains("perplexity")) {
        const nlohmann::json& p = document["perplexity"];
        const QString value =
            withBaseline(p["perplexity"].get<double>(), baselineOf(document, "perplexity", "perplexity"), 2);
        rows.append({tr("Perplexity"), value});
        rows.append({tr("Scored"), tr("%1 tokens in %2 windows of %3")
                                       .arg(p["tokens"].get<int64_t>())
                                       .arg(p["windows"].get<int>())
                                       .arg(p["window"].get<int>())});
        masks("perplexity", tr("perplexity"));
        summary << tr("perplexity %1").arg(value);
    }
    if (document.contains("needles")) {
        const nlohmann::json& n = document["needles"];
        QString value = tr("%1/%2 exact").arg(n["correct"].get<int>()).arg(n["prompts"].get<int>());
        if (const nlohmann::json* baseline = baselineOf(document, "needles", "correct"))
            value += tr(" (as trained %1/%2)").arg(baseline->get<int>()).arg(n["prompts"].get<int>());
        rows.append({tr("Needles"), value});
        masks("needles", tr("needles"));
        summary << tr("needles %1").arg(value);
    }
    if (document.contains("copying")) {
        const QString value = withBaseline(document["copying"]["first_to_second_ratio"].get<double>(),
                                           baselineOf(document, "copying", "first_to_second_ratio"), 2);
        rows.append({tr("Copying, loss of copy 1 / copy 2"), value});
        masks("copying", tr("copying"));
        summary << tr("copying %1").arg(value);
    }
    m_properties->showGroup(tr("Evaluation: %1").arg(label), rows);
    for (const auto& [name, value] : rows)
        log::info("evaluate", name.toStdString() + ": " + value.toStdString());
    showStatus(tr("Evaluated (%1): %2").arg(label, summary.join(QStringLiteral("; "))));
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
