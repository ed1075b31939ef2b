// SPDX-License-Identifier: Apache-2.0
// Opening a project in the studio and exploring a run: the runs list, the head atlas (metric choice,
// clicking a head, keyboard), and the block-level heatmap (zoom, pan, reset, linear/log) — first on a
// constructed run with known values, then on a real run of the demo model written by attnscope-cli.
#include "app/main_window.h"
#include "app/studio_settings.h"
#include "dialogs/add_note_dialog.h"
#include "dialogs/analysis_settings_dialog.h"
#include "dialogs/compare_runs_dialog.h"
#include "gui_test_main.h"
#include "jobs/job_tracker.h"
#include "views/attention_heatmap_view.h"
#include "views/head_atlas_view.h"
#include "views/head_details_view.h"
#include "views/notes_panel.h"
#include "views/run_figure_view.h"
#include "views/surface_view.h"
#include "views/token_text.h"
#include "views/token_view.h"

#include "attnscope/store/project.h"

#include <QAction>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <cmath>

#include <nlohmann/json.hpp>

using namespace attnscope;
using namespace attnscope::studio;

namespace {

/// A number from the demo model's config.json.
int demoConfig(const QString& key) {
    QFile file(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo/config.json"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    return QJsonDocument::fromJson(file.readAll()).object().value(key).toInt(-1);
}

/// The widget and its children painted now, whatever the window system does.
QImage renderWidget(QWidget* widget) {
    QImage image(widget->size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    widget->render(&image);
    return image;
}

/// 2 layers x 4 heads; token0_mass = 0.1 layer + 0.01 head; a 16 x 16 block grid per head whose
/// diagonal holds 1 + head + 10 layer.
store::RunRecord constructedRun() {
    store::RunRecord run;
    run.label = "constructed";
    run.settingsJson = R"({"block_size": 64})";
    run.model = {"/models/tiny", "hf", "sampled-sha256:0", "{}"};
    run.input.tokens = std::vector<int32_t>(1024, 5);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h) {
            run.metrics.push_back({"sinks", "token0_mass", l, h, 0.1 * l + 0.01 * h});
            run.metrics.push_back({"sparsity", "flexprefill.recall", l, h, 0.5});
        }
    store::ArrayRecord grid;
    grid.name = "attention.block_sum";
    grid.shape = {2, 4, 16, 16};
    grid.f32.assign(2 * 4 * 16 * 16, 0.0f);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h)
            for (int i = 0; i < 16; ++i)
                grid.f32[((static_cast<std::size_t>(l) * 4 + h) * 16 + i) * 16 + i] = 1.0f + h + 10.0f * l;
    run.arrays.push_back(grid);
    return run;
}

/// A new project at `path` holding constructedRun() as run 1.
bool projectWithConstructedRun(const QString& path) {
    auto project = store::Project::open(path.toStdString(), store::OpenMode::CreateIfMissing);
    return project && project->addRun(constructedRun());
}

} // namespace

/// Two runs of the demo model (sparsity, so K4 block sums are stored) on different 128-token inputs.
bool twoDemoRuns(const QString& path) {
    for (int stride : {7, 13}) {
        QStringList ids;
        for (int i = 0; i < 128; ++i)
            ids << QString::number(2 + (i * stride) % 2000);
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("analyze"),
                   QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                   QStringLiteral("--tokens"), ids.join(QLatin1Char(',')), QStringLiteral("--analyses"),
                   QStringLiteral("sparsity"), QStringLiteral("--project"), path});
        if (!cli.waitForFinished(120000) || cli.exitCode() != 0)
            return false;
    }
    return true;
}

/// Runs `handle` on the modal dialog of type D that the caller's next step opens; any other modal dialog
/// is rejected, so that the test fails instead of hanging.
template <typename D, typename F>
void onNextModal(QObject* context, F handle) {
    QTimer::singleShot(0, context, [handle] {
        QWidget* modal = QApplication::activeModalWidget();
        if (auto* dialog = qobject_cast<D*>(modal))
            handle(dialog);
        else if (auto* other = qobject_cast<QDialog*>(modal))
            other->reject();
    });
}

class TestProjectViews : public QObject {
    Q_OBJECT
private Q_SLOTS:
    /// Every test starts from the studio's default analysis settings, whatever an earlier one left.
    void init() { StudioSettings().setAnalysisSettings(QString()); }

