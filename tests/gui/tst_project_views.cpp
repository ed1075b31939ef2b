// SPDX-License-Identifier: Apache-2.0
// Opening a project in the studio and exploring a run: the runs list, the head atlas (metric choice,
// clicking a head, keyboard), the block-level heatmap (zoom, pan, reset, linear/log) and exact tiles, the
// token view, and analysing from the studio — on a constructed run with known values and on real runs of
// the demo model written by attnscope-cli. Notes, comparing, renaming, deleting: tst_run_management.
#include "app/main_window.h"
#include "app/studio_settings.h"
#include "gui_test_main.h"
#include "jobs/job_tracker.h"
#include "project_fixtures.h"
#include "views/attention_heatmap_view.h"
#include "views/head_atlas_view.h"
#include "views/head_details_view.h"
#include "views/run_figure_view.h"
#include "views/surface_view.h"
#include "views/token_text.h"
#include "views/token_view.h"

#include "attnscope/store/project.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolBar>

#include <cmath>

#include <nlohmann/json.hpp>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

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

} // namespace

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
