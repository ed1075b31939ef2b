// SPDX-License-Identifier: Apache-2.0
#include "main_window.h"

#include "../dialogs/about_dialog.h"
#include "../dialogs/analysis_settings_dialog.h"
#include "../jobs/job_progress_widget.h"
#include "../jobs/job_tracker.h"
#include "../views/attention_heatmap_view.h"
#include "../views/gaze_view.h"
#include "../views/generation_view.h"
#include "../views/head_atlas_view.h"
#include "../views/head_details_view.h"
#include "../views/log_panel.h"
#include "../views/matrix_surface.h"
#include "../views/model_input_panel.h"
#include "../views/notes_panel.h"
#include "../views/properties_panel.h"
#include "../views/qk_space_view.h"
#include "../views/reading_correlation_view.h"
#include "../views/run_figure_view.h"
#include "../views/surface_view.h"
#include "../views/token_view.h"
#include "attnscope/core/log.h"
#include "attnscope/model/model_format.h"
#include "attnscope/runtime/attention_device.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QUrl>

#include <memory>

namespace attnscope::studio {

namespace {

const char* kWelcomeHtml = R"(<h2>Welcome to AttnScope</h2>
<p>AttnScope runs transformer models through instrumented attention kernels and shows what their heads do:
attention sinks, retrieval heads, layer similarity, sparsity masks and gaze scanpaths.</p>
<ol>
<li><b>File ▸ Open Model…</b> (Ctrl+O): a Hugging Face folder (config.json + safetensors), a GGUF file or a
llama2.c checkpoint. You can also drop it onto this window.</li>
<li>Type or load the input text in the <b>Model &amp; Input</b> dock (Ctrl+Shift+O loads a file).</li>
<li><b>Tools ▸ Kernel Self-Check</b> measures this machine's attention kernel and verifies it against a
double-precision reference. Long jobs show progress in the status bar; Esc cancels.</li>
<li><b>Tools ▸ Analyze Input</b> (Ctrl+R) runs the analyses on the model and the input in the background
and stores the run in a project (<b>File ▸ New Project…</b>, Ctrl+Alt+N); the <b>Head Atlas</b> and
<b>Heatmap</b> tabs show it. <b>File ▸ Open Project…</b> (Ctrl+Alt+O) reopens earlier runs.</li>
<li><b>File ▸ Import Gaze Recording…</b> (Ctrl+Shift+G) reads human scanpaths (EyeLink .asc, fixation tables,
the STI search set); the <b>Gaze</b> tab draws them and compares two with MultiMatch, ScanMatch, Sequence Score
and more.</li>
<li><b>Tools ▸ Generate with Attention</b> (Ctrl+G) continues the input text and shows, for every new token,
where each head looked when it was chosen (the <b>Generation</b> tab); <b>Tools ▸ Embed Queries and Keys</b>
(Ctrl+Shift+K) places one head's queries and keys in one 2D or 3D space (the <b>Q/K Space</b> tab).</li>
<li><b>File ▸ Export View…</b> (Ctrl+E) saves the current view as PNG, SVG or PDF.</li>
</ol>
<p>The <b>3D View</b> tab shows a matrix as a surface; until a model is analysed it shows an example head.</p>)";

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_jobs(new JobTracker(this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("AttnScope"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    m_theme = m_settings.theme();

    createCentralViews();
    createDocks();
    createMenus();
    createStatusBar();
    loadAnalysisOptions(); // after the log panel: a refused stored setting is said there
    resize(1280, 800);

    m_defaultState = saveState();
    const QByteArray geometry = m_settings.windowGeometry();
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    const QByteArray state = m_settings.windowState();
    if (!state.isEmpty())
        restoreState(state);
    m_properties->showEnvironment();
    log::info("studio", "ready");
}

MainWindow::~MainWindow() = default;

void MainWindow::showSurfaceExample() {
    m_surfaceView->showMatrix(
        recencyAttentionExample(48, 0.15),
        tr("Example: a causal head with a linear recency bias (ALiBi slope 0.15) over 48 "
           "tokens; query rows run front to back, keys left to right. Drag to rotate, "
           "wheel to zoom."),
        "P");
}

void MainWindow::createCentralViews() {
    m_views = new QTabWidget(this);
    m_views->setObjectName(QStringLiteral("views"));
    m_views->setDocumentMode(true);

    auto* welcome = new QTextBrowser(m_views);
    welcome->setObjectName(QStringLiteral("welcomeView"));
    welcome->setHtml(QString::fromUtf8(kWelcomeHtml));
    welcome->setOpenExternalLinks(false);
    m_views->addTab(welcome, tr("Welcome"));

    m_surfaceView = new SurfaceView(m_views);
    m_surfaceView->setObjectName(QStringLiteral("surfaceView"));
    showSurfaceExample();
    m_views->addTab(m_surfaceView, tr("3D View"));
    m_atlas = new HeadAtlasView(m_views);
    m_views->addTab(m_atlas, tr("Head Atlas"));
    m_heatmap = new AttentionHeatmapView(m_views);
    m_views->addTab(m_heatmap, tr("Heatmap"));
    m_report = new QTextBrowser(m_views);
    m_report->setObjectName(QStringLiteral("reportView"));
    m_report->setOpenLinks(false);
    m_report->setPlainText(
        tr("Open a project run: its sinks, retrieval heads, layer similarity, sparsity masks "
           "and heatmaps appear here, as in the exported report."));
    m_views->addTab(m_report, tr("Report"));
    connect(m_views, &QTabWidget::currentChanged, this, [this] {
        if (m_views->currentWidget() == m_report)
            refreshReport();
    });
    m_tokens = new TokenView(m_views);
    m_views->addTab(m_tokens, tr("Tokens"));
    m_details = new HeadDetailsView(m_views);
    m_views->addTab(m_details, tr("Head"));
    m_figures = new RunFigureView(m_views);
    m_views->addTab(m_figures, tr("Layers && Rankings"));
    m_gaze = new GazeView(m_views);
    m_views->addTab(m_gaze, tr("Gaze"));
    connect(m_gaze, &GazeView::statusMessage, this, &MainWindow::showStatus);
    m_qkSpace = new QkSpaceView(m_views);
    m_views->addTab(m_qkSpace, tr("Q/K Space"));
    connect(m_qkSpace, &QkSpaceView::statusMessage, this, &MainWindow::showStatus);
    connect(m_qkSpace, &QkSpaceView::computeRequested, this, [this] { embedQueriesAndKeys(); });
    m_generation = new GenerationView(m_views);
    m_views->addTab(m_generation, tr("Generation"));
    connect(m_generation, &GenerationView::statusMessage, this, &MainWindow::showStatus);
    connect(m_generation, &GenerationView::generateRequested, this, [this] { generateWithAttention(); });
    m_reading = new ReadingCorrelationView(m_views);
    m_views->addTab(m_reading, tr("Reading"));
    connect(m_reading, &ReadingCorrelationView::statusMessage, this, &MainWindow::showStatus);
    connect(m_reading, &ReadingCorrelationView::correlateRequested, this,
            [this] { correlateReadingCorpus(); });
    connect(m_atlas, &HeadAtlasView::headSelected, this, &MainWindow::openHead);
    connect(m_figures, &RunFigureView::headClicked, this, [this](int layer, int head) {
        m_atlas->selectHead(layer, head);
        openHead(layer, head);
    });
    setCentralWidget(m_views);
}

void MainWindow::openHead(int layer, int head) {
    m_qkSpace->setHead(layer, head);
    m_tokens->showHead(layer, head);
    m_details->showHead(layer, head);
    if (m_heatmap->showHead(layer, head))
        m_views->setCurrentWidget(m_heatmap);
}

QDockWidget* MainWindow::addDock(const QString& title, const QString& objectName, QWidget* content,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(content);
    addDockWidget(area, dock);
    m_docks.append(dock);
    return dock;
}

void MainWindow::createDocks() {
    m_modelPanel = new ModelInputPanel(this);
    QDockWidget* modelDock =
        addDock(tr("Model & Input"), QStringLiteral("modelDock"), m_modelPanel, Qt::LeftDockWidgetArea);
    modelDock->toggleViewAction()->setText(tr("Model && Input")); // menus read '&' as a mnemonic
    connect(m_modelPanel, &ModelInputPanel::openModelRequested, this, &MainWindow::chooseModel);
    connect(m_modelPanel, &ModelInputPanel::openTextRequested, this, &MainWindow::chooseInputText);

    m_runs = new QListWidget(this);
    m_runs->setObjectName(QStringLiteral("runsList"));
    auto* placeholder = new QListWidgetItem(tr("No project open: runs appear here."), m_runs);
    placeholder->setFlags(Qt::NoItemFlags);
    addDock(tr("Project"), QStringLiteral("projectDock"), m_runs, Qt::LeftDockWidgetArea);
    auto* rename = new QAction(tr("&Rename Run…"), m_runs);
    rename->setObjectName(QStringLiteral("renameRunAction"));
    rename->setShortcut(QKeySequence(Qt::Key_F2));
    rename->setShortcutContext(Qt::WidgetShortcut);   // F2 in the runs list; the Notes list has its own
    rename->setProperty("where", tr("Project dock")); // Help > Keyboard Shortcuts lists it there
    connect(rename, &QAction::triggered, this, &MainWindow::renameSelectedRun);
    m_runs->addAction(rename);
    auto* remove = new QAction(tr("&Delete Run…"), m_runs);
    remove->setObjectName(QStringLiteral("deleteRunAction"));
    remove->setShortcut(QKeySequence(QKeySequence::Delete));
    remove->setShortcutContext(Qt::WidgetShortcut);
    remove->setProperty("where", tr("Project dock"));
    connect(remove, &QAction::triggered, this, &MainWindow::deleteSelectedRun);
    m_runs->addAction(remove);
    m_runs->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_runs, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item && item->data(Qt::UserRole).isValid())
            loadRun(item->data(Qt::UserRole).toLongLong());
    });