    void atlasAndHeatmapOnAConstructedRun() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("p.attnscope"));
        QVERIFY(projectWithConstructedRun(path));
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // The run is read and prepared on a worker thread, then shown: runShown says when.
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QCOMPARE(window.runsList()->count(), 1);
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), window.shownRunId());
        // The project is remembered: File > Open Recent Project reopens it.
        auto* recentProjects = window.findChild<QMenu*>(QStringLiteral("recentProjectsMenu"));
        QVERIFY(recentProjects);
        QCOMPARE(recentProjects->actions().first()->data().toString(), QFileInfo(path).absoluteFilePath());
        window.runsList()->clear();
        recentProjects->actions().first()->trigger();
        QCOMPARE(window.runsList()->count(), 1);
        QVERIFY(shown.wait(30000));
        HeadAtlasView* atlas = window.headAtlas();
        QCOMPARE(window.views()->currentWidget(), atlas);
        QCOMPARE(atlas->layers(), 2);
        QCOMPARE(atlas->heads(), 4);
        QCOMPARE(atlas->metric(), QStringLiteral("sinks / token0_mass"));
        QVERIFY(atlas->metricNames().contains(QStringLiteral("sparsity / flexprefill.recall")));
        QCOMPARE(atlas->matrix().at(1, 3), 0.13);
        QVERIFY(atlas->setMetric(QStringLiteral("sparsity / flexprefill.recall")));
        QCOMPARE(atlas->matrix().at(0, 0), 0.5);

        // Clicking head (1, 2) opens it in the heatmap.
        QSignalSpy selected(atlas, &HeadAtlasView::headSelected);
        QTest::qWait(50);
        QTest::mouseClick(atlas->canvas(), Qt::LeftButton, {}, atlas->cellRect(1, 2).center().toPoint());
        QCOMPARE(selected.count(), 1);
        AttentionHeatmapView* heatmap = window.heatmap();
        QCOMPARE(window.views()->currentWidget(), heatmap);
        QCOMPARE(heatmap->head(), std::make_pair(1, 2));
        QCOMPARE(heatmap->blocks(), 16);
        QCOMPARE(heatmap->visibleBlocks(), QRectF(0, 0, 16, 16));

        // Zoom in around the centre, pan, clamp at the edge, reset, colour scale.
        heatmap->setFocus();
        heatmap->zoom(2.0, QPointF(8, 8));
        QCOMPARE(heatmap->visibleBlocks(), QRectF(4, 4, 8, 8));
        QTest::keyClick(heatmap, Qt::Key_Right);
        QCOMPARE(heatmap->visibleBlocks().x(), 5.0);
        heatmap->pan(0, 100);
        QCOMPARE(heatmap->visibleBlocks().right(), 16.0); // clamped at the last key block
        QTest::keyClick(heatmap, Qt::Key_Plus);
        QVERIFY(heatmap->visibleBlocks().width() < 8.0);
        QTest::keyClick(heatmap, Qt::Key_0);
        QCOMPARE(heatmap->visibleBlocks(), QRectF(0, 0, 16, 16));
        QVERIFY(heatmap->logarithmic());
        QTest::keyClick(heatmap, Qt::Key_L);
        QVERIFY(!heatmap->logarithmic());
        // Wheel zoom is centred on the pointer.
        const QRectF before = heatmap->visibleBlocks();
        QWheelEvent wheel(QPointF(heatmap->width() / 2.0, heatmap->height() / 2.0),
                          heatmap->mapToGlobal(QPoint()), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(heatmap, &wheel);
        QVERIFY(heatmap->visibleBlocks().width() < before.width());

        // The keyboard in the atlas: move down and open with Enter.
        window.views()->setCurrentWidget(atlas);
        atlas->canvas()->setFocus();
        atlas->selectHead(0, 0);
        QTest::keyClick(atlas->canvas(), Qt::Key_Down);
        QTest::keyClick(atlas->canvas(), Qt::Key_Right);
        QTest::keyClick(atlas->canvas(), Qt::Key_Return);
        QCOMPARE(heatmap->head(), std::make_pair(1, 1));

        // Every view exports as PNG, SVG (vector: the figure's own drawing) and PDF.
        for (QWidget* view : {static_cast<QWidget*>(atlas), static_cast<QWidget*>(heatmap)}) {
            window.views()->setCurrentWidget(view);
            for (const char* suffix : {"png", "svg", "pdf"}) {
                const QString file =
                    dir.filePath(view->objectName() + QStringLiteral(".") + QString::fromLatin1(suffix));
                QVERIFY2(window.exportCurrentView(file), qPrintable(file));
                QVERIFY(QFileInfo(file).size() > 1000);
            }
            QFile svg(dir.filePath(view->objectName() + QStringLiteral(".svg")));
            QVERIFY(svg.open(QIODevice::ReadOnly));
            const QByteArray text = svg.readAll();
            QVERIFY2(text.contains("<svg") &&
                         (text.contains("<path") || text.contains("<rect") || text.contains("<image")),
                     text.left(300).constData());
        }
    }

    void runsLoadInTheBackgroundAndTheLastRequestWins() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("two.attnscope"));
        {
            auto project = store::Project::open(path.toStdString(), store::OpenMode::CreateIfMissing);
            QVERIFY(project);
            store::RunRecord first = constructedRun();
            first.input.tokens.resize(512); // the runs differ in what the heatmap shows: 8 or 16 blocks
            first.arrays[0].shape = {2, 4, 8, 8};
            first.arrays[0].f32.resize(2 * 4 * 8 * 8);
            QVERIFY(project->addRun(first));
            QVERIFY(project->addRun(constructedRun()));
        }
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(2)); // the newest run
        QCOMPARE(window.heatmap()->blocks(), 16);

        // Two requests in a row: only the later one is shown, the earlier result is dropped.
        QVERIFY(window.loadRun(2));
        QVERIFY(window.loadRun(1));
        QVERIFY(shown.wait(30000));
        QTest::qWait(200); // room for a stale result to arrive (it must not)
        QCOMPARE(shown.count(), 1);
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(1));
        QCOMPARE(window.shownRunId(), qint64(1));
        QCOMPARE(window.heatmap()->blocks(), 8);

        // Choosing a run in the Project dock loads it (the newest was selected when the project opened).
        QCOMPARE(window.runsList()->currentRow(), 1);
        window.runsList()->setCurrentRow(0);
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(1));
        window.runsList()->setCurrentRow(1);
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(2));
        QCOMPARE(window.heatmap()->blocks(), 16);

        // A run that is not there: the status bar says so, the views keep what they show. (First the
        // deep-zoom job ends: it fails here, the constructed run's model does not exist, and says so.)
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 10000);
        QVERIFY(window.loadRun(99));
        QVERIFY(!shown.wait(1000));
        auto* status = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
        QVERIFY(status);
        QVERIFY2(status->text().contains(QStringLiteral("Cannot load run 99")), qPrintable(status->text()));
        QCOMPARE(window.shownRunId(), qint64(2));
    }

    void realDemoRunFromTheCli() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("demo.attnscope"));
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("analyze"),
                   QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                   QStringLiteral("--sample"), QStringLiteral("long"), QStringLiteral("--analyses"),
                   QStringLiteral("sinks,similarity,sparsity,taxonomy"), QStringLiteral("--project"), path,
                   QStringLiteral("--label"), QStringLiteral("demo"), QStringLiteral("--json")});
        QVERIFY(cli.waitForFinished(300000));
        QCOMPARE(cli.exitCode(), 0);
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(60000));
        HeadAtlasView* atlas = window.headAtlas();
        QCOMPARE(atlas->layers(), demoConfig(QStringLiteral("num_hidden_layers")));
        QCOMPARE(atlas->heads(), demoConfig(QStringLiteral("num_attention_heads")));
        QVERIFY(atlas->metricNames().contains(QStringLiteral("taxonomy / scores.normalized_entropy")));
        for (double v : atlas->matrix().values)
            QVERIFY(std::isfinite(v) && v >= 0 && v <= 1); // token-0 masses of every head
        const QString shots = QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR);
        QDir().mkpath(shots);
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/head_atlas.png")));
        // Thumbnails: each cell shows its head's block map; the cell's centre changes colour.
        QVERIFY(atlas->hasThumbnails());
        const QPoint centre = atlas->cellRect(2, 2).center().toPoint();
        const QColor plain = atlas->canvas()->grab().toImage().pixelColor(centre);
        atlas->setThumbnails(true);
        QVERIFY(atlas->thumbnails());
        const QImage withThumbnails = atlas->canvas()->grab().toImage();
        QVERIFY(withThumbnails.pixelColor(centre) != plain);
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/head_atlas_thumbnails.png")));
        atlas->setThumbnails(false);
        QTest::mouseClick(atlas->canvas(), Qt::LeftButton, {}, atlas->cellRect(1, 3).center().toPoint());
        AttentionHeatmapView* heatmap = window.heatmap();
        QCOMPARE(heatmap->head(), std::make_pair(1, 3));
        QCOMPARE(heatmap->blocks(), 64);     // 4096 tokens in blocks of 64
        heatmap->zoom(4.0, QPointF(24, 40)); // key block 24, query block 40: below the diagonal
        QCOMPARE(heatmap->visibleBlocks().width(), 16.0);
        QImage blockFrame(heatmap->size(), QImage::Format_ARGB32_Premultiplied);
        heatmap->render(&blockFrame);
        QVERIFY(heatmap->lastPaintMilliseconds() > 0);
        QVERIFY(!heatmap->showingExact()); // 16 blocks visible: block level
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/heatmap_zoomed.png")));

        // Deep zoom: the kernel recomputes the visible tokens exactly; their sums per block agree with
        // the block sums the analysis stored (K4).
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->hasExactTiles(), 120000);
        heatmap->zoom(8.0, QPointF(24, 40));
        QVERIFY(heatmap->visibleBlocks().width() <= AttentionHeatmapView::kExactBlocks);
        QImage frame(heatmap->size(), QImage::Format_ARGB32_Premultiplied);
        heatmap->render(&frame); // paints synchronously, whatever the window system does
        QVERIFY(heatmap->showingExact());
        const QRect region = heatmap->exactTokens();
        const render::Matrix& exact = heatmap->exactMatrix();
        QCOMPARE(exact.rows, region.height());
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        auto stored = project->run(1);
        QVERIFY(stored);
        const store::ArrayRecord* grid = nullptr;
        for (const auto& a : stored->arrays)
            if (a.name == "attention.block_sum")
                grid = &a;
        QVERIFY(grid);
        int compared = 0;
        for (int bi = 0; bi < region.height() / 64; ++bi)
            for (int bj = 0; bj < region.width() / 64; ++bj) {
                const int I = region.y() / 64 + bi, J = region.x() / 64 + bj;
                if (J > I)
                    continue;
                double sum = 0;
                for (int r = bi * 64; r < (bi + 1) * 64; ++r)
                    for (int c = bj * 64; c < (bj + 1) * 64; ++c) {
                        const double v = exact.at(r, c);
                        sum += std::isfinite(v) ? v : 0.0;
                    }
                const std::size_t heads = static_cast<std::size_t>(grid->shape[1]);
                const double block = grid->f32[((std::size_t(1) * heads + 3) * 64 + I) * 64 + J];
                QVERIFY2(
                    std::fabs(sum - block) <= 1e-3 * std::max(1.0, block),
                    qPrintable(QStringLiteral("block %1,%2: %3 vs %4").arg(I).arg(J).arg(sum).arg(block)));
                ++compared;
            }
        QVERIFY(compared >= 2);
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/heatmap_exact.png")));

        // The head tab: the selected head's labels, sink table and sparsity curves.
        HeadDetailsView* details = window.headDetails();
        QVERIFY(details->summary().startsWith(QStringLiteral("Layer 1, head 3")));
        QVERIFY(details->summary().contains(QStringLiteral("primary label")));
        QVERIFY(details->summary().contains(QStringLiteral("FlexPrefill")));
        QCOMPARE(details->curveCount(), 7); // oracle, Seer GT, A-shape, SnapKV, TokenSelect, Flex, Anchor
        QCOMPARE(details->maskNames().size(), 3);  // FlexPrefill, SeerAttention oracle, A-shape
        QCOMPARE(details->stripNames().size(), 2); // SnapKV and TokenSelect key selections
        QVERIFY(details->stripNames().first().contains(QStringLiteral("C = 256")));
        QVERIFY(window.showView(QStringLiteral("headDetailsView")));
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/head_details.png")));

        // Run-wide figures: layer similarity in 2D and the rankings, each drawn at the view's size.
        RunFigureView* figures = window.runFigures();
        QVERIFY(figures->figures().contains(QStringLiteral("Layer similarity (head-averaged)")));
        QVERIFY(figures->figures().contains(QStringLiteral("Sink ranking (token-0 mass)")));
        QVERIFY(figures->showFigure(QStringLiteral("Layer similarity (head-averaged)")));
        QVERIFY(window.showView(QStringLiteral("runFigureView")));
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/layer_similarity.png")));
        QVERIFY(window.exportCurrentView(dir.filePath(QStringLiteral("similarity.svg"))));

        // The token view follows the atlas selection: the long sample's tokens coloured by attention
        // received.
        TokenView* tokens = window.tokenView();
        QCOMPARE(tokens->tokens(), 4096);
        QCOMPARE(tokens->received().size(), std::size_t(4096));
        double total = 0;
        for (double v : tokens->received())
            total += v;
        QVERIFY(total > 0);
        QVERIFY(tokens->selectToken(5));
        QVERIFY(tokens->details().contains(QStringLiteral("Layer 1, head 3 — token 5")));
        QCOMPARE(tokens->text()->formatOf(5).background().color(), QColor(0, 0, 0)); // drawn selected
        QCOMPARE(tokens->text()->formatOf(5).fontWeight(), int(QFont::Bold));
        // With the exact tiles ready, a selected token lists the keys its own attention row favours.
        QVERIFY(tokens->selectToken(60));
        const auto& attended = tokens->attendedKeys();
        QCOMPARE(attended.size(), std::size_t(5));
        double mass = 0;
        for (std::size_t k = 0; k < attended.size(); ++k) {
            QVERIFY(attended[k].first >= 0 && attended[k].first <= 60);
            QVERIFY(attended[k].second >= 0 && attended[k].second <= 1);
            if (k > 0)
                QVERIFY(attended[k - 1].second >= attended[k].second);
            mass += attended[k].second;
        }
        QVERIFY(mass > 0 && mass <= 1.0 + 1e-5);
        QVERIFY(tokens->details().contains(QStringLiteral("attends most to")));
        QVERIFY(window.showView(QStringLiteral("tokenView")));
        // Curves run from the selected token to each key it attends to that has text of its own (not
        // itself, not BOS), ending inside the key's box, and they are really painted.
        TokenText* text = tokens->text();
        int drawable = 0;
        for (const auto& [key, p] : attended)
            drawable += key != 60 && !text->tokenRect(key).isEmpty();
        const auto links = text->links();
        QVERIFY(drawable > 0);
        QCOMPARE(static_cast<int>(links.size()), drawable);
        for (const TokenText::Link& link : links) {
            QCOMPARE(link.from, text->tokenRect(60).center());
            QVERIFY(text->tokenRect(link.key).contains(link.to));
        }
        const QImage withCurves = renderWidget(text);
        text->setLinks(-1, {});
        const QImage withoutCurves = renderWidget(text);
        QVERIFY(withCurves != withoutCurves);
        // A click on a token selects it: the one left of token 60's box, then token 60 again.
        const QRectF box60 = text->tokenRect(60);
        const int before = text->tokenAt(QPoint(int(box60.left()) - 2, int(box60.center().y())));
        QVERIFY(before >= 0 && before < 60);
        QTest::mouseClick(text->viewport(), Qt::LeftButton, {},
                          QPoint(int(box60.left()) - 2, int(box60.center().y())));
        QVERIFY(tokens->details().contains(QStringLiteral("token %1 ").arg(before)));
        QCOMPARE(text->formatOf(before).background().color(), QColor(0, 0, 0));
        QVERIFY(text->formatOf(60).background().color() != QColor(0, 0, 0)); // restyled as unselected
        QTest::mouseClick(text->viewport(), Qt::LeftButton, {}, box60.center().toPoint());
        QVERIFY(tokens->details().contains(QStringLiteral("token 60 ")));
        QCOMPARE(text->formatOf(60).background().color(), QColor(0, 0, 0));
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/token_view.png")));

        // Clicking a ranking's bar opens that head in the heatmap and selects it in the atlas.
        QVERIFY(figures->showFigure(QStringLiteral("Sink ranking (token-0 mass)")));
        QVERIFY(window.showView(QStringLiteral("runFigureView")));
        const auto firstBar = figures->barPosition(0), secondBar = figures->barPosition(1);
        QVERIFY(firstBar && secondBar);
        const auto topHead = figures->headAt(*firstBar), secondHead = figures->headAt(*secondBar);
        QVERIFY(topHead && secondHead);
        QVERIFY(*topHead != *secondHead);
        QVERIFY(!figures->headAt(QPoint(2, 2))); // the margin is no bar
        QTest::mouseClick(figures->canvas(), Qt::LeftButton, {}, *secondBar);
        QCOMPARE(window.heatmap()->head(), *secondHead);
        QCOMPARE(window.headAtlas()->selectedHead(), *secondHead);
        QCOMPARE(window.heatmap(), window.views()->currentWidget());

        // The report tab holds every figure of the run; the report exports as HTML and PDF.
        QSignalSpy reportShown(&window, &MainWindow::reportShown);
        QVERIFY(window.showView(QStringLiteral("reportView"))); // drawn in the background when first shown
        QVERIFY(reportShown.wait(60000));
        QCOMPARE(reportShown.first().at(0).toLongLong(), window.shownRunId());
        const QString reportHtml = window.reportView()->toHtml();
        for (const char* section : {"Head atlas", "Attention sinks", "Layer similarity", "Sparsity masks"})
            QVERIFY2(reportHtml.contains(QString::fromLatin1(section)), section);
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/report_tab.png")));
        QVERIFY(window.exportReport(dir.filePath(QStringLiteral("r.html"))));
        QVERIFY(window.exportReport(dir.filePath(QStringLiteral("r.pdf"))));
        QVERIFY(QFileInfo(dir.filePath(QStringLiteral("r.html"))).size() > 100000);
        QVERIFY(QFileInfo(dir.filePath(QStringLiteral("r.pdf"))).size() > 10000);
        // The 3D view shows the run's layer similarity.
        QVERIFY(window.surfaceView()->caption().contains(QStringLiteral("layer similarity")));
        QVERIFY(window.showView(QStringLiteral("surfaceView")));
        QTest::qWait(200);
        QVERIFY(window.saveScreenshot(shots + QStringLiteral("/similarity_3d.png")));
    }

    void exactTilesBelongToTheShownRun() {
        // Two runs of the demo model on different tokens of the same length: the deep-zoom tiles the
        // heatmap shows must be recomputed for the run shown, even when it is chosen while the tiles of
        // the other run are still being prepared (they are dropped, not shown as this run's attention).
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tiles.attnscope"));
        QVERIFY(twoDemoRuns(path));
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        auto grid = [&](qint64 id) {
            auto run = project->run(id);
            for (const auto& a : run->arrays)
                if (a.name == "attention.block_sum")
                    return a;
            return store::ArrayRecord{};
        };
        const store::ArrayRecord first = grid(1), second = grid(2);
        QCOMPARE(first.shape, (std::vector<int64_t>{4, 4, 2, 2}));

        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.takeFirst().at(0).toLongLong(), qint64(2)); // its tiles are being prepared now
        QVERIFY(window.loadRun(1));
        QVERIFY(shown.wait(30000));
        QCOMPARE(window.shownRunId(), qint64(1));
        AttentionHeatmapView* heatmap = window.heatmap();
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->hasExactTiles(), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 60000);
        QCOMPARE(heatmap->head(), std::make_pair(0, 0));
        QImage frame(heatmap->size(), QImage::Format_ARGB32_Premultiplied);
        heatmap->render(&frame);
        QVERIFY(heatmap->showingExact());
        QCOMPARE(heatmap->exactTokens(), QRect(0, 0, 128, 128));
        const render::Matrix& exact = heatmap->exactMatrix();
        double fromOwn = 0, fromOther = 0;
        for (int I = 0; I < 2; ++I)
            for (int J = 0; J <= I; ++J) {
                double sum = 0;
                for (int r = I * 64; r < (I + 1) * 64; ++r)
                    for (int c = J * 64; c < (J + 1) * 64; ++c)
                        sum += std::isfinite(exact.at(r, c)) ? exact.at(r, c) : 0.0;
                fromOwn = std::max(fromOwn, std::fabs(sum - first.f32[static_cast<std::size_t>(I * 2 + J)]));
                fromOther =
                    std::max(fromOther, std::fabs(sum - second.f32[static_cast<std::size_t>(I * 2 + J)]));
            }
        QVERIFY2(fromOwn <= 1e-3, qPrintable(QString::number(fromOwn)));
        QVERIFY2(fromOther > 1e-2, qPrintable(QString::number(fromOther))); // the runs do differ
    }

    void notesOnTheShownRun() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notes.attnscope"));
        QVERIFY(projectWithConstructedRun(path));
        MainWindow window;
        NotesPanel* notes = window.notesPanel();
        QVERIFY(notes);
        QVERIFY(!notes->addNote(QStringLiteral("no run yet"), 0, 0, std::nullopt));
        QVERIFY2(notes->lastError().contains(QStringLiteral("stored run")), qPrintable(notes->lastError()));
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(30000));
        QCOMPARE(notes->runId(), window.shownRunId());
        QCOMPARE(notes->list()->count(), 0);

        // Tools > Add Note (Ctrl+Shift+N) on the shown head: the dialog offers that head, no token (the
        // constructed run has no text), and adds nothing until there is text.
        window.headAtlas()->selectHead(1, 2);
        auto* action = window.findChild<QAction*>(QStringLiteral("addNoteAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
        bool checkedDialog = false;
        onNextModal<AddNoteDialog>(this, [&](AddNoteDialog* dialog) {
            QPushButton* add = dialog->buttons()->button(QDialogButtonBox::Ok);
            checkedDialog =
                dialog->onHead()->isChecked() && !dialog->onToken()->isEnabled() && !add->isEnabled();
            dialog->editor()->setPlainText(QStringLiteral("  layer 1 head 2: sinks into BOS  "));
            checkedDialog = checkedDialog && add->isEnabled();
            add->click();
        });
        action->trigger();
        QVERIFY(checkedDialog);
        QCOMPARE(notes->list()->count(), 1);
        const store::Annotation first = notes->notes().front();
        QCOMPARE(first.layer, std::optional<int>(1));
        QCOMPARE(first.head, std::optional<int>(2));
        QVERIFY(!first.token.has_value());
        QCOMPARE(QString::fromStdString(first.text), QStringLiteral("layer 1 head 2: sinks into BOS"));
        QVERIFY(notes->list()->item(0)->text().endsWith(
            QStringLiteral("\nhead 1:2 \u00B7 ") +
            QString::fromStdString(first.created).replace(QLatin1Char('T'), QLatin1Char(' ')).left(16)));

        // The note is in the project: the CLI lists it, and a note the CLI adds shows after a reload.
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("notes"), path, QString::number(window.shownRunId()),
                   QStringLiteral("--add"), QStringLiteral("token 5 is odd"), QStringLiteral("--token"),
                   QStringLiteral("5"), QStringLiteral("--json")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const nlohmann::json listed = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
        QCOMPARE(listed["notes"].size(), std::size_t(2));
        QCOMPARE(listed["notes"][0]["text"].get<std::string>(), first.text);
        QCOMPARE(listed["notes"][0]["head"].get<int>(), 2);
        QVERIFY(window.loadRun(window.shownRunId())); // notes are read with the run, on a worker thread
        QVERIFY(shown.wait(30000));
        QCOMPARE(notes->list()->count(), 2);
        QVERIFY(notes->list()->item(1)->text().contains(QStringLiteral("\ntoken 5 \u00B7 ")));

        // The report lists them.
        const QString report = QDir(dir.path()).filePath(QStringLiteral("notes.html"));
        QVERIFY(window.exportReport(report));
        QFile reportFile(report);
        QVERIFY(reportFile.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(reportFile.readAll());
        QVERIFY(html.contains(QStringLiteral("<h2>Notes</h2>")));
        QVERIFY(html.contains(QStringLiteral("layer 1 head 2: sinks into BOS")));
        QVERIFY(html.contains(QStringLiteral("token 5 is odd")));

        // Double-clicking the head note shows that head everywhere.
        window.headAtlas()->selectHead(0, 0);
        QSignalSpy heads(notes, &NotesPanel::headRequested);
        Q_EMIT notes->list()->itemDoubleClicked(notes->list()->item(0));
        QCOMPARE(heads.count(), 1);
        QCOMPARE(window.heatmap()->head(), std::make_pair(1, 2));

        // Editing (F2 on the selected note): the text changes, the place and time stay.
        notes->list()->setCurrentRow(0);
        auto* editButton = notes->findChild<QToolButton*>(QStringLiteral("editNoteButton"));
        QVERIFY(editButton && editButton->isEnabled());
        QSignalSpy changed(notes, &NotesPanel::notesChanged);
        bool sawOldText = false;
        onNextModal<QInputDialog>(this, [&](QInputDialog* input) {
            sawOldText = input->textValue() == QString::fromStdString(first.text);
            input->setTextValue(QStringLiteral("layer 1 head 2: sinks into BOS, except on digits"));
            input->accept();
        });
        QTest::keyClick(notes->list(), Qt::Key_F2);
        QVERIFY(sawOldText);
        QCOMPARE(changed.count(), 1);
        const store::Annotation editedNote = notes->notes().front();
        QCOMPARE(editedNote.id, first.id);
        QCOMPARE(QString::fromStdString(editedNote.text),
                 QStringLiteral("layer 1 head 2: sinks into BOS, except on digits"));
        QCOMPARE(editedNote.head, first.head);
        QCOMPARE(editedNote.created, first.created);
        QVERIFY(notes->list()->item(0)->text().startsWith(
            QStringLiteral("layer 1 head 2: sinks into BOS, except")));
        QVERIFY(!notes->editNote(first.id + 100, QStringLiteral("not ours")));
        QVERIFY(!notes->editNote(first.id, QStringLiteral("   ")));
        QVERIFY(notes->lastError().contains(QStringLiteral("text")));

        // Deleting: only this run's notes, and it is gone from the project.
        QVERIFY(!notes->removeNote(first.id + 100));
        QVERIFY(notes->removeNote(first.id));
        QCOMPARE(notes->list()->count(), 1);
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        QCOMPARE(project->annotations(window.shownRunId())->size(), std::size_t(1));
    }

    void compareRunsAndExportRunData() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("compare.attnscope"));
        QVERIFY(twoDemoRuns(path));
        MainWindow window;
        QCOMPARE(window.compareRuns(), nullptr); // no project yet
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(30000));

        // Tools > Compare Runs: the two newest runs, the older as the baseline; the table holds every
        // metric both have, and agrees with the CLI's compare.
        auto* action = window.findChild<QAction*>(QStringLiteral("compareRunsAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
        CompareRunsDialog* dialog = window.compareRuns();
        QVERIFY(dialog);
        const nlohmann::json& d = dialog->comparison();
        QVERIFY(d.is_object());
        QCOMPARE(d["run_a"]["id"].get<qint64>(), qint64(1));
        QCOMPARE(d["run_b"]["id"].get<qint64>(), qint64(2));
        QVERIFY(d["same_model"].get<bool>());
        QVERIFY(!d["same_input"].get<bool>());
        QVERIFY(d["metrics"].size() > 10);
        QCOMPARE(dialog->table()->rowCount(), static_cast<int>(d["metrics"].size()));
        QVERIFY2(dialog->summary()->text().contains(QStringLiteral("different inputs")),
                 qPrintable(dialog->summary()->text()));
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH), {QStringLiteral("compare"), path, QStringLiteral("1"),
                                                       QStringLiteral("2"), QStringLiteral("--json")});
        QVERIFY(cli.waitForFinished(60000));
        const nlohmann::json fromCli = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
        QVERIFY(fromCli["metrics"] == d["metrics"]);
        // Sorting by B − A orders the rows by value.
        dialog->table()->sortItems(4, Qt::DescendingOrder);
        QVERIFY(dialog->table()->item(0, 4)->data(Qt::UserRole).toDouble() >=
                dialog->table()->item(dialog->table()->rowCount() - 1, 4)->data(Qt::UserRole).toDouble());
        const QString csv = dir.filePath(QStringLiteral("comparison.csv"));
        QVERIFY(dialog->exportCsv(csv));
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        QCOMPARE(csvFile.readLine().trimmed(),
                 QByteArray("analysis,metric,mean_a,mean_b,delta,largest_layer,largest_head,largest_delta"));
        const QString shots = QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR);
        QDir().mkpath(shots);
        QVERIFY(dialog->grab().save(shots + QStringLiteral("/compare_runs.png")));
        QVERIFY(!dialog->compare(1, 9)); // a run that is not there: said in the summary
        QVERIFY(dialog->summary()->text().contains(QStringLiteral("9")));

        // File > Export Run Data: the shown run (2) as CSV, JSON and a folder of .npy files.
        QVERIFY(window.exportRunData(dir.filePath(QStringLiteral("run.csv")), QStringLiteral("csv")));
        QFile metrics(dir.filePath(QStringLiteral("run.csv")));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        QCOMPARE(metrics.readLine().trimmed(), QByteArray("analysis,metric,layer,head,value"));
        QVERIFY(window.exportRunData(dir.filePath(QStringLiteral("run.json")), QStringLiteral("json")));
        QFile json(dir.filePath(QStringLiteral("run.json")));
        QVERIFY(json.open(QIODevice::ReadOnly));
        QCOMPARE(nlohmann::json::parse(json.readAll().toStdString())["run"]["id"].get<qint64>(), qint64(2));
        QVERIFY(window.exportRunData(dir.filePath(QStringLiteral("npy")), QStringLiteral("npy")));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("npy/attention.block_sum.npy"))));
        QVERIFY(!window.exportRunData(dir.filePath(QStringLiteral("run.xml")), QStringLiteral("xml")));
        auto* status = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
        QVERIFY2(status->text().contains(QStringLiteral("unknown format")), qPrintable(status->text()));

        // Renaming runs: F2 in the Project dock on the selected (shown) run, then directly; the list,
        // the project and the shown record (what the report and exports read) follow.
        QCOMPARE(window.runsList()->currentItem()->data(Qt::UserRole).toLongLong(), qint64(2));
        auto* rename = window.findChild<QAction*>(QStringLiteral("renameRunAction"));
        QVERIFY(rename);
        QCOMPARE(rename->shortcut(), QKeySequence(Qt::Key_F2));
        bool askedForRun2 = false;
        onNextModal<QInputDialog>(this, [&](QInputDialog* input) {
            askedForRun2 = input->labelText().contains(QStringLiteral("run 2"));
            input->setTextValue(QStringLiteral("  with bf16 weights "));
            input->accept();
        });
        shown.clear();
        rename->trigger();
        QVERIFY(askedForRun2);
        QVERIFY(window.runsList()->item(1)->text().contains(QStringLiteral("with bf16 weights (")));
        QCOMPARE(window.runsList()->currentItem()->data(Qt::UserRole).toLongLong(), qint64(2));
        QVERIFY(shown.wait(30000)); // the shown run is read again with its label
        QVERIFY(window.exportRunData(dir.filePath(QStringLiteral("renamed.json")), QStringLiteral("json")));
        QFile renamed(dir.filePath(QStringLiteral("renamed.json")));
        QVERIFY(renamed.open(QIODevice::ReadOnly));
        QCOMPARE(nlohmann::json::parse(renamed.readAll().toStdString())["run"]["label"].get<std::string>(),
                 std::string("with bf16 weights"));
        QVERIFY(window.renameRun(1, QStringLiteral("baseline")));
        QVERIFY(window.runsList()->item(0)->text().contains(QStringLiteral("baseline")));
        QCOMPARE(window.runsList()->currentItem()->data(Qt::UserRole).toLongLong(), qint64(2)); // kept
        QVERIFY(!window.renameRun(9, QStringLiteral("nothing")));
        QVERIFY(status->text().contains(QStringLiteral("no run 9")));
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        QCOMPARE(project->run(1)->label, std::string("baseline"));

        // Deleting: the shown run 2 directly, so the newest remaining run (1) is shown; then run 1 with
        // Del, after confirming, which leaves the project empty and every view without a run.
        shown.clear();
        QVERIFY(window.deleteRun(2));
        QCOMPARE(window.runsList()->count(), 1);
        QVERIFY(shown.wait(30000));
        QCOMPARE(window.shownRunId(), qint64(1));
        QVERIFY(!window.deleteRun(2));
        auto* remove = window.findChild<QAction*>(QStringLiteral("deleteRunAction"));
        QVERIFY(remove);
        QCOMPARE(remove->shortcut(), QKeySequence(QKeySequence::Delete));
        QCOMPARE(window.runsList()->currentItem()->data(Qt::UserRole).toLongLong(), qint64(1));
        bool confirmed = false;
        onNextModal<QMessageBox>(this, [&](QMessageBox* ask) {
            confirmed = ask->text().contains(QStringLiteral("Run 1")) &&
                        ask->defaultButton() == ask->button(QMessageBox::No);
            ask->button(QMessageBox::Yes)->click();
        });
        remove->trigger();
        QVERIFY(confirmed);
        QCOMPARE(window.shownRunId(), qint64(0));
        QCOMPARE(window.runsList()->count(), 0);
        QCOMPARE(window.headAtlas()->layers(), 0);
        QCOMPARE(window.notesPanel()->runId(), qint64(0));
        QCOMPARE(window.views()->currentIndex(), 0);
        QVERIFY(project->runs()->empty()); // the read-only connection sees the deletions
    }

    void analysisSettingsReachTheStoredRun() {
        QTemporaryDir dir;
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.analysisOptions().analyses, AnalysisSettingsDialog::studioDefaults().analyses);
        auto* action = window.findChild<QAction*>(QStringLiteral("analysisSettingsAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Comma));

        // The dialog through the menu: a refused list keeps it open and says which setting; then OK.
        QString refusal;
        bool sawDefaults = false, stayedOpen = false;
        onNextModal<AnalysisSettingsDialog>(this, [&](AnalysisSettingsDialog* dialog) {
            auto box = [dialog](const char* name) {
                return qobject_cast<QCheckBox*>(
                    dialog->field(QStringLiteral("analysis:") + QLatin1String(name)));
            };
            auto* gamma = qobject_cast<QDoubleSpinBox*>(dialog->field(QStringLiteral("flex_gamma")));
            auto* capacities = qobject_cast<QLineEdit*>(dialog->field(QStringLiteral("snap_capacities")));
            auto* window = qobject_cast<QSpinBox*>(dialog->field(QStringLiteral("window")));
            auto* relative = dialog->findChild<QCheckBox*>(QStringLiteral("actRelativeAlpha"));
            auto* alpha = qobject_cast<QDoubleSpinBox*>(dialog->field(QStringLiteral("act_alpha")));
            if (!gamma || !capacities || !window || !relative || !alpha) {
                dialog->reject();
                return;
            }
            // Taxonomy implies the sinks: ticked and locked; the retrieval score is off by default.
            sawDefaults = box("taxonomy")->isChecked() && box("sinks")->isChecked() &&
                          !box("sinks")->isEnabled() && !box("retrieval")->isChecked() &&
                          gamma->value() == 0.9 &&
                          capacities->text() == QStringLiteral("256, 512, 1024, 2048") && !alpha->isEnabled();
            box("similarity")->setChecked(false);
            box("razor")->setChecked(false);
            box("duo")->setChecked(false);
            gamma->setValue(0.8);
            window->setValue(100);
            relative->setChecked(true);
            alpha->setValue(4);
            capacities->setText(QStringLiteral("128, many"));
            dialog->buttons()->button(QDialogButtonBox::Ok)->click();
            stayedOpen = dialog->isVisible();
            refusal = dialog->errorText();
            capacities->setText(QStringLiteral("128,256"));
            dialog->buttons()->button(QDialogButtonBox::Ok)->click();
        });
        action->trigger();
        QVERIFY(sawDefaults);
        QVERIFY(stayedOpen);
        QVERIFY2(refusal.startsWith(QStringLiteral("snap_capacities: must be an integer")),
                 qPrintable(refusal));
        const analyses::SuiteOptions& chosen = window.analysisOptions();
        QCOMPARE(chosen.analyses, std::string("sinks,sparsity,taxonomy"));
        QCOMPARE(chosen.sparsity.flexGamma, 0.8);
        QCOMPARE(chosen.sparsity.snapCapacities, (std::vector<int>{128, 256}));
        QCOMPARE(chosen.sinks.window, 100);
        QVERIFY(chosen.sinks.actThreshold == analyses::ActThreshold::RelativeAlpha);
        QCOMPARE(chosen.sinks.actAlpha, 4.0);
        {
            MainWindow later; // the settings persist
            QCOMPARE(later.analysisOptions().sparsity.flexGamma, 0.8);
            QCOMPARE(later.analysisOptions().analyses, std::string("sinks,sparsity,taxonomy"));
        }

        // A run made with them records them, and the analyses used them.
        QVERIFY(window.openModel(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo")));
        QVERIFY(window.loadInputText(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/samples/short.txt")));
        const QString path = dir.filePath(QStringLiteral("settings.attnscope"));
        QVERIFY(window.newProject(path));
        QVERIFY(window.startAnalysis() != 0);
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 120000);
        QCOMPARE(window.jobs()->state(), JobState::Completed);
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        auto run = project->run(1);
        QVERIFY(run);
        const auto settings = nlohmann::json::parse(run->settingsJson);
        QCOMPARE(settings["analyses"].get<std::string>(), std::string("sinks,sparsity,taxonomy"));
        QCOMPARE(settings["parameters"]["flex_gamma"].get<double>(), 0.8);
        const auto document = nlohmann::json::parse(run->documentJson);
        QVERIFY(!document.contains("similarity"));
        QCOMPARE(document["sparsity"]["parameters"]["flex_gamma"].get<double>(), 0.8);
        QCOMPARE(document["sinks"]["parameters"]["window"].get<int>(), 100);
        QCOMPARE(document["sinks"]["parameters"]["act_threshold_mode"].get<std::string>(),
                 std::string("alpha/N"));
        QCOMPARE(document["sinks"]["parameters"]["act_alpha"].get<double>(), 4.0);

        // The shown run's settings come back with one button (here after the gamma was changed).
        bool fromRun = false;
        onNextModal<AnalysisSettingsDialog>(this, [&](AnalysisSettingsDialog* dialog) {
            auto* button = dialog->findChild<QPushButton*>(QStringLiteral("fromRunButton"));
            auto* gamma = qobject_cast<QDoubleSpinBox*>(dialog->field(QStringLiteral("flex_gamma")));
            if (button && gamma) {
                gamma->setValue(0.5);
                button->click();
                fromRun = button->text() == QStringLiteral("From &Run 1") && gamma->value() == 0.8;
            }
            dialog->reject();
        });
        action->trigger();
        QVERIFY(fromRun);
        QCOMPARE(window.analysisOptions().sparsity.flexGamma, 0.8); // cancelled: unchanged

        // Files: saved settings load into another dialog (and are what analyze --settings reads); a
        // refused file names itself and the setting, and changes nothing; Restore Defaults.
        const QString saved = dir.filePath(QStringLiteral("settings.json"));
        {
            AnalysisSettingsDialog dialog(chosen);
            QVERIFY(dialog.saveFile(saved));
        }
        AnalysisSettingsDialog fresh(AnalysisSettingsDialog::studioDefaults());
        auto* gamma = qobject_cast<QDoubleSpinBox*>(fresh.field(QStringLiteral("flex_gamma")));
        QCOMPARE(gamma->value(), 0.9);
        QVERIFY(fresh.loadFile(saved));
        QCOMPARE(gamma->value(), 0.8);
        QCOMPARE(fresh.options().sparsity.flexGamma, 0.8);
        QCOMPARE(qobject_cast<QLineEdit*>(fresh.field(QStringLiteral("snap_capacities")))->text(),
                 QStringLiteral("128, 256"));
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        {
            QFile file(bad);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(R"({"decode_rows": 8, "flex_gamma": 7})");
        }
        QVERIFY(!fresh.loadFile(bad));
        QVERIFY2(fresh.errorText().contains(bad) && fresh.errorText().contains(QStringLiteral("flex_gamma")),
                 qPrintable(fresh.errorText()));
        QCOMPARE(qobject_cast<QSpinBox*>(fresh.field(QStringLiteral("decode_rows")))->value(), 64);
        QVERIFY(!fresh.loadFile(dir.filePath(QStringLiteral("missing.json"))));
        QVERIFY(fresh.errorText().contains(QStringLiteral("missing.json")));
        // Parameters without a widget (generated needle prompts) come in with a file and survive OK;
        // Restore Defaults resets them too.
        const QString hidden = dir.filePath(QStringLiteral("hidden.json"));
        {
            QFile file(hidden);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(
                R"({"lengths": [300], "depths": [0.5], "anchor_theta": 123456.75, "flex_tau": 0.12345678912})");
        }
        QVERIFY(fresh.loadFile(hidden));
        QVERIFY(fresh.apply());
        QCOMPARE(fresh.options().lengths, std::vector<int>{300});
        QCOMPARE(fresh.options().depths, std::vector<double>{0.5});
        QCOMPARE(fresh.options().sparsity.anchorTheta, 123456.75); // neither rounded nor clamped
        QCOMPARE(fresh.options().sparsity.flexTau, 0.12345678912); // more decimals than the box shows
        QCOMPARE(fresh.options().sparsity.flexGamma, 0.8);         // the earlier file's, kept
        fresh.restoreDefaults();
        QCOMPARE(gamma->value(), 0.9);
        QVERIFY(fresh.errorText().isEmpty());
        QVERIFY(fresh.apply());
        QCOMPARE(fresh.options().lengths, AnalysisSettingsDialog::studioDefaults().lengths);

        // Stored settings a later version (or a hand edit) made invalid: the defaults, not a refusal to
        // start.
        StudioSettings().setAnalysisSettings(QStringLiteral("{\"flex_gamma\": 9, \"window\": 5}"));
        {
            MainWindow damaged;
            QCOMPARE(damaged.analysisOptions().sparsity.flexGamma, 0.9);
            QCOMPARE(damaged.analysisOptions().sinks.window, analyses::SinkParameters{}.window);
        }
        StudioSettings().setAnalysisSettings(QString()); // the other tests run with the defaults
    }

    void analyzeFromTheStudioAndCancel() {
        QTemporaryDir dir;
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.startAnalysis(), quint64(0)); // no model yet: nothing starts
        auto* toolbar = window.findChild<QToolBar*>(QStringLiteral("mainToolBar"));
        QVERIFY(toolbar);
        QVERIFY(toolbar->actions().contains(window.findChild<QAction*>(QStringLiteral("analyzeAction"))));
        QVERIFY(window.openModel(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo")));
        QVERIFY(window.loadInputText(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/samples/long.txt")));
        const QString path = dir.filePath(QStringLiteral("session.attnscope"));
        QVERIFY(window.newProject(path));
        QCOMPARE(window.runsList()->count(), 0);

        // Cancel: the job stops, nothing is stored.
        QVERIFY(window.startAnalysis(QStringLiteral("sinks,similarity,sparsity,taxonomy,razor")) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->isBusy(), 5000);
        // A second job the user asks for meanwhile does not silently cancel the first: it is refused.
        const quint64 running = window.jobs()->currentId();
        QCOMPARE(window.startAnalysis(), quint64(0));
        window.startKernelSelfCheck();
        QCOMPARE(window.jobs()->currentId(), running);
        auto* statusLabel = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
        QVERIFY(statusLabel && statusLabel->text().startsWith(QStringLiteral("Busy: Analysing the input")));
        QTest::qWait(300);
        auto* cancel = window.findChild<QAction*>(QStringLiteral("cancelJobAction"));
        QVERIFY(cancel && cancel->isEnabled());
        QCOMPARE(cancel->shortcut(), QKeySequence(Qt::Key_Escape));
        cancel->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 60000);
        QCOMPARE(window.jobs()->state(), JobState::Cancelled);
        QCOMPARE(window.runsList()->count(), 0);

        // A complete run: stored, listed, shown in the atlas.
        QVERIFY(window.startAnalysis(QStringLiteral("sinks,sparsity,taxonomy")) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 240000);
        QCOMPARE(window.jobs()->state(), JobState::Completed);
        QCOMPARE(window.runsList()->count(), 1);
        QCOMPARE(window.headAtlas()->layers(), demoConfig(QStringLiteral("num_hidden_layers")));
        QCOMPARE(window.headAtlas()->heads(), demoConfig(QStringLiteral("num_attention_heads")));
        QCOMPARE(window.heatmap()->blocks(), 64);
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        auto runs = project->runs();
        QVERIFY(runs && runs->size() == 1);
        QCOMPARE((*runs)[0].tokens, 4096);
        QCOMPARE(QString::fromStdString((*runs)[0].label), QStringLiteral("studio"));

        // The needle test (Tools > Run Needle Test): the retrieval score over the bundled needle prompts,
        // stored as a second run whose heads the atlas can colour by their retrieval score.
        auto* needleTest = window.findChild<QAction*>(QStringLiteral("needleTestAction"));
        QVERIFY(needleTest);
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 120000); // the deep-zoom preparation
        // With Tools > bf16 Weights on: the run records it, and the demo model's retrieval heads survive
        // the rounding (its README: four layer-1 heads score 0.71-0.94 in fp32).
        auto* bf16 = window.findChild<QAction*>(QStringLiteral("bf16WeightsAction"));
        QVERIFY(bf16 && bf16->isCheckable() && !bf16->isChecked());
        bf16->trigger();
        QVERIFY(StudioSettings().bf16Weights());
        needleTest->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(window.runsList()->count() == 2, 600000);
        QVERIFY(window.headAtlas()->setMetric(QStringLiteral("retrieval.score / score")));
        double best = 0;
        for (double v : window.headAtlas()->matrix().values) {
            QVERIFY(std::isfinite(v) && v >= 0 && v <= 1);
            best = std::max(best, v);
        }
        QVERIFY2(best >= 0.5, qPrintable(QString::number(best)));
        {
            auto stored = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
            QVERIFY(stored);
            auto first = stored->run(1), second = stored->run(2);
            QVERIFY(first && second);
            QCOMPARE(nlohmann::json::parse(first->settingsJson)["weights"].get<std::string>(),
                     std::string("f32"));
            QCOMPARE(nlohmann::json::parse(second->settingsJson)["weights"].get<std::string>(),
                     std::string("bf16"));
        }
        bf16->trigger();
        QVERIFY(!StudioSettings().bf16Weights());
        QVERIFY(window.showView(QStringLiteral("reportView")));
        QTRY_VERIFY_WITH_TIMEOUT(
            window.reportView()->toHtml().contains(QStringLiteral("Retrieval-head ranking")), 60000);
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestProjectViews)
#include "tst_project_views.moc"
