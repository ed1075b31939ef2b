// SPDX-License-Identifier: Apache-2.0
// The Q/K Space tab: Tools > Embed Queries and Keys on the demo model gives the CLI's embedding, a
// clicked query shows its strongest keys, the points save as CSV, 3D t-SNE fills the VTK view, and a
// head the model lacks is refused in the status bar.
#include "app/main_window.h"
#include "gui_test_main.h"
#include "project_fixtures.h"
#include "views/model_input_panel.h"
#include "views/qk_scatter.h"
#include "views/qk_space_view.h"
#include "views/vtk_view.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <vtkActorCollection.h>
#include <vtkRenderer.h>

#include <cmath>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

namespace {

const QString kText =
    QStringLiteral("The secret number of Oscar is 20000. A computer is a man who has a plan.");
const QString kModel = QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo");

/// Presses the tab's Compute button and waits for the job's outcome.
bool computeAndWait(MainWindow& window) {
    QSignalSpy done(&window, &MainWindow::queriesAndKeysEmbedded);
    QTest::mouseClick(window.qkSpaceView()->findChild<QPushButton*>(QStringLiteral("qkCompute")),
                      Qt::LeftButton);
    if (!done.wait(120000))
        return false;
    return done.at(0).at(0).toBool();
}

} // namespace

class TestQkSpace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void embedsTheHeadAsTheCliDoesAndShowsAQuerysStrongestKeys() {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("embedQueriesKeysAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
        QCOMPARE(window.embedQueriesAndKeys(), quint64(0)); // no model yet
        QVERIFY(window.openModel(kModel));
        QCOMPARE(window.embedQueriesAndKeys(), quint64(0)); // no text yet
        window.modelPanel()->setInputText(kText);
        QkSpaceView* view = window.qkSpaceView();
        view->findChild<QSpinBox*>(QStringLiteral("qkLayer"))->setValue(1);
        view->findChild<QSpinBox*>(QStringLiteral("qkHead"))->setValue(2);
        QVERIFY(computeAndWait(window));
        QCOMPARE(window.views()->currentWidget(), view);
        QVERIFY(view->embedding().has_value());
        const analyses::QkEmbedding& e = *view->embedding();
        QVERIFY(!view->showing3d());
        QVERIFY(view->caption().contains(QStringLiteral("layer 1 head 2 (KV head 1)")));
        QVERIFY(view->caption().contains(QStringLiteral("chance")));

        // The CLI's embedding of the same head and text: the same points.
        const nlohmann::json expected = cliJson(
            {QStringLiteral("qk-embed"), kModel, QStringLiteral("--text"), kText, QStringLiteral("--layer"),
             QStringLiteral("1"), QStringLiteral("--head"), QStringLiteral("2"), QStringLiteral("--json")});
        QVERIFY(expected.is_object());
        QCOMPARE(static_cast<std::size_t>(e.points()), expected["points"].size());
        for (int p = 0; p < e.points(); ++p)
            for (int c = 0; c < 2; ++c)
                QVERIFY(std::abs(e.at(p, c) - expected["points"][p]["coordinates"][c].get<double>()) < 1e-9);
        QVERIFY(std::abs(e.topKeyAmongNearest - expected["top_key_among_nearest"].get<double>()) < 1e-12);

        // Clicking the last token's query selects it; its strongest keys are the highest logits it sees.
        QkScatter* scatter = view->scatter();
        const int m = static_cast<int>(e.sampled.size());
        const int query = m - 1;
        QPoint at = scatter->screenPosition(query).toPoint();
        QTest::mouseClick(scatter, Qt::LeftButton, Qt::NoModifier, at);
        QVERIFY(scatter->pointAt(at) >= 0);
        const int selected = scatter->selectedPoint();
        QCOMPARE(selected, query); // a query is drawn over any key at its spot, and wins the click
        {
            const auto& strongest = scatter->strongestKeys();
            QVERIFY(!strongest.empty());
            int best = -1;
            for (int kj = 0; kj < m; ++kj)
                if (e.visible(selected, kj) && (best < 0 || e.logit(selected, kj) > e.logit(selected, best)))
                    best = kj;
            QCOMPARE(strongest.front().first, best);
            double sum = 0;
            for (std::size_t k = 0; k < strongest.size(); ++k) {
                QVERIFY(e.visible(selected, strongest[k].first));
                if (k > 0)
                    QVERIFY(strongest[k - 1].second >= strongest[k].second);
                sum += strongest[k].second;
            }
            QVERIFY(sum <= 1.0 + 1e-12);
            QVERIFY(view->findChild<QLabel*>(QStringLiteral("qkSelection"))
                        ->text()
                        .contains(QStringLiteral("attends most to")));
        }
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-qk-space.png"));

        // The points as CSV: a header and one row per point.
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("points.csv"));
        QVERIFY(view->savePoints(csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QTextStream stream(&file);
        QCOMPARE(stream.readLine(), QStringLiteral("kind,token,id,text,x,y"));
        int rows = 0;
        while (!stream.readLine().isNull())
            ++rows;
        QCOMPARE(rows, e.points());
        QVERIFY(!view->savePoints(dir.filePath(QStringLiteral("missing/points.csv"))));
    }

    void showsThreeDimensionalTsneAndRefusesAbsentHeads() {
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openModel(kModel));
        window.modelPanel()->setInputText(kText);
        QkSpaceView* view = window.qkSpaceView();
        auto* method = view->findChild<QComboBox*>(QStringLiteral("qkMethod"));
        method->setCurrentIndex(method->findData(static_cast<int>(analyses::EmbeddingMethod::Tsne)));
        auto* dimensions = view->findChild<QComboBox*>(QStringLiteral("qkDimensions"));
        dimensions->setCurrentIndex(dimensions->findData(3));
        view->findChild<QSpinBox*>(QStringLiteral("qkTokens"))->setValue(12);
        QVERIFY(computeAndWait(window));
        QVERIFY(view->showing3d());
        QCOMPARE(view->embedding()->sampled.size(), std::size_t(12));
        QCOMPARE(view->embedding()->request.dimensions, 3);
        QCOMPARE(view->vtkView()->renderer()->GetActors()->GetNumberOfItems(), 2); // queries, keys
        QVERIFY(view->caption().contains(QStringLiteral("KL divergence")));

        view->findChild<QSpinBox*>(QStringLiteral("qkHead"))->setValue(9);
        QVERIFY(!computeAndWait(window));
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("statusLabel"))
                    ->text()
                    .contains(QStringLiteral("head 9")));
        QCOMPARE(view->embedding()->sampled.size(), std::size_t(12)); // the shown embedding stays
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestQkSpace)
#include "tst_qk_space.moc"
