// SPDX-License-Identifier: Apache-2.0
// Tools > Evaluate Model: the dialog's refusals, an evaluation of the demo model under StreamingLLM's
// sparse attention beside the model as trained (the figures in the Properties dock and the saved JSON),
// and the CLI's figures for the same request.
#include "app/main_window.h"
#include "app/studio_settings.h"
#include "dialogs/evaluate_dialog.h"
#include "dialogs/evaluation_results_dialog.h"
#include "dialogs/intervention_fields.h"
#include "gui_test_main.h"
#include "project_fixtures.h"
#include "views/model_input_panel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

class TestModelEvaluation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { StudioSettings().setAnalysisSettings(QString()); }

    void evaluatesUnderStreamingAttentionBesideTheModelAsTrained() {
        QTemporaryDir dir;
        // Two of the bundled needle prompts (~1k tokens each) keep the job to seconds.
        const QString needles = dir.filePath(QStringLiteral("needles.jsonl"));
        {
            std::ifstream all(ATTNSCOPE_RESOURCES_DIR "/samples/needles.jsonl");
            std::ofstream two(needles.toStdString());
            std::string line;
            for (int i = 0; i < 2 && std::getline(all, line); ++i)
                two << line << "\n";
        }
        const QString text =
            QStringLiteral("A fool and his money are soon parted. Never trust a man who "
                           "tells you he is honest; he is the one who will sell you a horse.");
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("evaluateAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
        auto* save = window.findChild<QAction*>(QStringLiteral("saveEvaluationAction"));
        QVERIFY(save && !save->isEnabled());
        QCOMPARE(window.evaluateModel(), quint64(0)); // no model yet
        QVERIFY(!window.saveEvaluation(dir.filePath(QStringLiteral("none.json"))));
        QVERIFY(window.openModel(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo")));
        window.modelPanel()->setInputText(text);

        // Through the menu: nothing to measure, a missing file, SnapKV without needles and sparse
        // attention with ACT are refused in the dialog; then StreamingLLM with 4 sinks and a 16-token window.
        QStringList refusals;
        QString label;
        onNextModal<EvaluateDialog>(this, [&](EvaluateDialog* dialog) {
            auto ok = [&] {
                dialog->buttons()->button(QDialogButtonBox::Ok)->click();
                refusals << (dialog->isVisible() ? dialog->errorText() : QStringLiteral("closed"));
            };
            QVERIFY(dialog->perplexityCheck()->isChecked());
            QVERIFY(dialog->needlesCheck()->isChecked()); // the bundled samples are offered
            QVERIFY(dialog->needlesEdit()->text().endsWith(QStringLiteral("needles.jsonl")));
            dialog->perplexityCheck()->setChecked(false);
            dialog->needlesCheck()->setChecked(false);
            dialog->copyingCheck()->setChecked(false);
            ok();
            dialog->needlesCheck()->setChecked(true);
            dialog->needlesEdit()->setText(dir.filePath(QStringLiteral("missing.jsonl")));
            ok();
            dialog->needlesCheck()->setChecked(false);
            dialog->perplexityCheck()->setChecked(true);
            dialog->sparseCombo()->setCurrentIndex(3); // SnapKV
            ok();
            dialog->sparseCombo()->setCurrentIndex(1); // StreamingLLM
            dialog->interventionFields()->calibrateHeadsEdit()->setText(QStringLiteral("1:*"));
            ok();
            dialog->interventionFields()->calibrateHeadsEdit()->clear();
            dialog->streamingWindowSpin()->setValue(16);
            dialog->needlesCheck()->setChecked(true);
            dialog->needlesEdit()->setText(needles);
            label = dialog->label();
            QDir().mkpath(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR));
            dialog->grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/evaluate_dialog.png"));
            ok();
        });
        QSignalSpy finished(&window, &MainWindow::evaluationFinished);
        action->trigger();
        QCOMPARE(refusals.size(), 5);
        QVERIFY2(refusals[0].startsWith(QStringLiteral("Nothing to measure")), qPrintable(refusals[0]));
        QVERIFY2(refusals[1].contains(QStringLiteral("no such file")), qPrintable(refusals[1]));
        QVERIFY2(refusals[2].startsWith(QStringLiteral("SnapKV changes decoding only")),
                 qPrintable(refusals[2]));
        QVERIFY2(refusals[3].startsWith(QStringLiteral("Sparse attention cannot be combined with ACT")),
                 qPrintable(refusals[3]));
        QCOMPARE(refusals[4], QStringLiteral("closed"));
        QCOMPARE(label, QStringLiteral("StreamingLLM 4 + 16"));
        QVERIFY(finished.wait(180000));
        QCOMPARE(finished.takeFirst().at(0).toBool(), true);

        // The document: what was changed, both measurements, the change, and what the masks kept.
        const nlohmann::json& document = window.lastEvaluation();
        QVERIFY(document.at("interventions").at("streaming") ==
                nlohmann::json::parse(R"({"sinks": 4, "window": 16})"));
        QCOMPARE(document.at("perplexity").at("file").get<std::string>(), std::string("input text"));
        QCOMPARE(document.at("needles").at("prompts").get<int>(), 2);
        QCOMPARE(document.at("baseline").at("needles").at("prompts").get<int>(), 2);
        const double density = document.at("perplexity").at("sparse_attention").at("density").get<double>();
        QVERIFY2(density > 0.3 && density < 1.0, qPrintable(QString::number(density)));
        QVERIFY(document.at("needles").at("sparse_attention").at("density").get<double>() < 0.1);
        QVERIFY(std::abs(document.at("delta").at("perplexity").get<double>() -
                         (document.at("perplexity").at("perplexity").get<double>() -
                          document.at("baseline").at("perplexity").at("perplexity").get<double>())) < 1e-9);

        // The Evaluation table shows the figures beside the model as trained.
        EvaluationResultsDialog* results = window.evaluationResults();
        QVERIFY(results && results->isVisible());
        QTableWidget* table = results->table();
        QCOMPARE(table->horizontalHeaderItem(1)->text(), QStringLiteral("StreamingLLM 4 + 16"));
        QVERIFY(!table->isColumnHidden(2));
        QStringList names;
        for (int row = 0; row < table->rowCount(); ++row)
            names << table->item(row, 0)->text();
        const int perplexity = static_cast<int>(names.indexOf(QStringLiteral("Perplexity")));
        QVERIFY2(perplexity >= 0, qPrintable(names.join(QStringLiteral(", "))));
        QCOMPARE(table->item(perplexity, 1)->text(),
                 QString::number(document.at("perplexity").at("perplexity").get<double>(), 'f', 2));
        QCOMPARE(
            table->item(perplexity, 2)->text(),
            QString::number(document.at("baseline").at("perplexity").at("perplexity").get<double>(), 'f', 2));
        const int answered = static_cast<int>(names.indexOf(QStringLiteral("Needles answered")));
        QVERIFY(answered >= 0);
        QCOMPARE(table->item(answered, 1)->text(),
                 QStringLiteral("%1 / 2").arg(document.at("needles").at("correct").get<int>()));
        QVERIFY2(names.contains(QStringLiteral("Sparse attention (perplexity): kept pairs / mass")),
                 qPrintable(names.join(QStringLiteral(", "))));
        QDir().mkpath(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR));
        results->grab().save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/evaluation_results.png"));
        QVERIFY(window.saveScreenshot(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/evaluation.png")));

        // Saved as JSON, and the CLI measures the same figures for the same request.
        QVERIFY(save->isEnabled());
        const QString saved = dir.filePath(QStringLiteral("evaluation.json"));
        QVERIFY(window.saveEvaluation(saved));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(nlohmann::json::parse(file.readAll().toStdString()) == document);
        const QString textFile = dir.filePath(QStringLiteral("input.txt"));
        {
            QFile out(textFile);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(text.toUtf8());
        }
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("evaluate"),
                   QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                   QStringLiteral("--text-file"), textFile, QStringLiteral("--streaming-window"),
                   QStringLiteral("16"), QStringLiteral("--json")});
        QVERIFY(cli.waitForFinished(120000));
        QCOMPARE(cli.exitCode(), 0);
        const auto measured = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
        QCOMPARE(measured.at("perplexity").at("perplexity").get<double>(),
                 document.at("perplexity").at("perplexity").get<double>());
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestModelEvaluation)
#include "tst_model_evaluation.moc"
