// SPDX-License-Identifier: Apache-2.0
#include "main_window.h"

#include "../dialogs/about_dialog.h"
#include "../dialogs/compare_runs_dialog.h"
#include "../jobs/job_progress_widget.h"
#include "../jobs/job_tracker.h"
#include "../views/attention_heatmap_view.h"
#include "../views/exact_tiles.h"
#include "../views/head_atlas_view.h"
#include "../views/head_details_view.h"
#include "../views/log_panel.h"
#include "../views/matrix_surface.h"
#include "../views/model_input_panel.h"
#include "../views/prepared_run.h"
#include "../views/properties_panel.h"
#include "../views/run_figure_view.h"
#include "../views/surface_view.h"
#include "../views/token_view.h"
#include "attnscope/analyses/suite.h"
#include "attnscope/core/log.h"
#include "attnscope/model/model_format.h"
#include "attnscope/runtime/attention_device.h"
#include "attnscope/runtime/kernel_self_check.h"
#include "attnscope/store/project.h"
#include "attnscope/store/run_exchange.h"
#include "attnscope/store/suite_run.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "render/report.h"
#include "render/report_writer.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QPainter>
#include <QPdfWriter>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QToolBar>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include <nlohmann/json.hpp>

#include <memory>

namespace attnscope::studio {

namespace {

/// A bundled sample input (installed beside the application, in /usr/share, or in the source tree).
QString bundledSample(const QString& name) {
    const QStringList folders = {QCoreApplication::applicationDirPath() +
                                     QStringLiteral("/../share/attnscope/samples"),
                                 QStringLiteral("/usr/share/attnscope/samples"),
                                 QStringLiteral(ATTNSCOPE_SOURCE_RESOURCES "/samples")};
    for (const QString& folder : folders)
        if (QFileInfo::exists(folder + QLatin1Char('/') + name))
            return QFileInfo(folder + QLatin1Char('/') + name).absoluteFilePath();
    return {};
}

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
    m_surfaceView->showMatrix(
        recencyAttentionExample(48, 0.15),
        tr("Example: a causal head with a linear recency bias (ALiBi slope 0.15) over 48 "
           "tokens; query rows run front to back, keys left to right. Drag to rotate, "
           "wheel to zoom."),
        "P");
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
    connect(m_atlas, &HeadAtlasView::headSelected, this, &MainWindow::openHead);
    connect(m_figures, &RunFigureView::headClicked, this, [this](int layer, int head) {
        m_atlas->selectHead(layer, head);
        openHead(layer, head);
    });
    setCentralWidget(m_views);
}

void MainWindow::openHead(int layer, int head) {
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
    connect(m_runs, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item && item->data(Qt::UserRole).isValid())
            loadRun(item->data(Qt::UserRole).toLongLong());
    });

    m_properties = new PropertiesPanel(this);
    addDock(tr("Properties"), QStringLiteral("propertiesDock"), m_properties, Qt::RightDockWidgetArea);

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
    QAction* compare = tools->addAction(tr("&Compare Runs…"), this, [this] { compareRuns(); });
    compare->setObjectName(QStringLiteral("compareRunsAction"));
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
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
    connect(m_jobs, &JobTracker::finished, this, [this](quint64 id, JobState state, const QString& message) {
        showStatus(m_jobTitles.take(id) + QStringLiteral(": ") + jobStateName(state).toLower() +
                   (message.isEmpty() ? QString() : QStringLiteral(" — ") + message));
        if (id != m_tilesJob && !m_jobs->isBusy())
            startExactTiles(); // deferred (or superseded) while the user's job ran; not if onDone started it
    });
}

void MainWindow::showStatus(const QString& message) {
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

void MainWindow::chooseExportPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export View"), m_settings.lastDirectory(),
                                     tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
    if (!path.isEmpty())
        exportCurrentView(path);
}

