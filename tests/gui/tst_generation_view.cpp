// SPDX-License-Identifier: Apache-2.0
// The Generation tab: Tools > Generate with Attention on the demo model continues the prompt as
// `attnscope-cli generate --attention-top 8` does and saves the same trace; the grid's cells, the arrow
// keys and clicks on generated tokens choose which step and head the text shows.
#include "app/main_window.h"
#include "gui_test_main.h"
#include "project_fixtures.h"
#include "views/generation_view.h"
#include "views/model_input_panel.h"
#include "views/step_head_grid.h"
#include "views/token_text.h"

#include <QAction>
#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

namespace {

const QString kModel = QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo");
const QString kPrompt = QStringLiteral(
    "The secret number of Oscar is 20431. Never trust a man who has a dog. The secret number of Oscar is");

} // namespace

class TestGenerationView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void generatesAsTheCliDoesAndShowsEachStepsHeads() {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("generateWithAttentionAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_G));
        QCOMPARE(window.generateWithAttention(), quint64(0)); // no model yet
        QVERIFY(window.openModel(kModel));
        QCOMPARE(window.generateWithAttention(), quint64(0)); // no prompt yet
        window.modelPanel()->setInputText(kPrompt);
        GenerationView* view = window.generationView();
        view->findChild<QSpinBox*>(QStringLiteral("generationMaxTokens"))->setValue(6);
        QSignalSpy done(&window, &MainWindow::generationTraced);
        QTest::mouseClick(view->findChild<QPushButton*>(QStringLiteral("generationStart")), Qt::LeftButton);
        QVERIFY(done.wait(120000));
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(window.views()->currentWidget(), view);
        QVERIFY(view->trace().has_value());
        const analyses::GenerationAttention& trace = *view->trace();
        QCOMPARE(trace.steps.size(), std::size_t(6));

        // The CLI's traced generation of the same prompt: the same tokens and the same rows.
        QTemporaryDir dir;
        const QString saved = dir.filePath(QStringLiteral("trace.json"));
        QVERIFY(view->saveTrace(saved));
        const nlohmann::json expected =
            cliJson({QStringLiteral("generate"), kModel, QStringLiteral("--prompt"), kPrompt,
                     QStringLiteral("--max-new-tokens"), QStringLiteral("6"),
                     QStringLiteral("--attention-top"), QStringLiteral("8"), QStringLiteral("--json")});
        QVERIFY(expected.is_object());
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const nlohmann::json ours = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
        QVERIFY(ours.is_object());
        QVERIFY(ours["ids"] == expected["ids"]);
        QVERIFY(ours["text"] == expected["text"]);
        QVERIFY(ours["attention"] == expected["attention"]);

        // A grid cell: the step's token, the head's token-0 mass and its strongest keys, curves drawn.
        StepHeadGrid* grid = view->grid();
        QTest::mouseClick(grid, Qt::LeftButton, Qt::NoModifier, grid->cellRect(1, 1, 2).center());
        QCOMPARE(grid->selectedStep(), 1);
        QCOMPARE(grid->selectedLayer(), 1);
        QCOMPARE(grid->selectedHead(), 2);
        QVERIFY(view->details().contains(QStringLiteral("Step 2:")));
        QVERIFY(view->details().contains(QStringLiteral("Layer 1 head 2")));
        QVERIFY(!view->text()->links().empty());
        // The key most attended at this step is shaded; the step's token is marked.
        const int prompt = static_cast<int>(trace.prompt.size());
        QVERIFY(view->text()->formatOf(prompt + 1).fontUnderline());
        const int strongest = trace.at(1, 1, 2).keys.front();
        if (strongest != prompt + 1)
            QVERIFY(view->text()->formatOf(strongest).background().color() !=
                    view->palette().color(QPalette::Base));
        QVERIFY(!view->text()->formatOf(prompt - 2).fontUnderline());
        QTest::keyClick(grid, Qt::Key_Down);
        QCOMPARE(grid->selectedStep(), 2);
        QTest::keyClick(grid, Qt::Key_Right);
        QCOMPARE(grid->selectedHead(), 3);

        // Clicking a generated token in the text selects its step.
        TokenText* text = view->text();
        const QRectF box = text->tokenRect(prompt + 4);
        QVERIFY(!box.isEmpty());
        QTest::mouseClick(text->viewport(), Qt::LeftButton, Qt::NoModifier, box.center().toPoint());
        QCOMPARE(grid->selectedStep(), 4);
        QTest::qWait(200); // the text's layout follows the splitter's new sizes
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-generation.png"));
        QVERIFY(!view->saveTrace(dir.filePath(QStringLiteral("missing/trace.json"))));
    }

    void samplingOptionsReachTheJobAndLongRequestsAreRefused() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openModel(kModel));
        window.modelPanel()->setInputText(QStringLiteral("Life is like"));
        GenerationView* view = window.generationView();
        QVERIFY(view->options().greedy);
        view->findChild<QCheckBox*>(QStringLiteral("generationSample"))->setChecked(true);
        view->findChild<QSpinBox*>(QStringLiteral("generationSeed"))->setValue(5);
        QVERIFY(!view->options().greedy);
        QCOMPARE(view->options().seed, uint64_t(5));
        view->findChild<QSpinBox*>(QStringLiteral("generationMaxTokens"))->setValue(4);
        QSignalSpy done(&window, &MainWindow::generationTraced);
        QVERIFY(window.generateWithAttention() != 0);
        QVERIFY(done.wait(60000));
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(view->trace()->steps.size(), std::size_t(4));

        // More new tokens than the context has room for: refused by the job, the shown trace kept.
        view->findChild<QSpinBox*>(QStringLiteral("generationMaxTokens"))->setValue(4096);
        done.clear();
        window.modelPanel()->setInputText(QString(QStringLiteral("word ")).repeated(30000));
        QVERIFY(window.generateWithAttention() != 0);
        QVERIFY(done.wait(60000));
        QVERIFY(!done.at(0).at(0).toBool());
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("statusLabel"))
                    ->text()
                    .contains(QStringLiteral("more positions")));
        QCOMPARE(view->trace()->steps.size(), std::size_t(4));
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestGenerationView)
#include "tst_generation_view.moc"
