// SPDX-License-Identifier: Apache-2.0
// The Reading tab: Tools > Correlate with Reading Corpus on the demo model and a Provo-layout report
// gives what `attnscope-cli scanpath correlate --words --json` gives and saves the same document; the
// dialog's choices reach the job; the table's rows choose the scatter's words; bad reports are refused.
#include "app/main_window.h"
#include "gui_test_main.h"
#include "project_fixtures.h"
#include "views/reading_correlation_view.h"
#include "views/word_scatter.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

namespace {

const QString kModel = QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo");
const QString kProvo = QStringLiteral(ATTNSCOPE_FUZZ_CORPUS_DIR "/reading_corpus/provo.csv");
const QString kGeco = QStringLiteral(ATTNSCOPE_FUZZ_CORPUS_DIR "/reading_corpus/geco.csv");

} // namespace

class TestReadingCorpus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void correlatesAsTheCliDoesAndShowsEachUnitsWords() {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("correlateReadingCorpusAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R));
        MainWindow::ReadingCorpusRequest request;
        request.path = kProvo;
        QCOMPARE(window.startReadingCorrelation(request), quint64(0)); // no model yet
        QVERIFY(window.openModel(kModel));
        MainWindow::ReadingCorpusRequest missing;
        missing.path = QStringLiteral("/nonexistent/provo.csv");
        QCOMPARE(window.startReadingCorrelation(missing), quint64(0));

        QSignalSpy done(&window, &MainWindow::readingCorrelated);
        QVERIFY(window.startReadingCorrelation(request) != 0);
        QVERIFY(done.wait(120000));
        QVERIFY(done.at(0).at(0).toBool());
        ReadingCorrelationView* view = window.readingCorrelationView();
        QCOMPARE(window.views()->currentWidget(), view);
        QVERIFY(view->result().has_value());
        const analyses::ReadingCorrelation& result = *view->result();
        QCOMPARE(result.units.size(), std::size_t(2));
        QCOMPARE(result.unitsCompared, 1);
        QVERIFY(view->summary().contains(QStringLiteral("1 of 2 units compared")));
        // The job's own message stays on the status line (not replaced by "…: completed").
        const QString status = window.findChild<QLabel*>(QStringLiteral("statusLabel"))->text();
        QVERIFY2(status.startsWith(QStringLiteral("Reading correlation: 1 of 2 units compared")),
                 qPrintable(status));
        QCOMPARE(view->table()->rowCount(), 3); // pooled, then the two texts

        // The pooled scatter holds the compared words only; a unit's holds all of its words, the edges
        // hollow. A click on the table's row chooses the unit.
        QCOMPARE(view->scatter()->points().size(), std::size_t(4));
        view->table()->setCurrentCell(1, 0);
        QCOMPARE(view->shownUnit(), 0);
        const auto& points = view->scatter()->points();
        QCOMPARE(points.size(), std::size_t(6));
        QVERIFY(!points.front().compared && !points.back().compared && points[1].compared);
        QCOMPARE(points[4].label, QStringLiteral("Don\u2019t"));
        const int hit = view->scatter()->pointAt(view->scatter()->screenPosition(2));
        QCOMPARE(hit, 2);
        window.grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/studio-reading-corpus.png"));

        // Save Result writes the CLI's document for the same corpus and model.
        QTemporaryDir dir;
        const QString saved = dir.filePath(QStringLiteral("reading.json"));
        QVERIFY(view->saveResult(saved));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const nlohmann::json document = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
        const nlohmann::json expected = cliJson({QStringLiteral("scanpath"), QStringLiteral("correlate"),
                                                 kModel, QStringLiteral("--corpus"), kProvo,
                                                 QStringLiteral("--words"), QStringLiteral("--json")});
        QVERIFY(expected.is_object());
        QCOMPARE(QString::fromStdString(document.dump()), QString::fromStdString(expected.dump()));
        QVERIFY(view->saveWords(dir.filePath(QStringLiteral("words.tsv"))));
        QVERIFY(!view->saveResult(dir.filePath(QStringLiteral("no/such/dir/reading.json"))));
    }

    void theDialogsChoicesReachTheJob() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openModel(kModel));
        onNextModal<QDialog>(this, [](QDialog* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("readingCorpusDialog"));
            dialog->findChild<QLineEdit*>(QStringLiteral("readingCorpusPath"))->setText(kProvo);
            dialog->findChild<QComboBox*>(QStringLiteral("readingCorpusUnit"))
                ->setCurrentIndex(1); // sentences
            dialog->findChild<QComboBox*>(QStringLiteral("readingCorpusMeasure"))
                ->setCurrentText(QStringLiteral("relFix"));
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        QSignalSpy done(&window, &MainWindow::readingCorrelated);
        QVERIFY(window.correlateReadingCorpus() != 0);
        QVERIFY(done.wait(120000));
        QVERIFY(done.at(0).at(0).toBool());
        const ReadingCorrelationView* view = window.readingCorrelationView();
        QCOMPARE(view->corpus()->units.size(),
                 std::size_t(3)); // the first text's two sentences, the second's one
        QCOMPARE(view->result()->request.measure, std::string("relFix"));
        QCOMPARE(view->result()->units[0].id, std::string("1/s1"));
    }

    void refusesAReportOfAnotherLayout() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openModel(kModel));
        MainWindow::ReadingCorpusRequest request;
        request.path = kGeco;
        request.format = QStringLiteral("provo");
        QSignalSpy done(&window, &MainWindow::readingCorrelated);
        QVERIFY(window.startReadingCorrelation(request) != 0);
        QVERIFY(done.wait(60000));
        QVERIFY(!done.at(0).at(0).toBool());
        QVERIFY(!window.readingCorrelationView()->result().has_value());
        QVERIFY(window.readingCorrelationView()
                    ->findChild<QPushButton*>(QStringLiteral("readingCorrelate"))
                    ->isEnabled());
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestReadingCorpus)
#include "tst_reading_corpus.moc"