bool MainWindow::exportCurrentView(const QString& path) {
    QWidget* view = m_views->currentWidget();
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = view->grab().save(path, "PNG");
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(view->size());
        generator.setViewBox(view->rect());
        generator.setTitle(m_views->tabText(m_views->currentIndex()));
        QPainter painter;
        if (painter.begin(&generator)) {
            view->render(&painter);
            ok = painter.end();
        }
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter writer(path);
        writer.setTitle(m_views->tabText(m_views->currentIndex()));
        writer.setCreator(QStringLiteral("AttnScope"));
        const QPixmap pixmap = view->grab();
        QPainter painter;
        if (painter.begin(&writer)) {
            const QRect page = painter.viewport();
            const QSize scaled = pixmap.size().scaled(page.size(), Qt::KeepAspectRatio);
            painter.drawPixmap(QRect(page.topLeft(), scaled), pixmap);
            ok = painter.end();
        }
    } else {
        showStatus(tr("%1: unknown format '%2' (use .png, .svg or .pdf)").arg(path, suffix));
        return false;
    }
    showStatus(ok ? tr("Exported %1").arg(path) : tr("%1: export failed").arg(path));
    return ok;
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

void MainWindow::chooseNewProject() {
    QString path = QFileDialog::getSaveFileName(this, tr("New Project"), QStringLiteral("analysis.attnscope"),
                                                tr("AttnScope projects (*.attnscope)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QStringLiteral(".attnscope")))
        path += QStringLiteral(".attnscope");
    newProject(path);
}

bool MainWindow::newProject(const QString& path) {
    auto project = store::Project::open(path.toStdString(), store::OpenMode::CreateIfMissing);
    if (!project) {
        showStatus(
            tr("Cannot create the project: %1").arg(QString::fromStdString(project.status().toString())));
        return false;
    }
    return openProject(path);
}

quint64 MainWindow::startAnalysis(const QString& analyses) {
    if (refuseWhileBusy())
        return 0;
    if (m_modelPath.isEmpty()) {
        showStatus(tr("Open a model first (File ▸ Open Model…)"));
        return 0;
    }
    const QString text = m_modelPanel->inputText();
    if (text.trimmed().isEmpty()) {
        showStatus(tr("Type or load an input text first"));
        return 0;
    }
    if (m_projectPath.isEmpty()) {
        chooseNewProject();
        if (m_projectPath.isEmpty())
            return 0;
    }
    // The tokenizer: the model's own (HF directory, GGUF); a llama2.c checkpoint has none, and llama2.c
    // keeps it as tokenizer.bin beside the checkpoint.
    QString tokenizerPath = m_modelPath;
    if (QFileInfo(m_modelPath).suffix().toLower() == QLatin1String("bin")) {
        tokenizerPath = QFileInfo(m_modelPath).dir().filePath(QStringLiteral("tokenizer.bin"));
        if (QFileInfo(tokenizerPath) == QFileInfo(m_modelPath) || !QFileInfo::exists(tokenizerPath)) {
            showStatus(tr("%1 is a llama2.c checkpoint, which carries no tokenizer: put its tokenizer.bin "
                          "next to it")
                           .arg(QFileInfo(m_modelPath).fileName()));
            return 0;
        }
    }
    struct Job {
        std::string modelPath, tokenizerPath, projectPath, text, analyses, needles;
        int64_t runId = 0;
        PreparedRun prepared; ///< the stored run read back, ready for the views
        runtime::LoadOptions load;
    };
    auto job = std::make_shared<Job>(
        Job{m_modelPath.toStdString(), tokenizerPath.toStdString(), m_projectPath.toStdString(),
            text.toStdString(), analyses.toStdString(),
            bundledSample(QStringLiteral("needles.jsonl")).toStdString(), 0, PreparedRun{}, loadOptions()});
    if (analyses.contains(QStringLiteral("retrieval")) && job->needles.empty()) {
        showStatus(tr("The needle test needs the bundled needle prompts (samples/needles.jsonl), not found"));
        return 0;
    }
    return m_jobs->start(
        tr("Analysing the input (%1 characters)").arg(text.size()),
        [job](const Progress& progress) -> Status {
            const std::string started = store::utcNow();
            QElapsedTimer clock;
            clock.start();
            ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                                       runtime::Model::load(job->modelPath, job->load));
            ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                                       tokenizers::loadTokenizer(job->tokenizerPath));
            ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding encoding, tokenizer->encode(job->text, true));
            analyses::SuiteInput input;
            input.modelPath = job->modelPath;
            input.tokens = encoding.ids;
            input.tokenizer = tokenizer.get();
            input.razorBos = encoding.ids.empty() ? 0 : encoding.ids.front();
            analyses::SuiteOptions options;
            options.analyses = job->analyses;
            options.needles = job->needles;
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::SuiteResult result,
                analyses::runSuite(model, input, options, progress.subRange(0.0f, 0.95f)));
            store::SuiteRunInfo info;
            info.modelPath = job->modelPath;
            info.label = "studio";
            info.settingsJson = "{\"analyses\": \"" + job->analyses +
                                "\", \"block_size\": " + std::to_string(result.blockSize) +
                                ", \"weights\": \"" + runtime::weightPrecisionName(job->load.matrices) +
                                "\", \"attention_device\": \"" +
                                runtime::attentionDeviceName(runtime::attentionDevice()) + "\"}";
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
        [this, job](const Status& status) {
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
        });
}

