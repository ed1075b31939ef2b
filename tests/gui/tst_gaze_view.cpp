// SPDX-License-Identifier: Apache-2.0
// The Gaze tab: recorded scanpaths imported through File > Import Gaze Recording (the shared multimatch
// recordings and the STI search set), drawn, compared with the MATLAB toolbox's MultiMatch values,
// OAT's behaviour on the object grid, the column dialog for unknown tables, refusals, and the saved
// comparison equal to the CLI's.
#include "app/main_window.h"
#include "dialogs/gaze_columns_dialog.h"
#include "gui_test_main.h"
#include "project_fixtures.h"
#include "views/gaze_view.h"
#include "views/model_input_panel.h"
#include "views/scarf_chart.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeWidget>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

namespace {

const QString kEyetracking = QStringLiteral(ATTNSCOPE_SHARED_DATA_DIR "/eyetracking");

/// Imports `path` and waits for the outcome.
bool import(MainWindow& window, const QString& path,
            std::optional<scanpath::TableFormat> table = std::nullopt, QString* message = nullptr) {
    QSignalSpy done(&window, &MainWindow::gazeImportFinished);
    window.importGaze(path, table);
    if (!done.wait(20000))
        return false;
    if (message)
        *message = done.at(0).at(1).toString();
    return done.at(0).at(0).toBool();
}

double metric(const GazeView& view, const QString& name) {
    QTableWidget* table = view.metricsTable();
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->text() == name)
            return table->item(r, 1)->text().toDouble();
    return std::nan("");
}

/// Pixels of `colour` (± 40 per channel) in `image`.
int pixelsNear(const QImage& image, const QColor& colour) {
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            count += std::abs(c.red() - colour.red()) < 40 && std::abs(c.green() - colour.green()) < 40 &&
                     std::abs(c.blue() - colour.blue()) < 40;
        }
    return count;
}

} // namespace

class TestGazeView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void comparesRecordedScanpathsAsTheMatlabToolbox() {
        if (!QFile::exists(kEyetracking))
            QSKIP("shared eye-tracking data not found");
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("importGazeAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G));

        QVERIFY(import(window, kEyetracking + QStringLiteral("/multimatch/segment_10_sub-19.tsv")));
        QVERIFY(import(window, kEyetracking + QStringLiteral("/multimatch/segment_10_sub-01.tsv")));
        GazeView* view = window.gazeView();
        QCOMPARE(window.views()->currentWidget(), view);
        QCOMPARE(view->scanpathCount(), 2);
        QCOMPARE(view->checkedScanpaths(), (std::vector<int>{0, 1})); // the first two are checked
        view->setScreen(1280, 720);                                   // the TSV does not record it
        QVERIFY(view->comparison().has_value());
        QVERIFY(std::abs(metric(*view, QStringLiteral("MultiMatch vector")) - 0.99082) < 1e-4);
        QVERIFY(std::abs(metric(*view, QStringLiteral("MultiMatch direction")) - 0.69902) < 1e-4);
        QVERIFY(std::abs(view->comparison()->multiMatch.duration - 0.65563) < 1e-5);
        view->setSimplification(45.0, 0.3, 146.8);
        QVERIFY(std::abs(view->comparison()->multiMatch.vector - 0.95076) < 1e-5);
        QVERIFY(std::abs(view->comparison()->multiMatch.duration - 0.78261) < 1e-5);
        QVERIFY(view->comparisonNote().contains(QStringLiteral("simplified")));

        // Both scanpaths drawn in their colours; the scrubber cuts them to their first fixations.
        QImage full = view->canvas()->grab().toImage();
        const int first = pixelsNear(full, render::scanpathColour(0)),
                  second = pixelsNear(full, render::scanpathColour(1));
        QVERIFY2(first > 200 && second > 200, qPrintable(QStringLiteral("%1 %2").arg(first).arg(second)));
        view->setShownFixations(2);
        QVERIFY(pixelsNear(view->canvas()->grab().toImage(), render::scanpathColour(1)) < second / 3);
        view->setShownFixations(-1);
        // The heatmap: the fixation density under the scanpaths, in viridis.
        // The heatmap paints the paper around the fixations: many pixels change, and the densest cell
        // lies where the two viewers' fixations cluster (right of centre, upper half).
        view->setMapSigma(40.0);
        view->setHeatmapShown(true);
        QVERIFY(view->canvas()->figure().heatmap.has_value());
        const QImage withHeatmap = view->canvas()->grab().toImage();
        int changed = 0;
        for (int y = 0; y < full.height(); ++y)
            for (int x = 0; x < full.width(); ++x)
                changed += full.pixel(x, y) != withHeatmap.pixel(x, y);
        QVERIFY2(changed > 2000, qPrintable(QString::number(changed)));
        const scanpath::SaliencyMap& density = *view->canvas()->figure().heatmap;
        const auto densest =
            std::max_element(density.values.begin(), density.values.end()) - density.values.begin();
        const double densestX = (densest % density.columns + 0.5) * density.cellPx;
        const double densestY = (densest / density.columns + 0.5) * density.cellPx;
        QVERIFY2(densestX > 640 && densestY < 360,
                 qPrintable(QStringLiteral("%1 %2").arg(densestX).arg(densestY)));
        QVERIFY(std::abs(metric(*view, QStringLiteral("Map CC")) - view->comparison()->maps.cc) < 1e-4);
        QVERIFY(!view->canvas()->describeAt(QPointF(-10, -10)).size());
        QDir().mkpath(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR));
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-gaze.png"));

