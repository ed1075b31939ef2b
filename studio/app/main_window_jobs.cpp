// SPDX-License-Identifier: Apache-2.0
// MainWindow's background work: the analysis and self-check jobs the user starts, and the automatic job
// that prepares the shown run's exact tiles for deep zoom (one job at a time, JobTracker).
#include "main_window.h"

#include "model_files.h"

#include "../dialogs/analysis_settings_dialog.h"
#include "../dialogs/intervention_dialog.h"
#include "../jobs/job_tracker.h"
#include "../views/attention_heatmap_view.h"
#include "../views/exact_tiles.h"
#include "../views/model_input_panel.h"
#include "../views/prepared_run.h"
#include "../views/properties_panel.h"
#include "../views/token_view.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/analyses/suite.h"
#include "attnscope/analyses/suite_settings.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/core/log.h"
#include "attnscope/runtime/attention_device.h"
#include "attnscope/runtime/kernel_self_check.h"
#include "attnscope/store/project.h"
#include "attnscope/store/suite_run.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QListWidget>
#include <QSignalBlocker>

#include <nlohmann/json.hpp>

#include <memory>

namespace attnscope::studio {

void MainWindow::loadAnalysisOptions() {
    m_analysisOptions = AnalysisSettingsDialog::studioDefaults();
    const QString stored = m_settings.analysisSettings();
    if (stored.isEmpty())
        return;
    const std::string source = "the studio's analysis settings";
    const auto json = analyses::parseSuiteSettings(stored.toStdString(), source);
    const Status status =
        json ? analyses::applySuiteSettings(*json, m_analysisOptions, source) : json.status();
    if (!status.isOk()) {
        m_analysisOptions = AnalysisSettingsDialog::studioDefaults();
        log::warning("studio", "analysis settings: the defaults are used (" + status.toString() + ")");
    }
}

void MainWindow::setAnalysisOptions(const analyses::SuiteOptions& options) {
    m_analysisOptions = options;
    m_settings.setAnalysisSettings(QString::fromStdString(analyses::suiteSettingsToJson(options).dump()));
}

void MainWindow::showAnalysisSettings() {
    AnalysisSettingsDialog dialog(m_analysisOptions, this);
    if (m_shownRun) { // runs record their parameters (older runs did not)
        const nlohmann::json settings = parseJsonText(m_shownRun->settingsJson);
        if (settings.is_object() && settings.contains("parameters") && settings["parameters"].is_object())
            dialog.offerRunSettings(m_shownRun->id, settings["parameters"],
                                    QFileInfo(m_runProject).fileName());
    }
    if (dialog.exec() != QDialog::Accepted)
        return;
    setAnalysisOptions(dialog.options());
    showStatus(tr("Analysis settings saved: Analyze Input runs %1")
                   .arg(QString::fromStdString(dialog.options().analyses)
                            .replace(QLatin1Char(','), QStringLiteral(", "))));
}

void MainWindow::startKernelSelfCheck() {
    if (refuseWhileBusy())
        return;
    auto rows = std::make_shared<std::vector<runtime::SelfCheckRow>>();
    m_jobs->start(
        tr("Kernel self-check"),
        [rows](const Progress& progress) {
            auto result = runtime::runKernelSelfCheck(runtime::SelfCheckOptions{}, progress);
            if (!result)
                return result.status();
            *rows = std::move(result).value();
            return Status::ok();
        },
        [this, rows](const Status& status) {
            if (!status.isOk())
                return;
            QList<QPair<QString, QString>> table;
            for (const auto& row : *rows) {
                const QString text = tr("%1 GFLOP/s, %2 ms, max LSE error %3")
                                         .arg(row.gflops, 0, 'f', 2)
                                         .arg(row.seconds * 1000.0, 0, 'f', 1)
                                         .arg(row.maxLseError, 0, 'g', 2);
                table.append({QStringLiteral("N = %1").arg(row.length), text});
                log::info("kernels",
                          "self-check N=" + std::to_string(row.length) + ": " + text.toStdString());
            }
            m_properties->showGroup(tr("Kernel self-check (CPU, 8 query / 2 KV heads, d = 64, causal)"),
                                    table);
        });
}

quint64 MainWindow::startAnalysis(const QString& analyses) {
    if (refuseModelJob(QLatin1String("")))
        return 0;
    const QString text = m_modelPanel->inputText();
    if (m_projectPath.isEmpty()) {
        chooseNewProject();
        if (m_projectPath.isEmpty())
            return 0;
    }
    analyses::SuiteOptions options = m_analysisOptions;
    if (!analyses.isEmpty())
        options.analyses = analyses.toStdString();
    return startSuiteJob({m_modelPath, text.toStdString(), std::nullopt, loadOptions()}, std::move(options),
                         QStringLiteral("studio"), 0);
}

quint64 MainWindow::interveneAndReanalyze() {
    if (refuseWhileBusy())
        return 0;
    if (!m_shownRun) {
        showStatus(tr("Show a run first: its input is analyzed again under the interventions"));
        return 0;
    }
    // ACT's sink rule is the shown run's: calibration removes the sinks its sink table lists.
    const auto options = shownRunOptions();
    if (!options) {
        showStatus(QString::fromStdString(options.status().toString()));
        return 0;
    }
    InterventionDialog dialog(options->sinks, this);
    // A run measured under interventions offers them again (the new run applies what the dialog says).
    const nlohmann::json document = parseJsonText(m_shownRun->documentJson);
    if (document.is_object() && document.contains("interventions"))
        dialog.setInterventions(document["interventions"]);
    if (dialog.exec() != QDialog::Accepted)
        return 0;
    return reanalyzeShownRun(dialog.interventions(), dialog.label());
}

Expected<analyses::SuiteOptions> MainWindow::shownRunOptions() const {
    // Older runs did not record their parameters: they get the current analysis settings.
    analyses::SuiteOptions options = m_analysisOptions;
    if (!m_shownRun)
        return options;
    const nlohmann::json settings = parseJsonText(m_shownRun->settingsJson);
    if (settings.is_object() && settings.contains("parameters") && settings["parameters"].is_object())
        ATTNSCOPE_TRY(analyses::applySuiteSettings(settings["parameters"], options,
                                                   "run " + std::to_string(m_shownRun->id) + "'s settings"));
    if (settings.is_object() && settings.contains("analyses") && settings["analyses"].is_string())
        options.analyses = settings["analyses"].get<std::string>();
    return options;
}

quint64 MainWindow::reanalyzeShownRun(const runtime::Interventions& interventions, const QString& label) {
    if (refuseWhileBusy())
        return 0;
    if (!m_shownRun || m_projectPath.isEmpty()) {
        showStatus(tr("Show a run first: its input is analyzed again under the interventions"));
        return 0;
    }
    if (m_runProject != m_projectPath) {
        showStatus(tr("The shown run belongs to %1, not to the open project: show one of its runs first")
                       .arg(QFileInfo(m_runProject).fileName()));
        return 0;
    }
    const store::RunRecord& run = *m_shownRun;
    // The shown run's analyses and parameters, so that the comparison shows the interventions alone.
    auto options = shownRunOptions();
    if (!options) {
        showStatus(QString::fromStdString(options.status().toString()));
        return 0;
    }
    options->interventions = interventions;
    // Its tokens as they are (not the text tokenized again: --max-tokens, --no-bos, another tokenizer),
    // and the weight precision it was computed with.
    AnalysisInput input{QString::fromStdString(run.model.path), run.input.text, run.input, {}};
    const nlohmann::json settings = parseJsonText(run.settingsJson);
    if (settings.is_object() && settings.value("weights", "f32") == "bf16")
        input.load.matrices = runtime::WeightPrecision::BF16;
    return startSuiteJob(std::move(input), std::move(options).value(), label, run.id);
}

quint64 MainWindow::startSuiteJob(AnalysisInput input, analyses::SuiteOptions options, const QString& label,
                                  qint64 compareWith) {
    const QString modelPath = input.modelPath;
    QString tokenizerPath, refusal;
    if (!tokenizerPathFor(modelPath, tokenizerPath, refusal)) {
        showStatus(refusal);
        return 0;
    }
    struct Job {
        std::string modelPath, tokenizerPath, projectPath, text;
        std::optional<store::InputRecord> stored;
        analyses::SuiteOptions options;
        std::string label;
        int64_t runId = 0;
        PreparedRun prepared; ///< the stored run read back, ready for the views
        runtime::LoadOptions load;
    };
    const std::string bundledNeedles = bundledSample(QStringLiteral("needles.jsonl")).toStdString();
    auto job =
        std::make_shared<Job>(Job{modelPath.toStdString(), tokenizerPath.toStdString(),
                                  m_projectPath.toStdString(), std::move(input.text), std::move(input.stored),
                                  std::move(options), label.toStdString(), 0, PreparedRun{}, input.load});
    const auto wanted = analyses::suiteAnalyses(job->options.analyses);
    if (!wanted) {
        showStatus(QString::fromStdString(wanted.status().toString()));
        return 0;
    }
    // The retrieval score's prompts: the settings' file, else the generated ones, else the bundled ones.
    if (wanted->count("retrieval") && job->options.needles.empty() && job->options.haystack.empty()) {
        job->options.needles = bundledNeedles;
        if (job->options.needles.empty()) {
            showStatus(tr("The needle test needs needle prompts: the bundled samples/needles.jsonl is not "
                          "installed; choose a file in Tools ▸ Analysis Settings"));
            return 0;
        }
    }
    const QString title =
        job->options.interventions.empty()
            ? tr("Analysing the input (%1 characters)").arg(QString::fromStdString(job->text).size())
            : tr("Re-analysing under interventions (%1)").arg(label);
    return m_jobs->start(
        title,
        [job, bundledNeedles](const Progress& progress) -> Status {
            const std::string started = store::utcNow();
            QElapsedTimer clock;
            clock.start();
            ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                                       runtime::Model::load(job->modelPath, job->load));
            if (auto& calibration = job->options.interventions.calibration)
                calibration->heads = runtime::expandWholeLayers(calibration->heads, model->config().heads);
            ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                                       tokenizers::loadTokenizer(job->tokenizerPath));
            tokenizers::Encoding encoding;
            if (job->stored) {
                encoding.ids = job->stored->tokens;
                encoding.offsets = job->stored->offsets;
            } else {
                ATTNSCOPE_ASSIGN_OR_RETURN(encoding, tokenizer->encode(job->text, true));
            }
            analyses::SuiteInput input;
            input.modelPath = job->modelPath;
            input.tokens = encoding.ids;
            input.tokenizer = tokenizer.get();
            input.razorBos = encoding.ids.empty() ? 0 : encoding.ids.front();
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::SuiteResult result,
                analyses::runSuite(model, input, job->options, progress.subRange(0.0f, 0.95f)));
            store::SuiteRunInfo info;
            info.modelPath = job->modelPath;
            info.label = job->label;
            // As the CLI records them: a run's "parameters" are a settings file for analyze --settings (the
            // bundled needle prompts as "", found again wherever AttnScope is installed).
            nlohmann::json parameters = analyses::suiteSettingsToJson(job->options);
            if (!bundledNeedles.empty() && parameters["needles"] == bundledNeedles)
                parameters["needles"] = "";
            nlohmann::json settings = {
                {"analyses", job->options.analyses},
                {"block_size", result.blockSize},
                {"parameters", parameters},
                {"weights", runtime::weightPrecisionName(job->load.matrices)},
                {"attention_device", runtime::attentionDeviceName(runtime::attentionDevice())}};
            if (!job->options.interventions.empty())
                settings["interventions"] = analyses::interventionsToJson(job->options.interventions);
            info.settingsJson = settings.dump();
            info.text = job->text;
            info.tokens = encoding.ids;
            info.offsets = encoding.offsets;
            info.started = started;
            info.seconds = static_cast<double>(clock.elapsed()) / 1000.0;
            ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, store::suiteRunRecord(std::move(result), info));
            ATTNSCOPE_TRY(progress.update(0.97f, "storing the run"));
            ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(job->projectPath));
            ATTNSCOPE_ASSIGN_OR_RETURN(job->runId, project.addRun(run));
            ATTNSCOPE_ASSIGN_OR_RETURN(job->prepared, loadPreparedRun(job->projectPath, job->runId));
            return Status::ok();
        },
        [this, job, compareWith](const Status& status) {
            if (!status.isOk()) {
                showStatus(status.isCancelled()
                               ? tr("Analysis cancelled")
                               : tr("Analysis failed: %1").arg(QString::fromStdString(status.toString())));
                return;
            }
            // The job read the stored run back and prepared it: the GUI thread only lists and shows it.
            if (listProject(QString::fromStdString(job->projectPath))) {
                const QSignalBlocker block(m_runs);
                m_runs->setCurrentRow(m_runs->count() - 1);
                ++m_loadGeneration; // a load still running for an older selection is dropped
                showRun(job->prepared);
            }
            showStatus(tr("Run %1 stored in %2").arg(job->runId).arg(QFileInfo(m_projectPath).fileName()));
            if (compareWith > 0 && QString::fromStdString(job->projectPath) == m_projectPath)
                compareRuns(compareWith, job->runId);
        });
}