    m_properties = new PropertiesPanel(this);
    addDock(tr("Properties"), QStringLiteral("propertiesDock"), m_properties, Qt::RightDockWidgetArea);

    m_notes = new NotesPanel(this);
    addDock(tr("Notes"), QStringLiteral("notesDock"), m_notes, Qt::RightDockWidgetArea);
    connect(m_notes, &NotesPanel::addRequested, this, &MainWindow::addNote);
    connect(m_notes, &NotesPanel::notesChanged, this, [this] {
        m_reportStale = true; // the report lists the notes
        ++m_reportGeneration;
        if (m_views->currentWidget() == m_report)
            refreshReport();
    });
    connect(m_notes, &NotesPanel::headRequested, this, [this](int layer, int head) {
        m_atlas->selectHead(layer, head);
        openHead(layer, head);
    });
    connect(m_notes, &NotesPanel::tokenRequested, this, [this](int token) {
        if (m_tokens->selectToken(token))
            m_views->setCurrentWidget(m_tokens);
    });

    m_log = new LogPanel(this);
    addDock(tr("Log"), QStringLiteral("logDock"), m_log, Qt::BottomDockWidgetArea);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(QStringLiteral("fileMenu"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::chooseModel);
    open->setObjectName(QStringLiteral("openModelAction"));
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    QAction* openProjectAction = file->addAction(tr("Open &Project…"), this, &MainWindow::chooseProject);
    openProjectAction->setObjectName(QStringLiteral("openProjectAction"));
    openProjectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
    m_recentProjectsMenu = file->addMenu(tr("Open Recent Pro&ject"));
    m_recentProjectsMenu->setObjectName(QStringLiteral("recentProjectsMenu"));
    rebuildRecentMenus();
    QAction* newProjectAction = file->addAction(tr("&New Project…"), this, &MainWindow::chooseNewProject);
    newProjectAction->setObjectName(QStringLiteral("newProjectAction"));
    newProjectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_N));
    QAction* openText = file->addAction(tr("Load Input &Text…"), this, &MainWindow::chooseInputText);
    openText->setObjectName(QStringLiteral("openTextAction"));
    openText->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* importGazeAction =
        file->addAction(tr("Import &Gaze Recording…"), this, &MainWindow::chooseGazeFile);
    importGazeAction->setObjectName(QStringLiteral("importGazeAction"));
    importGazeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G));
    importGazeAction->setToolTip(
        tr("Scanpaths from EyeLink .asc files, fixation tables (multimatch TSV, Data Viewer "
           "reports, any CSV) or the STI search set (.json), drawn and compared in the "
           "Gaze tab"));
    file->addSeparator();
    QAction* exportReportAction = file->addAction(tr("Export &Report…"), this, &MainWindow::chooseReportPath);
    exportReportAction->setObjectName(QStringLiteral("exportReportAction"));
    exportReportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QAction* exportView = file->addAction(tr("&Export View…"), this, &MainWindow::chooseExportPath);
    exportView->setObjectName(QStringLiteral("exportViewAction"));
    exportView->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QAction* exportData = file->addAction(tr("Export Run &Data…"), this, &MainWindow::chooseRunDataPath);
    exportData->setObjectName(QStringLiteral("exportRunDataAction"));
    exportData->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E));
    exportData->setToolTip(tr("The shown run's results: head metrics as CSV, the whole document as JSON, "
                              "or every metric and array as NumPy .npy files in a folder (as the CLI's "
                              "export command)"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->setObjectName(QStringLiteral("viewMenu"));
    for (QDockWidget* dock : m_docks)
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    QMenu* themes = m_viewMenu->addMenu(tr("&Theme"));
    themes->setObjectName(QStringLiteral("themeMenu"));
    m_themeGroup = new QActionGroup(this);
    for (Theme theme : {Theme::Light, Theme::Dark}) {
        QAction* action = themes->addAction(theme == Theme::Light ? tr("&Light") : tr("&Dark"));
        action->setObjectName(themeKey(theme) + QStringLiteral("ThemeAction"));
        action->setCheckable(true);
        action->setChecked(theme == m_theme);
        m_themeGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, theme] { setTheme(theme); });
    }
    QAction* reset = m_viewMenu->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);
    reset->setObjectName(QStringLiteral("resetLayoutAction"));
    QAction* fullScreen = m_viewMenu->addAction(tr("&Full Screen"));
    fullScreen->setObjectName(QStringLiteral("fullScreenAction"));
    fullScreen->setShortcut(QKeySequence::FullScreen);
    fullScreen->setCheckable(true);
    connect(fullScreen, &QAction::toggled, this, [this](bool on) { on ? showFullScreen() : showNormal(); });

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->setObjectName(QStringLiteral("toolsMenu"));
    QAction* analyze = tools->addAction(tr("&Analyze Input"), this, [this] { startAnalysis(); });
    analyze->setObjectName(QStringLiteral("analyzeAction"));
    analyze->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction* needles = tools->addAction(
        tr("Run &Needle Test"), this, [this] { startAnalysis(QStringLiteral("retrieval,sinks,taxonomy")); });
    needles->setObjectName(QStringLiteral("needleTestAction"));
    needles->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    QAction* settings = tools->addAction(tr("Analysis &Settings…"), this, &MainWindow::showAnalysisSettings);
    settings->setObjectName(QStringLiteral("analysisSettingsAction"));
    settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settings->setStatusTip(tr("Which analyses Analyze Input runs, and every method's parameters"));
    QAction* intervene =
        tools->addAction(tr("&Intervene and Re-analyze…"), this, [this] { interveneAndReanalyze(); });
    intervene->setObjectName(QStringLiteral("interveneAction"));
    intervene->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    intervene->setStatusTip(tr("Mask, calibrate (ACT) or share (EchoAtt) attention heads, analyze the "
                               "shown run's input again and compare"));
    QAction* evaluate = tools->addAction(tr("&Evaluate Model…"), this, [this] { evaluateModel(); });
    evaluate->setObjectName(QStringLiteral("evaluateAction"));
    evaluate->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    evaluate->setStatusTip(tr("Perplexity, needle retrieval and copying of the open model, under masking, "
                              "calibration, sharing or sparse attention, beside the model as trained"));
    m_saveEvaluationAction =
        tools->addAction(tr("Save Evaluation &Results…"), this, &MainWindow::chooseEvaluationPath);
    m_saveEvaluationAction->setObjectName(QStringLiteral("saveEvaluationAction"));
    m_saveEvaluationAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_M));
    m_saveEvaluationAction->setEnabled(false);
    QAction* reading = tools->addAction(tr("Predict &Reading Scanpath…"), this, &MainWindow::predictReading);
    reading->setObjectName(QStringLiteral("predictReadingAction"));
    reading->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    reading->setToolTip(
        tr("Word relevance from the open model's attention over the input text, and the reading "
           "scanpath it predicts, in the Gaze tab"));
    QAction* corpus =
        tools->addAction(tr("Correlate with Reading &Corpus…"), this, [this] { correlateReadingCorpus(); });
    corpus->setObjectName(QStringLiteral("correlateReadingCorpusAction"));
    corpus->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R));
    corpus->setToolTip(tr("The open model's word relevance against human reading times in a word-level "
                          "eye-tracking report (Provo, GECO, MECO), in the Reading tab"));
    QAction* qk = tools->addAction(tr("Embed &Queries and Keys"), this, [this] { embedQueriesAndKeys(); });
    qk->setObjectName(QStringLiteral("embedQueriesKeysAction"));
    qk->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    qk->setToolTip(tr("The Q/K Space tab's head: its queries and keys of the input text in one 2D/3D space "
                      "(PCA or t-SNE), a query near the keys it attends to"));
    QAction* generation =
        tools->addAction(tr("&Generate with Attention"), this, [this] { generateWithAttention(); });
    generation->setObjectName(QStringLiteral("generateWithAttentionAction"));
    generation->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    generation->setToolTip(
        tr("Continue the input text with the open model; the Generation tab shows where each "
           "head looked when each new token was chosen"));
    QAction* compare = tools->addAction(tr("&Compare Runs…"), this, [this] { compareRuns(); });
    compare->setObjectName(QStringLiteral("compareRunsAction"));
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    QAction* note = tools->addAction(tr("Add N&ote…"), this, &MainWindow::addNote);
    note->setObjectName(QStringLiteral("addNoteAction"));
    note->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    QAction* selfCheck = tools->addAction(tr("Kernel &Self-Check"), this, &MainWindow::startKernelSelfCheck);
    selfCheck->setObjectName(QStringLiteral("selfCheckAction"));
    selfCheck->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    tools->addSeparator();
    QAction* bf16 = tools->addAction(tr("&bf16 Weights (Half the Memory)"));
    bf16->setObjectName(QStringLiteral("bf16WeightsAction"));
    bf16->setCheckable(true);
    bf16->setChecked(m_settings.bf16Weights());
    bf16->setToolTip(
        tr("Keep weight matrices as bf16 and multiply in bf16 (fp32 results) in later runs: half "
           "the memory of fp32 weights, about three significant digits per product. Attention "
           "and its statistics stay fp32."));
    bf16->setStatusTip(bf16->toolTip());
    connect(bf16, &QAction::toggled, this, [this](bool on) { m_settings.setBf16Weights(on); });
    addCudaAttentionAction(tools);
    tools->addSeparator();
    m_cancelAction = tools->addAction(tr("&Cancel Job"), m_jobs, &JobTracker::cancel);
    m_cancelAction->setObjectName(QStringLiteral("cancelJobAction"));
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setEnabled(false);
    connect(m_jobs, &JobTracker::stateChanged, this,
            [this](JobState state) { m_cancelAction->setEnabled(state == JobState::Running); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction* about = help->addAction(tr("&About AttnScope"), this, [this] { AboutDialog(this).exec(); });
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts);
    keys->setObjectName(QStringLiteral("shortcutsAction"));
    keys->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));

    // The everyday actions, one click away (their menus keep the shortcuts).
    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (const char* name : {"openModelAction", "openProjectAction", "analyzeAction", "needleTestAction",
                             "exportViewAction", "exportReportAction", "cancelJobAction"})
        if (QAction* action = findChild<QAction*>(QString::fromLatin1(name)))
            toolbar->addAction(action);
}

