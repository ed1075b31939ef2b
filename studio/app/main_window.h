// SPDX-License-Identifier: Apache-2.0
// The studio's main window: menus, docks, central views, status bar with job progress.
#pragma once

#include "studio_settings.h"

#include "attnscope/analyses/evaluation_report.h"
#include "attnscope/analyses/reading_correlation.h"
#include "attnscope/analyses/reading_relevance.h"
#include "attnscope/analyses/suite.h"
#include "attnscope/runtime/model.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/store/project.h"

#include <QHash>
#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QListWidget;
class QMenu;
class QTabWidget;
class QTextBrowser;

namespace attnscope::studio {

class AttentionHeatmapView;
class EvaluationResultsDialog;
class CompareRunsDialog;
class ShortcutsDialog;
class GazeView;
class GenerationView;
class HeadAtlasView;
class HeadDetailsView;
class RunFigureView;
class JobProgressWidget;
class JobTracker;
class LogPanel;
class ModelInputPanel;
class NotesPanel;
class PropertiesPanel;
class QkSpaceView;
class ReadingCorrelationView;
class SurfaceView;
class TokenView;
struct PreparedRun;

/// The shell every view plugs into (DESIGN.md, "studio"). Object names of docks, menus and actions are
/// stable: the layout is saved by them and tests find widgets by them.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Recognises the model at `path` and shows it; errors go to the panel, status bar and log.
    /// Returns true when the format was recognised.
    bool openModel(const QString& path);
    /// Loads a UTF-8 text file into the input editor. Returns false (and says why) on failure.
    bool loadInputText(const QString& path);
    /// Saves the current central view as PNG, SVG or PDF (by suffix). Returns false on failure.
    bool exportCurrentView(const QString& path);
    /// Saves a screenshot of the whole window (PNG). Used by scripts/demo without a display.
    bool saveScreenshot(const QString& path);
    /// Shows the central tab with this object name ("welcomeView", "surfaceView").
    bool showView(const QString& objectName);
    /// Starts the kernel self-check job (Tools menu).
    void startKernelSelfCheck();
    /// Opens a project (.attnscope) read-only and lists its runs; the newest run is then loaded in the
    /// background and shown (runShown). False when the project cannot be opened (the status bar says why).
    bool openProject(const QString& path);
    /// Creates (or opens) a project file that new runs are stored in.
    bool newProject(const QString& path);
    /// Runs `analyses` (the suite's names; "" = those of the analysis settings) with the analysis
    /// settings' parameters on the open model and the input text in the background, stores the run in
    /// the project (asking for one when none is open) and shows it. Returns the job id, 0 when nothing
    /// was started (the status bar says why).
    quint64 startAnalysis(const QString& analyses = QString());
    /// Tools > Intervene and Re-analyze: asks for interventions (InterventionDialog) and re-analyzes the
    /// shown run's input with its model, analyses and parameters under them; the new run is stored,
    /// shown, and compared with the shown one (Compare Runs). Returns the job id, 0 when nothing started.
    quint64 interveneAndReanalyze();
    /// The same without asking: `interventions` ("L:*" heads expanded once the model is loaded), the
    /// new run labelled `label`.
    quint64 reanalyzeShownRun(const runtime::Interventions& interventions, const QString& label);
    /// Tools > Evaluate Model: asks what to measure and how to change the model (EvaluateDialog), then
    /// measures the open model in the background (analyses::evaluateModel) and shows the figures in a
    /// table (evaluationResults(), evaluationFinished). Returns the job id, 0 when nothing started.
    quint64 evaluateModel();
    /// The same without asking: `request` (its text, when `measurePerplexity`, is the input panel's),
    /// under `interventions`, labelled `label`.
    quint64 startEvaluation(analyses::EvaluationRequest request, bool measurePerplexity,
                            const runtime::Interventions& interventions, const QString& label);
    /// The last evaluation's document (as `attnscope-cli evaluate --json` writes it); null when none.
    const nlohmann::json& lastEvaluation() const { return m_lastEvaluation; }
    /// Writes lastEvaluation() as JSON to `path`. False (the status bar says why) on failure.
    bool saveEvaluation(const QString& path);
    /// The table of the last evaluation (null before the first).
    EvaluationResultsDialog* evaluationResults() const { return m_evaluationResults; }
    /// File > Import Gaze Recording: asks for a gaze file (EyeLink .asc, a fixation table, STI .json).
    void chooseGazeFile();
    /// Reads the gaze file at `path` in the background and adds its scanpaths to the Gaze tab
    /// (gazeImportFinished). A table whose header names no known layout asks for its columns
    /// (GazeColumnsDialog) unless `table` gives them.
    void importGaze(const QString& path, std::optional<scanpath::TableFormat> table = std::nullopt);
    GazeView* gazeView() const { return m_gaze; }
    /// Tools > Predict Reading Scanpath: asks for the relevance method and layer, then reads word relevance
    /// from the open model's attention over the input text in the background and shows the predicted
    /// reading scanpath in the Gaze tab (readingPredicted). Returns the job id, 0 when nothing started.
    quint64 predictReading();
    /// The same without asking.
    quint64 startReadingPrediction(const analyses::ReadingRelevanceRequest& request);
    /// Tools > Embed Queries and Keys (or the Q/K Space tab's Compute): runs the open model on the input
    /// text in the background and shows the chosen head's joint query/key embedding (the tab's controls
    /// say which head and how) in the Q/K Space tab (queriesAndKeysEmbedded). Returns the job id, 0 when
    /// nothing started (the status bar says why).
    quint64 embedQueriesAndKeys();
    QkSpaceView* qkSpaceView() const { return m_qkSpace; }
    /// Tools > Generate with Attention (or the Generation tab's Generate): continues the input text with
    /// the open model in the background (the tab's options) and shows, per generated token, where each
    /// head looked when it was chosen (generationTraced). Returns the job id, 0 when nothing started.
    quint64 generateWithAttention();
    GenerationView* generationView() const { return m_generation; }
    /// What Tools > Correlate with Reading Corpus compares: a word-level report and how to read it.
    struct ReadingCorpusRequest {
        QString path;
        QString format = QStringLiteral("auto"); ///< auto, provo, geco or meco
        scanpath::ReadingUnitLevel level = scanpath::ReadingUnitLevel::Text;
        scanpath::TextEncoding encoding = scanpath::TextEncoding::Auto;
        QString filter; ///< COLUMN=VALUE, or empty
        analyses::ReadingCorrelationRequest correlation;
    };
    /// Tools > Correlate with Reading Corpus (or the Reading tab's button): asks for the report and the
    /// reading, then compares the open model's word relevance with it in the background and shows the
    /// result in the Reading tab (readingCorrelated). Returns the job id, 0 when nothing started.
    quint64 correlateReadingCorpus();
    /// The same without asking.
    quint64 startReadingCorrelation(const ReadingCorpusRequest& request);
    ReadingCorrelationView* readingCorrelationView() const { return m_reading; }
    /// Tools > Analysis Settings: which analyses Analyze Input runs and their parameters (persisted).
    void showAnalysisSettings();
    const analyses::SuiteOptions& analysisOptions() const { return m_analysisOptions; }
    /// Takes `options` for later runs and stores them in the settings.
    void setAnalysisOptions(const analyses::SuiteOptions& options);
    QString projectPath() const { return m_projectPath; }
    /// Writes the shown run's report (HTML or PDF by suffix). False (status bar says why) on failure.
    bool exportReport(const QString& path);
    /// Writes the shown run's data as "csv", "json" or "npy" (a folder), as the CLI's export command.
    /// False (the status bar says why) on failure.
    bool exportRunData(const QString& path, const QString& format);
    /// Tools > Compare Runs: a non-modal dialog comparing run `a` with run `b` of the open project (0:
    /// the two newest). Null when no project is open.
    CompareRunsDialog* compareRuns(qint64 a = 0, qint64 b = 0);
    /// Help > Keyboard Shortcuts: a non-modal dialog listing every shortcut.
    ShortcutsDialog* showShortcuts();
    /// The report tab: every figure of the run (sinks, retrieval heads, similarity, sparsity, heatmaps).
    QTextBrowser* reportView() const { return m_report; }
    /// Loads a run of the open project on a worker thread and shows it in every view when ready
    /// (runShown); a later call supersedes one still loading. False when no project is open.
    bool loadRun(qint64 id);
    /// The run the views show (0: none yet).
    qint64 shownRunId() const { return m_runId; }
    HeadAtlasView* headAtlas() const { return m_atlas; }
    TokenView* tokenView() const { return m_tokens; }
    HeadDetailsView* headDetails() const { return m_details; }
    RunFigureView* runFigures() const { return m_figures; }
    AttentionHeatmapView* heatmap() const { return m_heatmap; }
    QListWidget* runsList() const { return m_runs; }
    /// The Notes dock: the shown run's notes.
    NotesPanel* notesPanel() const { return m_notes; }
    /// Tools > Add Note: asks for a note on the shown run, on the shown head and the selected token.
    void addNote();
    /// Sets run `id`'s label in the open project ("" clears it) and lists the runs again; the shown run
    /// is read again when it is the one renamed (its report carries the label). False (the status bar
    /// says why) on failure.
    bool renameRun(qint64 id, const QString& label);
    /// F2 or the Project dock's context menu: asks for the selected run's new label.
    void renameSelectedRun();
    /// Deletes run `id` (results, arrays, notes) from the open project and lists the runs again; when it
    /// was the shown run, the newest remaining run is shown, or none. False (status bar says why) on
    /// failure.
    bool deleteRun(qint64 id);
    /// Del or the Project dock's context menu: deletes the selected run after asking.
    void deleteSelectedRun();