bool MainWindow::userJobRunning() const {
    return m_jobs->isBusy() && m_jobs->currentId() != m_tilesJob;
}

bool MainWindow::refuseWhileBusy() {
    if (!userJobRunning())
        return false;
    showStatus(tr("Busy: %1. Wait for it, or cancel it first (Esc).").arg(m_jobs->title()));
    return true;
}

bool MainWindow::refuseModelJob(const QString& textNeededFor) {
    if (refuseWhileBusy())
        return true;
    if (m_modelPath.isEmpty()) {
        showStatus(tr("Open a model first (File ▸ Open Model…)"));
        return true;
    }
    if (!textNeededFor.isNull() && m_modelPanel->inputText().trimmed().isEmpty()) {
        showStatus(textNeededFor.isEmpty() ? tr("Type or load an input text first")
                                           : tr("Type or load an input text first: %1").arg(textNeededFor));
        return true;
    }
    return false;
}

bool MainWindow::refuseTextModelJob(const QString& textNeededFor, QString& tokenizerPath) {
    if (refuseModelJob(textNeededFor))
        return true;
    QString refusal;
    if (!tokenizerPathFor(m_modelPath, tokenizerPath, refusal)) {
        showStatus(refusal);
        return true;
    }
    return false;
}

void MainWindow::startExactTiles() {
    if (!m_shownRun || m_shownRun->input.tokens.empty() || m_tilesRun == m_runId || userJobRunning())
        return; // nothing to do, done already, or restarted when the user's job ends
    if (m_jobs->isBusy() && m_jobs->currentId() == m_tilesJob && m_tilesJobRun == m_runId)
        return; // being prepared for this very run (a model load cannot be cancelled halfway)
    const store::RunRecord& run = *m_shownRun;
    // One forward pass keeping every layer's queries and keys, with the weights the run was computed
    // with. It supersedes a tiles job still running for a run shown before.
    runtime::LoadOptions load;
    const auto settings = parseJsonText(run.settingsJson);
    if (settings.is_object() && settings.value("weights", "f32") == "bf16")
        load.matrices = runtime::WeightPrecision::BF16;
    // A run measured under interventions is recomputed under them (its calibration replaying the keys
    // its input pass chose), so that the tiles agree with its stored statistics.
    runtime::Interventions interventions;
    const nlohmann::json document = parseJsonText(run.documentJson);
    if (document.is_object() && document.contains("interventions")) {
        auto recorded = analyses::interventionsFromJson(document["interventions"]);
        if (!recorded) {
            log::warning("studio", "exact tiles unavailable for run " + std::to_string(run.id) + ": " +
                                       recorded.status().toString());
            return;
        }
        interventions = std::move(recorded).value();
    }
    auto tiles = std::make_shared<std::shared_ptr<ExactTiles>>();
    const std::string modelPath = run.model.path;
    const std::vector<int32_t> tokens = run.input.tokens;
    const qint64 runId = run.id;
    const QString project = m_projectPath;
    m_tilesJobRun = runId;
    m_tilesJob = m_jobs->start(
        tr("Preparing exact tiles for deep zoom"),
        [tiles, modelPath, tokens, load, interventions](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(*tiles,
                                       ExactTiles::capture(modelPath, tokens, progress, load, interventions));
            return Status::ok();
        },
        [this, tiles, runId, project](const Status& status) {
            if (!status.isOk()) {
                if (!status.isCancelled())
                    log::warning("studio", "exact tiles unavailable: " + status.toString());
                return;
            }
            // Tiles of another run (or project) must never be shown as this run's exact attention.
            if (runId != m_runId || project != m_projectPath)
                return;
            m_heatmap->setExactTiles(*tiles);
            m_tokens->setExactTiles(*tiles);
            m_tilesRun = runId;
        });
}

} // namespace attnscope::studio