void MainWindow::createStatusBar() {
    m_statusLabel = new QLabel(tr("Ready"), this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    statusBar()->addWidget(m_statusLabel, 1);
    m_progress = new JobProgressWidget(m_jobs, this);
    m_progress->setObjectName(QStringLiteral("jobProgress"));
    statusBar()->addPermanentWidget(m_progress);
    connect(m_jobs, &JobTracker::started, this,
            [this](quint64 id, const QString& title) { m_jobTitles.insert(id, title); });
    connect(m_jobs, &JobTracker::superseded, this,
            [this](quint64 id, const QString& title, const QString& by) {
                m_jobTitles.remove(id);
                if (id != m_tilesJob) // the automatic tiles job is restarted later: not worth a message
                    showStatus(tr("%1: cancelled (superseded by %2)").arg(title, by));
            });
    // The tracker reports a job's outcome (stateChanged) before its completion handler runs, and
    // finished() after: a completed job whose handler said what it found keeps that message.
    connect(m_jobs, &JobTracker::stateChanged, this, [this](JobState state) {
        if (state == JobState::Completed || state == JobState::Failed || state == JobState::Cancelled)
            m_statusAtJobOutcome = m_statusSerial;
    });
    connect(m_jobs, &JobTracker::finished, this, [this](quint64 id, JobState state, const QString& message) {
        const QString title = m_jobTitles.take(id);
        if (state != JobState::Completed || m_statusSerial == m_statusAtJobOutcome)
            showStatus(title + QStringLiteral(": ") + jobStateName(state).toLower() +
                       (message.isEmpty() ? QString() : QStringLiteral(" — ") + message));
        if (id != m_tilesJob && !m_jobs->isBusy())
            startExactTiles(); // deferred (or superseded) while the user's job ran; not if onDone started it
    });
}

void MainWindow::showStatus(const QString& message) {
    ++m_statusSerial;
    m_statusLabel->setText(message);
}

void MainWindow::rebuildRecentMenus() {
    using Recent = StudioSettings::Recent;
    for (const Recent list : {Recent::Models, Recent::Projects}) {
        QMenu* menu = list == Recent::Models ? m_recentMenu : m_recentProjectsMenu;
        menu->clear();
        const QStringList recent = m_settings.recent(list);
        for (int i = 0; i < recent.size(); ++i) {
            const QString path = recent[i];
            // &1..&9, &0: the first ten entries are one keystroke away once the menu is open.
            QAction* action = menu->addAction(QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(path));
            action->setData(path);
            if (list == Recent::Models)
                connect(action, &QAction::triggered, this, [this, path] { openModel(path); });
            else
                connect(action, &QAction::triggered, this, [this, path] { openProject(path); });
        }
        if (recent.isEmpty()) {
            menu->addAction(tr("(none)"))->setEnabled(false);
            continue;
        }
        menu->addSeparator();
        menu->addAction(tr("Clear List"), this, [this, list] {
            m_settings.clearRecent(list);
            rebuildRecentMenus();
        });
    }
}

bool MainWindow::openModel(const QString& path) {
    auto probe = model::probeModelFormat(path.toStdString());
    if (!probe) {
        const QString message = QString::fromStdString(probe.status().toString());
        m_modelPanel->showModelError(message);
        showStatus(tr("Could not open the model: %1").arg(message));
        log::warning("studio", probe.status().toString());
        return false;
    }
    const QString summary = QString::fromStdString(probe->summary);
    m_modelPath = path;
    m_modelPanel->showModel(path, summary);
    m_settings.addRecent(StudioSettings::Recent::Models, QFileInfo(path).absoluteFilePath()); // survives a cd
    rebuildRecentMenus();
    setWindowTitle(QStringLiteral("AttnScope — %1").arg(QFileInfo(path).fileName()));
    showStatus(tr("Recognised %1").arg(summary));
    log::info("studio", "model " + path.toStdString() + ": " + probe->summary);
    return true;
}

bool MainWindow::loadInputText(const QString& path) {
    QFile file(path);
    constexpr qint64 kMaxInputBytes = 64 * 1024 * 1024;
    if (!file.open(QIODevice::ReadOnly)) {
        showStatus(tr("%1: cannot open: %2").arg(path, file.errorString()));
        return false;
    }
    if (file.size() > kMaxInputBytes) {
        showStatus(tr("%1: %2 MB exceeds the 64 MB input limit").arg(path).arg(file.size() / (1024 * 1024)));
        return false;
    }
    m_modelPanel->setInputText(QString::fromUtf8(file.readAll()));
    showStatus(tr("Loaded input text from %1").arg(QFileInfo(path).fileName()));
    return true;
}

void MainWindow::chooseModel() {
    // A model is a file (GGUF, llama2.c) or a folder (Hugging Face); the dialog picks files, and a
    // folder is chosen by picking its config.json.
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Model"), m_settings.lastDirectory(),
                                     tr("Models (*.gguf *.bin config.json *.safetensors);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastDirectory(QFileInfo(path).absolutePath());
    const QFileInfo info(path);
    openModel(info.fileName() == QLatin1String("config.json") || info.suffix() == QLatin1String("safetensors")
                  ? info.absolutePath()
                  : path);
}

void MainWindow::chooseInputText() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Input Text"), m_settings.lastDirectory(),
                                                      tr("Text (*.txt *.md);;All files (*)"));
    if (!path.isEmpty())
        loadInputText(path);
}