    JobTracker* jobs() const { return m_jobs; }
    ModelInputPanel* modelPanel() const { return m_modelPanel; }
    SurfaceView* surfaceView() const { return m_surfaceView; }
    QTabWidget* views() const { return m_views; }
    Theme theme() const { return m_theme; }
    void setTheme(Theme theme);

Q_SIGNALS:
    /// Every view shows run `id` (after loadRun, openProject or a finished analysis).
    void runShown(qint64 id);
    /// The Report tab holds run `id`'s report (drawn in the background when the tab is first shown).
    void reportShown(qint64 id);
    /// An evaluation finished: `ok` with lastEvaluation() holding it, or failed (the status bar says why).
    void evaluationFinished(bool ok);
    /// A gaze import ended: `ok`, and the message the status bar showed.
    void gazeImportFinished(bool ok, const QString& message);
    /// A reading prediction ended (`ok`); on success the Gaze tab holds it.
    void readingPredicted(bool ok);
    /// A query/key embedding ended (`ok`); on success the Q/K Space tab shows it.
    void queriesAndKeysEmbedded(bool ok);
    /// A traced generation ended (`ok`); on success the Generation tab shows it.
    void generationTraced(bool ok);
    /// A reading-corpus comparison ended (`ok`); on success the Reading tab shows it.
    void readingCorrelated(bool ok);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createCentralViews();
    void createDocks();
    void createMenus();
    void createStatusBar();
    /// Opens the project and lists its runs without loading one.
    bool listProject(const QString& path);
    /// Tools ▸ Attention on the GPU: offered only where a CUDA device answers (the tooltip says why not).
    void addCudaAttentionAction(QMenu* tools);
    /// How new runs load the model's weights (Tools > bf16 Weights).
    runtime::LoadOptions loadOptions() const;
    /// What one analysis job analyzes: a text to tokenize, or a stored run's tokens as they are.
    struct AnalysisInput {
        QString modelPath;
        std::string text;
        std::optional<store::InputRecord> stored; ///< tokens and offsets to use instead of tokenizing
        runtime::LoadOptions load;
    };
    /// One analysis job: `input` with `options` (their interventions applied; "L:*" expanded when the
    /// model is loaded), stored as a run labelled `label` in the open project and shown; with
    /// `compareWith`, Compare Runs then opens on that run against the new one.
    quint64 startSuiteJob(AnalysisInput input, analyses::SuiteOptions options, const QString& label,
                          qint64 compareWith);
    /// The shown run's analyses and parameters as recorded (the analysis settings for older runs that
    /// did not record them, or when no run is shown).
    Expected<analyses::SuiteOptions> shownRunOptions() const;
    /// Hands a prepared run to every view (GUI thread; costs milliseconds).
    void showRun(const PreparedRun& run);
    /// The run selected in the Project dock, if any.
    std::optional<qint64> selectedRunId() const;
    /// Selects run `id`'s row in the Project dock without loading it.
    void selectRunRow(qint64 id);
    /// Empties every view of the run (its run was deleted and the project has no other).
    void clearShownRun();
    /// The 3D view's example surface (no run, or a run without layer similarity).
    void showSurfaceExample();
    /// Starts the background job that recomputes the shown run's exact tiles for deep zoom, unless a
    /// job the user started is running (then it starts when that job ends).
    void startExactTiles();
    /// True while a job the user started (analysis, self-check) runs; the automatic tiles job does not
    /// count: a user job supersedes it, and it is restarted afterwards.
    bool userJobRunning() const;
    /// Refuses to start a user job over a running one (the status bar says which and how to cancel it).
    bool refuseWhileBusy();
    /// True (the status bar says why) when a job on the open model cannot start: busy, no model, or —
    /// unless `textNeededFor` is null — no input text ("Type or load an input text first: <textNeededFor>").
    bool refuseModelJob(const QString& textNeededFor = QString());
    /// refuseModelJob, then the model's tokenizer into `tokenizerPath` (refused, the status bar saying why,
    /// when there is none).
    bool refuseTextModelJob(const QString& textNeededFor, QString& tokenizerPath);
    /// The Open Recent menus of models and projects, from the settings.
    void rebuildRecentMenus();
    QDockWidget* addDock(const QString& title, const QString& objectName, QWidget* content,
                         Qt::DockWidgetArea area);
    void showStatus(const QString& message);
    void chooseModel();
    void chooseInputText();
    void chooseProject();
    void chooseNewProject();
    void chooseReportPath();
    void chooseRunDataPath();
    void refreshReport();
    /// Shows one head in the heatmap, token and head views (from the atlas or a ranking).
    void openHead(int layer, int head);
    void chooseExportPath();
    void resetLayout();