void MainWindow::refreshReport() {
    if (!m_reportStale || !m_shownRun)
        return;
    m_reportStale = false;
    // Some thirty figures for a large run: drawn on a worker thread (figures paint QImages in the light
    // ink there); the tab shows the newest request's report only.
    const quint64 generation = ++m_reportGeneration;
    std::shared_ptr<const store::RunRecord> run = m_shownRun;
    const QString project = m_projectPath;
    m_report->setPlainText(tr("Drawing the report of run %1…").arg(run->id));
    using Result = std::shared_ptr<Expected<render::Report>>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, id = run->id] {
        watcher->deleteLater();
        if (generation != m_reportGeneration)
            return;
        const Result report = watcher->result();
        if (!*report) {
            m_report->setPlainText(QString::fromStdString(report->status().toString()));
            return;
        }
        QTextDocument* document = m_report->document();
        document->clear();
        for (const auto& [name, image] : (*report)->figures)
            document->addResource(QTextDocument::ImageResource, QUrl(name), image);
        m_report->setHtml(QStringLiteral("<h1>%1</h1>").arg((*report)->title) + (*report)->body);
        Q_EMIT reportShown(id);
    });
    watcher->setFuture(QtConcurrent::run([run, project] {
        return std::make_shared<Expected<render::Report>>(render::buildReport(*run, project));
    }));
}

void MainWindow::chooseReportPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Report"), QStringLiteral("report.html"),
                                     tr("HTML report (*.html);;PDF report (*.pdf)"));
    if (!path.isEmpty())
        exportReport(path);
}

bool MainWindow::exportReport(const QString& path) {
    if (m_projectPath.isEmpty() || !m_shownRun) {
        showStatus(tr("Open a project run first"));
        return false;
    }
    // The shown run is in memory already (read and decompressed when it was loaded); rendering the
    // figures takes a moment for a large run, so the cursor says so.
    showStatus(tr("Writing %1…").arg(QFileInfo(path).fileName()));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Status status = render::writeReport(*m_shownRun, m_projectPath.toStdString(), path.toStdString());
    QApplication::restoreOverrideCursor();
    showStatus(status.isOk()
                   ? tr("Wrote %1").arg(path)
                   : tr("Cannot export the report: %1").arg(QString::fromStdString(status.toString())));
    return status.isOk();
}