        // The saved comparison carries the CLI's numbers for the same request.
        QTemporaryDir dir;
        const QString saved = dir.filePath(QStringLiteral("comparison.json"));
        QVERIFY(view->saveComparison(saved).isOk());
        std::ifstream file(saved.toStdString());
        const nlohmann::json document = nlohmann::json::parse(file, nullptr, false);
        const nlohmann::json expected =
            cliJson({QStringLiteral("scanpath"), QStringLiteral("compare"),
                     kEyetracking + QStringLiteral("/multimatch/segment_10_sub-19.tsv"),
                     kEyetracking + QStringLiteral("/multimatch/segment_10_sub-01.tsv"),
                     QStringLiteral("--screen"), QStringLiteral("1280x720"), QStringLiteral("--tdir"),
                     QStringLiteral("45"), QStringLiteral("--tdur"), QStringLiteral("0.3"),
                     QStringLiteral("--tamp"), QStringLiteral("146.8"), QStringLiteral("--map-sigma"),
                     QStringLiteral("40"), QStringLiteral("--json")});
        QVERIFY(expected.is_object());
        QCOMPARE(QString::fromStdString(document["metrics"].dump()),
                 QString::fromStdString(expected["metrics"].dump()));
        QCOMPARE(QString::fromStdString(document["parameters"].dump()),
                 QString::fromStdString(expected["parameters"].dump()));

