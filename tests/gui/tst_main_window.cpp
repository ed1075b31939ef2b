// SPDX-License-Identifier: Apache-2.0
// The main window as a user meets it: docks, menus, shortcuts, theme, opening files, exports, jobs.
#include "../support/tiny_models.h"
#include "app/main_window.h"
#include "attnscope/kernels/cuda_backend.h"
#include "attnscope/runtime/attention_device.h"
#include "dialogs/shortcuts_dialog.h"
#include "gui_test_main.h"
#include "jobs/job_progress_widget.h"
#include "jobs/job_tracker.h"
#include "render/figures.h"
#include "views/model_input_panel.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextCursor>
#include <QToolButton>
#include <QTreeWidget>

using namespace attnscope::studio;

namespace {

QAction* findAction(QWidget* window, const char* name) {
    return window->findChild<QAction*>(QString::fromLatin1(name));
}

QByteArray fileStart(const QString& path, int bytes) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.read(bytes) : QByteArray();
}

QString sharedGguf() {
    return QStringLiteral(ATTNSCOPE_SHARED_DATA_DIR "/gguf-vocab/ggml-vocab-gpt-2.gguf");
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    void hasDocksMenusAndScreenshot() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        for (const char* name : {"modelDock", "projectDock", "propertiesDock", "logDock"}) {
            auto* dock = window.findChild<QDockWidget*>(QString::fromLatin1(name));
            QVERIFY2(dock, name);
            QVERIFY2(dock->isVisible(), name);
        }
        QStringList menus;
        for (QAction* action : window.menuBar()->actions())
            menus << action->menu()->objectName();
        QCOMPARE(menus, (QStringList{QStringLiteral("fileMenu"), QStringLiteral("viewMenu"),
                                     QStringLiteral("toolsMenu"), QStringLiteral("helpMenu")}));
        QCOMPARE(findAction(&window, "openModelAction")->shortcut(), QKeySequence(QKeySequence::Open));
        QCOMPARE(findAction(&window, "exportViewAction")->shortcut(), QKeySequence(QStringLiteral("Ctrl+E")));
        QCOMPARE(findAction(&window, "cancelJobAction")->shortcut(), QKeySequence(Qt::Key_Escape));
        QVERIFY(findAction(&window, "aboutAction"));
        QVERIFY(findAction(&window, "selfCheckAction"));
        // Tools > bf16 Weights: off by default, remembered across windows.
        QAction* bf16 = findAction(&window, "bf16WeightsAction");
        QVERIFY(bf16 && bf16->isCheckable() && !bf16->isChecked());
        bf16->setChecked(true);
        QVERIFY(StudioSettings().bf16Weights());
        {
            MainWindow second;
            QVERIFY(findAction(&second, "bf16WeightsAction")->isChecked());
        }
        bf16->setChecked(false);
        QVERIFY(!StudioSettings().bf16Weights());
        // Tools > Attention on the GPU: offered where a CUDA device answers, else disabled with the reason.
        QAction* cuda = findAction(&window, "cudaAttentionAction");
        QVERIFY(cuda && cuda->isCheckable());
        int devices = 0;
        if (!(attnscope::kernels::cuda::deviceCount(devices).ok() && devices > 0)) {
            QVERIFY(!cuda->isEnabled());
            QVERIFY2(cuda->toolTip().contains(QStringLiteral("CUDA")), qPrintable(cuda->toolTip()));
            QCOMPARE(attnscope::runtime::attentionDevice(), attnscope::runtime::AttentionDevice::Cpu);
        } else {
            QVERIFY(cuda->isEnabled());
            cuda->setChecked(true);
            QCOMPARE(attnscope::runtime::attentionDevice(), attnscope::runtime::AttentionDevice::Cuda);
            cuda->setChecked(false);
            QCOMPARE(attnscope::runtime::attentionDevice(), attnscope::runtime::AttentionDevice::Cpu);
        }
        // The View menu toggles every dock.
        auto* viewMenu = window.findChild<QMenu*>(QStringLiteral("viewMenu"));
        auto* logDock = window.findChild<QDockWidget*>(QStringLiteral("logDock"));
        QVERIFY(viewMenu->actions().contains(logDock->toggleViewAction()));
        logDock->toggleViewAction()->trigger();
        QVERIFY(!logDock->isVisible());

        const QString dir = QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR);
        QDir().mkpath(dir);
        QVERIFY(window.saveScreenshot(dir + QStringLiteral("/main_window.png")));
        QImage shot(dir + QStringLiteral("/main_window.png"));
        QCOMPARE(shot.size(), window.size() * window.devicePixelRatioF());
        QVERIFY(shot.pixel(5, 5) != shot.pixel(shot.width() / 2, shot.height() / 2) ||
                shot.pixel(5, 5) != shot.pixel(shot.width() - 5, shot.height() - 5));
    }

    void keyboardShortcutsListEveryShortcut() {
        MainWindow window;
        auto* action = window.findChild<QAction*>(QStringLiteral("shortcutsAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Slash));
        ShortcutsDialog* dialog = window.showShortcuts();
        QVERIFY(dialog);
        QTableWidget* table = dialog->table();
        // Every action of the window with a shortcut is listed, by its text (mnemonics removed), with its
        // keys, under its menu or dock.
        QHash<QString, QString> keysOf, where;
        for (int r = 0; r < table->rowCount(); ++r) {
            keysOf.insert(table->item(r, 0)->text(), table->item(r, 1)->text());
            where.insert(table->item(r, 0)->text(), table->item(r, 2)->text());
        }
        int withShortcuts = 0;
        for (const QAction* a : window.findChildren<QAction*>()) {
            if (a->shortcut().isEmpty() || a->text().isEmpty())
                continue;
            ++withShortcuts;
            QString text = a->text();
            text.remove(QLatin1Char('&'));
            QVERIFY2(keysOf.contains(text), qPrintable(text));
            QCOMPARE(keysOf.value(text), a->shortcut().toString(QKeySequence::NativeText));
        }
        QVERIFY(withShortcuts >= 15);
        QCOMPARE(keysOf.value(QStringLiteral("Analyze Input")),
                 QKeySequence(Qt::CTRL | Qt::Key_R).toString(QKeySequence::NativeText));
        QCOMPARE(where.value(QStringLiteral("Analyze Input")), QStringLiteral("Tools"));
        QCOMPARE(where.value(QStringLiteral("Rename Run…")), QStringLiteral("Project dock"));
        QCOMPARE(where.value(QStringLiteral("Delete Run…")), QStringLiteral("Project dock"));
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("File")); // menu order, not sorted
        QCOMPARE(where.value(QStringLiteral("Edit the selected note")), QStringLiteral("Notes dock"));
        dialog->close();
    }

    void themeSwitchesPaletteAndPersists() {
        MainWindow window;
        window.setTheme(Theme::Dark);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        QVERIFY(findAction(&window, "darkThemeAction")->isChecked());
        QCOMPARE(StudioSettings().theme(), Theme::Dark);
        // The figure views follow: the atlas is painted on the dark theme's base colour.
        auto* atlasCanvas = window.findChild<QWidget*>(QStringLiteral("atlasCanvas"));
        QVERIFY(atlasCanvas);
        atlasCanvas->resize(320, 200);
        QCOMPARE(atlasCanvas->grab().toImage().pixelColor(2, 2), attnscope::render::darkInk().paper);
        window.setTheme(Theme::Light);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
        QCOMPARE(StudioSettings().theme(), Theme::Light);
        QCOMPARE(atlasCanvas->grab().toImage().pixelColor(2, 2), QColor(Qt::white));
    }

    void layoutIsRestoredFromSettings() {
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.findChild<QDockWidget*>(QStringLiteral("projectDock"))->hide();
            window.close();
        }
        MainWindow again;
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QVERIFY(!again.findChild<QDockWidget*>(QStringLiteral("projectDock"))->isVisible());
        findAction(&again, "resetLayoutAction")->trigger();
        QVERIFY(again.findChild<QDockWidget*>(QStringLiteral("projectDock"))->isVisible());
    }

    void opensARealGgufAndRemembersIt() {
        if (!QFile::exists(sharedGguf()))
            QSKIP("shared data not present");
        MainWindow window;
        QVERIFY(window.openModel(sharedGguf()));
        QVERIFY(window.modelPanel()->modelSummaryLabel()->text().startsWith(QStringLiteral("GGUF v3")));
        QVERIFY(window.windowTitle().contains(QStringLiteral("ggml-vocab-gpt-2.gguf")));
        // Remembered as an absolute path (the test's has a "..": a later working folder must not matter).
        const QString absolute = QFileInfo(sharedGguf()).absoluteFilePath();
        QVERIFY(!absolute.contains(QStringLiteral("..")));
        QCOMPARE(StudioSettings().recentModels().value(0), absolute);
        auto* recent = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QCOMPARE(recent->actions().first()->data().toString(), absolute);
        QVERIFY(recent->actions().first()->text().endsWith(absolute));
    }

    void badModelShowsAnErrorInsteadOfCrashing() {
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("notes.bin"));
        QFile file(junk);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("definitely not a model");
        file.close();
        MainWindow window;
        QVERIFY(!window.openModel(junk));
        QVERIFY(window.modelPanel()->modelSummaryLabel()->text().contains(junk));
        QVERIFY(StudioSettings().recentModels().isEmpty());
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("statusLabel"))
                    ->text()
                    .contains(QStringLiteral("Could not open")));
    }

    void loadsInputText() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("input.txt"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("The quick brown fox\njumps over the lazy dog.");
        file.close();
        MainWindow window;
        QVERIFY(window.loadInputText(path));
        QCOMPARE(window.modelPanel()->inputText(),
                 QStringLiteral("The quick brown fox\njumps over the lazy dog."));
        QVERIFY(!window.loadInputText(dir.filePath(QStringLiteral("missing.txt"))));

        // Characters a plain-text editor normalizes reach the tokenizer unchanged: no-break space,
        // line separator, CRLF (the CLI's --text-file reads the same bytes).
        const QByteArray tricky = "a\xC2\xA0"
                                  "b\xE2\x80\xA8"
                                  "c\r\nd";
        const QString special = dir.filePath(QStringLiteral("special.txt"));
        QFile specialFile(special);
        QVERIFY(specialFile.open(QIODevice::WriteOnly));
        specialFile.write(tricky);
        specialFile.close();
        QVERIFY(window.loadInputText(special));
        QCOMPARE(window.modelPanel()->inputText().toUtf8(), tricky);
        // Edited: the editor's own characters, the no-break space and line separator still there.
        QPlainTextEdit* editor = window.modelPanel()->inputEditor();
        editor->moveCursor(QTextCursor::End);
        editor->insertPlainText(QStringLiteral("!"));
        const QString edited = window.modelPanel()->inputText();
        QVERIFY(edited.contains(QChar(0x00A0)));
        QVERIFY(edited.contains(QChar(0x2028)));
        QVERIFY(edited.endsWith(QStringLiteral("d!")));
    }

    void llama2cCheckpointsNeedTheirTokenizerBeside() {
        // A llama2.c checkpoint carries no tokenizer: without a tokenizer.bin beside it the analysis is
        // refused with that hint (before, the checkpoint itself was read as a tokenizer).
        QTemporaryDir dir;
        const QString model = dir.filePath(QStringLiteral("stories.bin"));
        const attnscope::test::Bytes bytes =
            attnscope::test::writeLlama2c(attnscope::test::makeTinyModel(attnscope::test::TinyConfig{}));
        QFile file(model);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<qint64>(bytes.size()));
        file.close();
        MainWindow window;
        QVERIFY(window.openModel(model));
        window.modelPanel()->setInputText(QStringLiteral("Once upon a time"));
        QVERIFY(window.newProject(dir.filePath(QStringLiteral("p.attnscope"))));
        QCOMPARE(window.startAnalysis(), quint64(0));
        auto* status = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
        QVERIFY2(
            status->text().contains(QStringLiteral("stories.bin is a llama2.c checkpoint, which carries no "
                                                   "tokenizer")),
            qPrintable(status->text()));
        QVERIFY(!window.jobs()->isBusy());

        // With one beside it, that tokenizer is used: here the shared Llama 2 vocabulary, whose ids do not
        // fit the tiny model's 11 — the job starts and fails with a message saying so.
        const QString llama2 = QStringLiteral(ATTNSCOPE_SHARED_DATA_DIR "/tokenizers/llama2c-tokenizer.bin");
        if (!QFile::exists(llama2))
            QSKIP("shared data not present");
        QVERIFY(QFile::copy(llama2, dir.filePath(QStringLiteral("tokenizer.bin"))));
        QSignalSpy finished(window.jobs(), &JobTracker::finished);
        QVERIFY(window.startAnalysis() != 0);
        QVERIFY(finished.wait(60000));
        QCOMPARE(window.jobs()->state(), JobState::Failed);
        const QString message = finished.first().at(2).toString();
        QVERIFY2(message.contains(QStringLiteral("token")), qPrintable(message));
        QVERIFY2(status->text().contains(QStringLiteral("failed")), qPrintable(status->text()));
    }

    void exportsViewsInThreeFormats() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.showView(QStringLiteral("surfaceView")));
        QTemporaryDir dir;
        QVERIFY(window.exportCurrentView(dir.filePath(QStringLiteral("view.png"))));
        QVERIFY(fileStart(dir.filePath(QStringLiteral("view.png")), 4) == QByteArray("\x89PNG", 4));
        QVERIFY(window.exportCurrentView(dir.filePath(QStringLiteral("view.pdf"))));
        QVERIFY(fileStart(dir.filePath(QStringLiteral("view.pdf")), 5) == QByteArray("%PDF-"));
        QVERIFY(window.showView(QStringLiteral("welcomeView")));
        QVERIFY(window.exportCurrentView(dir.filePath(QStringLiteral("view.svg"))));
        QVERIFY(fileStart(dir.filePath(QStringLiteral("view.svg")), 200).contains("<svg"));
        QVERIFY(!window.exportCurrentView(dir.filePath(QStringLiteral("view.bmpx"))));
        QVERIFY(!window.showView(QStringLiteral("noSuchView")));
    }

    void selfCheckRunsAndShowsResults() {
        MainWindow window;
        window.show();
        QSignalSpy finished(window.jobs(), &JobTracker::finished);
        auto* progress = window.findChild<JobProgressWidget*>(QStringLiteral("jobProgress"));
        findAction(&window, "selfCheckAction")->trigger();
        QVERIFY(progress->isVisible());
        QVERIFY(findAction(&window, "cancelJobAction")->isEnabled());
        QVERIFY(finished.wait(120000));
        QCOMPARE(window.jobs()->state(), JobState::Completed);
        QVERIFY(!progress->isVisible());
        auto* properties = window.findChild<QTreeWidget*>(QStringLiteral("propertiesPanel"));
        QVERIFY(properties);
        QVERIFY(properties->topLevelItem(0)->text(0).startsWith(QStringLiteral("Kernel self-check")));
        QCOMPARE(properties->topLevelItem(0)->childCount(), 4); // N = 256, 512, 1024, 2048
        QVERIFY(properties->topLevelItem(0)->child(3)->text(1).contains(QStringLiteral("GFLOP/s")));
    }

    void cancelButtonCancelsTheJob() {
        MainWindow window;
        window.show();
        QSignalSpy finished(window.jobs(), &JobTracker::finished);
        window.startKernelSelfCheck();
        auto* progress = window.findChild<JobProgressWidget*>(QStringLiteral("jobProgress"));
        QTRY_VERIFY(progress->isVisible());
        QTest::mouseClick(progress->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(60000));
        QCOMPARE(window.jobs()->state(), JobState::Cancelled);
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("statusLabel"))
                    ->text()
                    .contains(QStringLiteral("cancelled")));
        QVERIFY(!findAction(&window, "cancelJobAction")->isEnabled());
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