CompareRunsDialog* MainWindow::compareRuns(qint64 a, qint64 b) {
    if (m_projectPath.isEmpty()) {
        showStatus(tr("Open a project first (File ▸ Open Project…)"));
        return nullptr;
    }
    // Non-modal: the runs stay browsable beside it. Without ids: the two newest runs, the older as A.
    auto* dialog = new CompareRunsDialog(m_projectPath, a, b, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::chooseRunDataPath() {
    if (!m_shownRun) {
        showStatus(tr("Open a project run first"));
        return;
    }
    const QString csv = tr("Head metrics, CSV (*.csv)"), json = tr("Run document, JSON (*.json)"),
                  npy = tr("NumPy arrays, a folder (*)");
    QString filter;
    QString path =
        QFileDialog::getSaveFileName(this, tr("Export Run Data"), QStringLiteral("run%1").arg(m_runId),
                                     csv + QStringLiteral(";;") + json + QStringLiteral(";;") + npy, &filter);
    if (path.isEmpty())
        return;
    const QString format = filter == npy    ? QStringLiteral("npy")
                           : filter == json ? QStringLiteral("json")
                                            : QStringLiteral("csv");
    if (format != QLatin1String("npy") && QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + format; // the name follows the chosen format (a folder for npy)
    exportRunData(path, format);
}

bool MainWindow::exportRunData(const QString& path, const QString& format) {
    if (!m_shownRun) {
        showStatus(tr("Open a project run first"));
        return false;
    }
    auto written = store::exportRun(*m_shownRun, format.toStdString(), path.toStdString());
    if (!written) {
        showStatus(tr("Cannot export the run: %1").arg(QString::fromStdString(written.status().toString())));
        return false;
    }
    showStatus(tr("Exported run %1 as %2: %3 file(s) in %4")
                   .arg(m_runId)
                   .arg(format)
                   .arg((*written)["written"].size())
                   .arg(path));
    return true;
}

void MainWindow::chooseProject() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Project"), QString(),
                                                      tr("AttnScope projects (*.attnscope);;All files (*)"));
    if (!path.isEmpty())
        openProject(path);
}

bool MainWindow::openProject(const QString& path) {
    if (!listProject(path))
        return false;
    if (m_runs->count() == 0 || !m_runs->item(m_runs->count() - 1)->data(Qt::UserRole).isValid())
        return true;
    const QSignalBlocker block(m_runs); // the newest run is loaded below, once
    m_runs->setCurrentRow(m_runs->count() - 1);
    return loadRun(m_runs->item(m_runs->count() - 1)->data(Qt::UserRole).toLongLong());
}

bool MainWindow::listProject(const QString& path) {
    auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
    if (!project) {
        showStatus(
            tr("Cannot open the project: %1").arg(QString::fromStdString(project.status().toString())));
        log::error("studio", project.status().toString());
        return false;
    }
    auto runs = project->runs();
    if (!runs) {
        showStatus(QString::fromStdString(runs.status().toString()));
        return false;
    }
    m_projectPath = path;
    m_settings.addRecent(StudioSettings::Recent::Projects, QFileInfo(path).absoluteFilePath());
    rebuildRecentMenus();
    const QSignalBlocker block(m_runs);
    m_runs->clear();
    for (const store::RunSummary& r : *runs) {
        auto* item =
            new QListWidgetItem(tr("Run %1 — %2 (%3 tokens, %4)")
                                    .arg(r.id)
                                    .arg(QString::fromStdString(r.label.empty() ? r.started : r.label))
                                    .arg(r.tokens)
                                    .arg(QString::fromStdString(r.status)),
                                m_runs);
        item->setData(Qt::UserRole, QVariant::fromValue<qint64>(r.id));
        item->setToolTip(QString::fromStdString(r.modelPath));
    }
    showStatus(tr("Opened %1: %2 runs").arg(QFileInfo(path).fileName()).arg(runs->size()));
    return true;
}

bool MainWindow::loadRun(qint64 id) {
    if (m_projectPath.isEmpty())
        return false;
    // Reading, decompressing and preparing a run (thumbnails, the token text) takes a 32k-token run
    // hundreds of milliseconds: done on a worker thread, the views take the result. A newer request
    // supersedes one still loading (clicking through the runs list shows the last one clicked).
    const quint64 generation = ++m_loadGeneration;
    const std::string path = m_projectPath.toStdString();
    using Result = std::shared_ptr<Expected<PreparedRun>>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, id] {
        watcher->deleteLater();
        if (generation != m_loadGeneration)
            return;
        Result result = watcher->result();
        if (!*result) {
            showStatus(tr("Cannot load run %1: %2")
                           .arg(id)
                           .arg(QString::fromStdString(result->status().toString())));
            log::error("studio", result->status().toString());
            return;
        }
        showRun(std::move(**result));
    });
    watcher->setFuture(QtConcurrent::run(
        [path, id] { return std::make_shared<Expected<PreparedRun>>(loadPreparedRun(path, id)); }));
    showStatus(tr("Loading run %1…").arg(id));
    return true;
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