        // Unchecking one leaves nothing to compare.
        view->setChecked(1, false);
        QVERIFY(!view->comparison().has_value());
        QVERIFY(!view->saveComparison(saved).isOk());
    }

    void showsTheSearchSetWithOatBehaviourPerStimulus() {
        const QString amazon = kEyetracking + QStringLiteral("/sti-amazon/Amazon.json");
        if (!QFile::exists(amazon))
            QSKIP("shared eye-tracking data not found");
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QString message;
        QVERIFY(import(window, amazon, std::nullopt, &message));
        QVERIFY2(message.contains(QStringLiteral("600 scanpaths")), qPrintable(message));
        GazeView* view = window.gazeView();
        QCOMPARE(view->stimuli().size(), 100);
        QCOMPARE(view->visibleScanpaths(), 6); // the first stimulus' six viewers
        QCOMPARE(view->comparisonConfig().scanMatch.xBins, 14);
        QCOMPARE(view->comparisonConfig().multiMatch.screenWidth, 2559.0);
        // Behaviour on the 14 × 6 grid: search + refix + revisit = 1 for every scanpath.
        for (int i = 0; i < view->scanpathCount(); ++i) {
            const auto stats = view->behaviourOf(i);
            QVERIFY(stats.has_value());
            QVERIFY(std::abs(stats->search + stats->refix + stats->revisit - 1.0) < 1e-9);
        }
        QVERIFY(!view->scanpathList()->isColumnHidden(5));
        view->setStimulusFilter(QStringLiteral("14.jpg"));
        QCOMPARE(view->visibleScanpaths(), 6);
        QVERIFY(!view->comparison().has_value()); // the checked scanpaths are 1.jpg's, now filtered out
        std::vector<int> shown;
        for (int row = 0; row < view->scanpathList()->topLevelItemCount(); ++row)
            if (!view->scanpathList()->topLevelItem(row)->isHidden())
                shown.push_back(view->scanpathList()->topLevelItem(row)->text(0).toInt() - 1);
        QCOMPARE(shown.size(), std::size_t(6));
        view->setChecked(shown[0], true);
        view->setChecked(shown[1], true);
        QVERIFY(view->comparison().has_value());
        QCOMPARE(QString::fromStdString(view->comparisonDocument()["a"]["stimulus"].get<std::string>()),
                 QStringLiteral("14.jpg"));
        QVERIFY(view->comparison()->sequenceScore >= 0.0 && view->comparison()->sequenceScore <= 1.0);
    }

    void predictsTheReadingOfTheInputTextAsTheCliDoes() {
        const QString text =
            QStringLiteral("Never trust a man who has not read the secret number of Oscar twice.");
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("predictReadingAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
        QCOMPARE(window.startReadingPrediction({}), quint64(0)); // no model yet
        QVERIFY(window.openModel(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo")));
        QCOMPARE(window.startReadingPrediction({}), quint64(0)); // no text yet
        window.modelPanel()->setInputText(text);
        QSignalSpy done(&window, &MainWindow::readingPredicted);
        QVERIFY(window.startReadingPrediction({}) != 0);
        QVERIFY(done.wait(60000));
        QVERIFY(done.at(0).at(0).toBool());
        GazeView* view = window.gazeView();
        QCOMPARE(view->scanpathCount(), 1);
        QCOMPARE(view->canvas()->figure().areas.size(), std::size_t(14)); // the words, laid out as text
        QCOMPARE(view->canvas()->figure().areaWeights.size(), std::size_t(14));
        const scanpath::Scanpath& predicted = view->scanpathAt(0);
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-reading.png"));

        // The CLI's prediction for the same text: the same words fixated for the same durations.
        const nlohmann::json expected =
            cliJson({QStringLiteral("scanpath"), QStringLiteral("predict"),
                     QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                     QStringLiteral("--text"), text, QStringLiteral("--json")});
        QVERIFY(expected.is_object());
        const auto& fixations = expected["predicted_scanpath"];
        QCOMPARE(predicted.fixations.size(), fixations.size());
        for (std::size_t k = 0; k < fixations.size(); ++k) {
            QCOMPARE(predicted.fixations[k].word, fixations[k]["word"].get<int>());
            QVERIFY(std::abs(predicted.fixations[k].durationMs - fixations[k]["duration_ms"].get<double>()) <
                    1e-6);
            // Each fixation sits on its word's box.
            const scanpath::AoiBox& box =
                view->canvas()->figure().areas[static_cast<std::size_t>(predicted.fixations[k].word)];
            QVERIFY(box.contains(predicted.fixations[k].x, predicted.fixations[k].y));
        }
    }

    void drawsTheScarfOfEachCheckedScanpath() {
        QTemporaryDir dir;
        const QString table = dir.filePath(QStringLiteral("report.csv"));
        // Data Viewer layout with interest areas: s01 looks at 3, 3, 5, none, 5; s02 at 5, 3. No start
        // column: durations are laid end to end.
        std::ofstream(table.toStdString())
            << "RECORDING_SESSION_LABEL,TRIAL_INDEX,CURRENT_FIX_X,CURRENT_FIX_Y,CURRENT_FIX_DURATION,"
               "CURRENT_FIX_INTEREST_AREA_ID\n"
               "s01,1,10,10,200,3\ns01,1,12,11,150,3\ns01,1,300,40,220,5\ns01,1,500,400,180,.\n"
               "s01,1,310,42,240,5\ns02,1,300,40,200,5\ns02,1,11,12,260,3\n";
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(import(window, table));
        GazeView* view = window.gazeView();
        QCOMPARE(view->scanpathCount(), 2);
        view->setChecked(0, true);
        view->setChecked(1, true);
        view->showScarf(true);
        ScarfChart* scarf = view->scarfChart();
        QVERIFY(scarf->isVisible());
        QCOMPARE(scarf->unit(), QStringLiteral("ms"));
        QCOMPARE(scarf->rows().size(), std::size_t(2));
        const auto& first = scarf->rows()[0].segments;
        QCOMPARE(first.size(), std::size_t(5));
        const std::vector<int> symbols{3, 3, 5, -1, 5};
        const std::vector<double> starts{0, 200, 350, 570, 750};
        for (std::size_t i = 0; i < 5; ++i) {
            QCOMPARE(first[i].symbol, symbols[i]);
            QCOMPARE(first[i].start, starts[i]);
        }
        QCOMPARE(scarf->rows()[1].segments.size(), std::size_t(2));
        QCOMPARE(scarf->rows()[1].segments[1].symbol, 3);
        // The segment under a point is the one drawn there; the two AOIs and "no AOI" differ in colour.
        const QRectF third = scarf->segmentRect(0, 2);
        QCOMPARE(scarf->segmentAt(third.center()), std::make_pair(0, 2));
        QCOMPARE(scarf->segmentAt(QPointF(1, 1)), std::make_pair(-1, -1));
        QVERIFY(ScarfChart::symbolColour(3) != ScarfChart::symbolColour(5));
        QVERIFY(ScarfChart::symbolColour(-1) != ScarfChart::symbolColour(3));
        const QImage image = scarf->grab().toImage();
        QVERIFY(pixelsNear(image, ScarfChart::symbolColour(5)) > 100);
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-gaze-scarf.png"));
        // Unchecking a scanpath removes its row.
        view->setChecked(1, false);
        QCOMPARE(scarf->rows().size(), std::size_t(1));

        // With recorded starts (out of time order here), segments sit at their start from the earliest:
        // the gaps between them are the saccades.
        const QString timed = dir.filePath(QStringLiteral("timed.csv"));
        std::ofstream(timed.toStdString())
            << "RECORDING_SESSION_LABEL,TRIAL_INDEX,CURRENT_FIX_X,CURRENT_FIX_Y,CURRENT_FIX_START,"
               "CURRENT_FIX_DURATION,CURRENT_FIX_INTEREST_AREA_ID\n"
               "s03,1,10,10,1300,100,2\ns03,1,12,11,1000,100,1\ns03,1,300,40,1100,150,1\n";
        view->clear();
        QVERIFY(import(window, timed));
        view->setChecked(0, true);
        QCOMPARE(scarf->rows().size(), std::size_t(1));
        const auto& timedSegments = scarf->rows()[0].segments;
        QCOMPARE(timedSegments.size(), std::size_t(3));
        QCOMPARE(timedSegments[0].start, 300.0);
        QCOMPARE(timedSegments[1].start, 0.0);
        QCOMPARE(timedSegments[2].start, 100.0);
        QCOMPARE(timedSegments[2].length, 150.0);
    }

    void asksForColumnsOfUnknownTablesAndRefusesBrokenFiles() {
        QTemporaryDir dir;
        const QString table = dir.filePath(QStringLiteral("gaze.csv"));
        std::ofstream(table.toStdString())
            << "who,pos_x,pos_y,dur_ms\nann,10,10,200\nann,500,20,250\nbob,12,14,220\n";
        QFile file(table);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList columns = GazeColumnsDialog::headerColumns(file.readAll());
        QCOMPARE(columns, (QStringList{QStringLiteral("who"), QStringLiteral("pos_x"),
                                       QStringLiteral("pos_y"), QStringLiteral("dur_ms")}));
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // The dialog guesses x, y and duration from the names; the participant is chosen by hand.
        // The dialog opens once the background read has refused the header: poll for it.
        bool answered = false;
        QTimer poll;
        poll.setInterval(20);
        connect(&poll, &QTimer::timeout, this, [&] {
            auto* dialog = qobject_cast<GazeColumnsDialog*>(QApplication::activeModalWidget());
            if (!dialog || answered)
                return;
            answered = true;
            const scanpath::TableFormat guessed = dialog->format();
            QCOMPARE(QString::fromStdString(guessed.x), QStringLiteral("pos_x"));
            QCOMPARE(QString::fromStdString(guessed.duration), QStringLiteral("dur_ms"));
            dialog->setColumn(QStringLiteral("participant"), QStringLiteral("who"));
            dialog->accept();
        });
        poll.start();
        QVERIFY(import(window, table));
        QVERIFY(answered);
        QCOMPARE(window.gazeView()->scanpathCount(), 2);

        const QString broken = dir.filePath(QStringLiteral("broken.tsv"));
        std::ofstream(broken.toStdString()) << "start_x\tstart_y\tduration\n1\t2\t0.2\n3\tabc\t0.1\n";
        QString message;
        QVERIFY(!import(window, broken, std::nullopt, &message));
        QVERIFY2(message.contains(QStringLiteral("broken.tsv")) && message.contains(QStringLiteral("line 3")),
                 qPrintable(message));
        QCOMPARE(window.gazeView()->scanpathCount(), 2); // nothing added
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestGazeView)
#include "tst_gaze_view.moc"