bool MainWindow::saveScreenshot(const QString& path) {
    return grab().save(path, "PNG");
}

bool MainWindow::showView(const QString& objectName) {
    for (int i = 0; i < m_views->count(); ++i)
        if (m_views->widget(i)->objectName() == objectName) {
            m_views->setCurrentIndex(i);
            return true;
        }
    return false;
}

void MainWindow::setTheme(Theme theme) {
    m_theme = theme;
    applyTheme(theme);
    m_settings.setTheme(theme);
    for (QAction* action : m_themeGroup->actions())
        action->setChecked(action->objectName().startsWith(themeKey(theme)));
}

void MainWindow::addCudaAttentionAction(QMenu* tools) {
    QAction* cuda = tools->addAction(tr("Attention on the &GPU (CUDA)"));
    cuda->setObjectName(QStringLiteral("cudaAttentionAction"));
    cuda->setCheckable(true);
    // Probing the device also tells whether the action can be offered at all.
    const Status available = runtime::setAttentionDevice(runtime::AttentionDevice::Cuda);
    (void)runtime::setAttentionDevice(runtime::AttentionDevice::Cpu);
    if (!available.isOk()) {
        cuda->setEnabled(false);
        cuda->setToolTip(tr("Unavailable: %1").arg(QString::fromStdString(available.message())));
    } else {
        cuda->setToolTip(tr("Run the attention kernels and their statistics on the GPU in later runs; the "
                            "rest of the model stays on the CPU. Statistics the CUDA kernels do not compute "
                            "yet run on the CPU."));
        cuda->setChecked(m_settings.cudaAttention());
        if (cuda->isChecked())
            (void)runtime::setAttentionDevice(runtime::AttentionDevice::Cuda);
    }
    cuda->setStatusTip(cuda->toolTip());
    connect(cuda, &QAction::toggled, this, [this, cuda](bool on) {
        const Status status =
            runtime::setAttentionDevice(on ? runtime::AttentionDevice::Cuda : runtime::AttentionDevice::Cpu);
        if (!status.isOk()) {
            const QSignalBlocker block(cuda);
            cuda->setChecked(false);
            statusBar()->showMessage(QString::fromStdString(status.message()), 8000);
            return;
        }
        m_settings.setCudaAttention(on);
    });
}

runtime::LoadOptions MainWindow::loadOptions() const {
    runtime::LoadOptions options;
    if (m_settings.bf16Weights())
        options.matrices = runtime::WeightPrecision::BF16;
    return options;
}

void MainWindow::resetLayout() {
    restoreState(m_defaultState);
    for (QDockWidget* dock : m_docks)
        dock->show();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    m_settings.setWindowLayout(saveGeometry(), saveState());
    m_jobs->cancel();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix == QLatin1String("txt") || suffix == QLatin1String("md"))
            loadInputText(path);
        else if (suffix == QLatin1String("attnscope"))
            openProject(path);
        else
            openModel(path);
    }
    event->acceptProposedAction();
}

} // namespace attnscope::studio