    /// The stored analysis settings over the studio's defaults (defaults, and a warning in the log, when
    /// what is stored is refused).
    void loadAnalysisOptions();

    StudioSettings m_settings;
    analyses::SuiteOptions m_analysisOptions;
    Theme m_theme = Theme::Light;
    JobTracker* m_jobs = nullptr;
    QTabWidget* m_views = nullptr;
    SurfaceView* m_surfaceView = nullptr;
    ModelInputPanel* m_modelPanel = nullptr;
    PropertiesPanel* m_properties = nullptr;
    NotesPanel* m_notes = nullptr;
    QListWidget* m_runs = nullptr;
    HeadAtlasView* m_atlas = nullptr;
    AttentionHeatmapView* m_heatmap = nullptr;
    QString m_projectPath;
    QString m_modelPath;
    QTextBrowser* m_report = nullptr;
    TokenView* m_tokens = nullptr;
    HeadDetailsView* m_details = nullptr;
    RunFigureView* m_figures = nullptr;
    GazeView* m_gaze = nullptr;
    QkSpaceView* m_qkSpace = nullptr;
    GenerationView* m_generation = nullptr;
    ReadingCorrelationView* m_reading = nullptr;
    qint64 m_runId = 0;
    QString m_runProject;                ///< the project the shown run is stored in
    quint64 m_tilesJob = 0;              ///< id of the latest exact-tiles job (0: none started)
    qint64 m_tilesJobRun = 0;            ///< the run that job prepares tiles for
    qint64 m_tilesRun = 0;               ///< the run whose exact tiles the views hold (0: none)
    QHash<quint64, QString> m_jobTitles; ///< titles by job id, for the status line when a job ends
    quint64 m_loadGeneration = 0;        ///< the latest loadRun request; older results are dropped
    std::shared_ptr<const store::RunRecord> m_shownRun; ///< the run in the views (the report tab reads it)
    bool m_reportStale = true;
    quint64 m_reportGeneration = 0; ///< the latest report request; older results are dropped
    LogPanel* m_log = nullptr;
    QList<QDockWidget*> m_docks;
    QByteArray m_defaultState;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_recentProjectsMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QActionGroup* m_themeGroup = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_saveEvaluationAction = nullptr;
    /// Shows an evaluation document's figures in the Evaluation table and the log.
    void showEvaluation(const nlohmann::json& document, const QString& label);
    nlohmann::json m_lastEvaluation;
    EvaluationResultsDialog* m_evaluationResults = nullptr;
    /// Asks for a path and saves the last evaluation there.
    void chooseEvaluationPath();
    QLabel* m_statusLabel = nullptr;
    quint64 m_statusSerial = 0;       ///< counts showStatus() calls
    quint64 m_statusAtJobOutcome = 0; ///< m_statusSerial when the last job's outcome was known
    JobProgressWidget* m_progress = nullptr;
};

} // namespace attnscope::studio