void MainWindow::startExactTiles() {
    if (!m_shownRun || m_shownRun->input.tokens.empty() || m_tilesRun == m_runId || userJobRunning())
        return; // nothing to do, done already, or restarted when the user's job ends
    if (m_jobs->isBusy() && m_jobs->currentId() == m_tilesJob && m_tilesJobRun == m_runId)
        return; // being prepared for this very run (a model load cannot be cancelled halfway)
    const store::RunRecord& run = *m_shownRun;
    // One forward pass keeping every layer's queries and keys, with the weights the run was computed
    // with. It supersedes a tiles job still running for a run shown before.
    runtime::LoadOptions load;
    const auto settings = nlohmann::json::parse(run.settingsJson, nullptr, false);
    if (settings.is_object() && settings.value("weights", "f32") == "bf16")
        load.matrices = runtime::WeightPrecision::BF16;
    auto tiles = std::make_shared<std::shared_ptr<ExactTiles>>();
    const std::string modelPath = run.model.path;
    const std::vector<int32_t> tokens = run.input.tokens;
    const qint64 runId = run.id;
    const QString project = m_projectPath;
    m_tilesJobRun = runId;
    m_tilesJob = m_jobs->start(
        tr("Preparing exact tiles for deep zoom"),
        [tiles, modelPath, tokens, load](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(*tiles, ExactTiles::capture(modelPath, tokens, progress, load));
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

void MainWindow::showRun(const PreparedRun& prepared) {
    const store::RunRecord& run = *prepared.record;
    const qint64 id = run.id;
    m_atlas->setRun(prepared);
    m_heatmap->setRun(prepared);
    m_tokens->setRun(prepared);
    m_details->setRun(prepared);
    m_figures->setRun(prepared);
    m_tilesRun = 0; // the views dropped their tiles with setRun
    m_runId = id;
    // The report tab draws some thirty figures: built when the tab is shown, not on every selection.
    m_shownRun = prepared.record;
    startExactTiles();
    m_reportStale = true;
    ++m_reportGeneration; // a report still being drawn for the run shown before is dropped
    if (m_views->currentWidget() == m_report)
        refreshReport();
    // The 3D view shows the run's layer similarity (head-averaged maps) as a surface.
    if (const store::ArrayRecord* a = prepared.array("similarity.layer_head_averaged");
        a && a->shape.size() == 2) {
        Matrix similarity{static_cast<int>(a->shape[0]), static_cast<int>(a->shape[1]),
                          std::vector<double>(a->f32.begin(), a->f32.end())};
        m_surfaceView->showMatrix(
            similarity,
            tr("Run %1: layer similarity (cosine of head-averaged attention maps), layers "
               "front to back and left to right. Drag to rotate, wheel to zoom.")
                .arg(id),
            "cos");
    }
    // The first run shown replaces the welcome page with the atlas; later ones keep the view the user is
    // looking at.
    if (m_views->currentWidget() == m_views->widget(0))
        m_views->setCurrentWidget(m_atlas);
    showStatus(tr("Run %1: %2 head metrics").arg(id).arg(run.metrics.size()));
    Q_EMIT runShown(id);
}

} // namespace attnscope::studio
