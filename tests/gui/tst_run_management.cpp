// SPDX-License-Identifier: Apache-2.0
// Working with a project's runs in the studio: notes on runs (add, edit, delete, the CLI seeing them),
// comparing runs and exporting a run's data, renaming and deleting runs, and the analysis settings that
// runs are made and recorded with.
#include "app/main_window.h"
#include "app/studio_settings.h"
#include "dialogs/add_note_dialog.h"
#include "dialogs/analysis_settings_dialog.h"
#include "dialogs/compare_runs_dialog.h"
#include "dialogs/intervention_dialog.h"
#include "gui_test_main.h"
#include "jobs/job_tracker.h"
#include "project_fixtures.h"
#include "views/attention_heatmap_view.h"
#include "views/head_atlas_view.h"
#include "views/notes_panel.h"

#include "attnscope/store/project.h"

#include <QAction>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
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
#include <QToolButton>

#include <nlohmann/json.hpp>

#include <cmath>

using namespace attnscope;
using namespace attnscope::studio;
using namespace attnscope::test;

class TestRunManagement : public QObject {
    Q_OBJECT
private Q_SLOTS:
    /// Every test starts from the studio's default analysis settings, whatever an earlier one left.
    void init() { StudioSettings().setAnalysisSettings(QString()); }

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

    void interveneAndReanalyzeComparesWithTheShownRun() {
        // A run of the demo model on the short sample (text input, sinks only: seconds).
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("intervene.attnscope"));
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("analyze"),
                   QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                   QStringLiteral("--sample"), QStringLiteral("short"), QStringLiteral("--analyses"),
                   QStringLiteral("sinks"), QStringLiteral("--window"), QStringLiteral("32"),
                   QStringLiteral("--project"), path});
        QVERIFY(cli.waitForFinished(120000));
        QCOMPARE(cli.exitCode(), 0);

        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("interveneAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
        QCOMPARE(window.interveneAndReanalyze(), quint64(0)); // no run shown yet
        QSignalSpy shown(&window, &MainWindow::runShown);
        QVERIFY(window.openProject(path));
        QVERIFY(shown.wait(30000));

        // Through the menu: a typo and an empty request keep the dialog open and say why; then ACT on
        // layer 1 and layers 2-3 sharing attention.
        QString typo, nothing, label;
        onNextModal<InterventionDialog>(this, [&](InterventionDialog* dialog) {
            dialog->maskHeadsEdit()->setText(QStringLiteral("1:x"));
            dialog->buttons()->button(QDialogButtonBox::Ok)->click();
            typo = dialog->isVisible() ? dialog->errorText() : QStringLiteral("closed");
            dialog->maskHeadsEdit()->clear();
            dialog->buttons()->button(QDialogButtonBox::Ok)->click();
            nothing = dialog->isVisible() ? dialog->errorText() : QStringLiteral("closed");
            dialog->calibrateHeadsEdit()->setText(QStringLiteral("1:*"));
            dialog->betaSpin()->setValue(0.25);
            dialog->shareLayersEdit()->setText(QStringLiteral(" 2-3 "));
            label = dialog->label();
            dialog->buttons()->button(QDialogButtonBox::Ok)->click();
        });
        shown.clear();
        action->trigger();
        QVERIFY2(typo.startsWith(QStringLiteral("Mask heads: '1:x' is not LAYER:HEAD")), qPrintable(typo));
        QVERIFY2(nothing.startsWith(QStringLiteral("Nothing to change")), qPrintable(nothing));
        QCOMPARE(label, QStringLiteral("ACT 1:* β 0.25 · share 2-3"));
        QVERIFY(shown.wait(120000));
        QCOMPARE(window.shownRunId(), qint64(2));

        // The new run: the same input and parameters, the interventions recorded and applied.
        auto project = store::Project::open(path.toStdString(), store::OpenMode::ReadOnly);
        QVERIFY(project);
        auto before = project->run(1), after = project->run(2);
        QVERIFY(before && after);
        QCOMPARE(after->label, label.toStdString());
        QVERIFY(after->input == before->input);
        const auto settings = nlohmann::json::parse(after->settingsJson);
        QCOMPARE(settings["parameters"]["window"].get<int>(), 32); // the shown run's, not the defaults
        const auto& interventions = settings["interventions"];
        QCOMPARE(interventions["calibration"]["heads"].size(), std::size_t(4)); // 1:* expanded
        QCOMPARE(interventions["calibration"]["beta"].get<double>(), 0.25);
        QVERIFY(interventions["sharing"] == nlohmann::json::parse(R"([{"source": 2, "target": 3}])"));
        // Layer 3 attends with layer 2's queries and keys: its sink statistics are layer 2's.
        const auto heads = nlohmann::json::parse(after->documentJson)["sinks"]["heads"];
        const auto original = nlohmann::json::parse(before->documentJson)["sinks"]["heads"];
        for (int h = 0; h < 4; ++h) {
            QVERIFY(std::abs(heads[12 + h]["token0_mass"].get<double>() -
                             heads[8 + h]["token0_mass"].get<double>()) < 1e-6);
            QVERIFY(std::abs(heads[12 + h]["token0_mass"].get<double>() -
                             original[12 + h]["token0_mass"].get<double>()) > 1e-6);
        }

        // Compare Runs opened on the shown run against the new one.
        CompareRunsDialog* compare = nullptr;
        for (auto* dialog : window.findChildren<CompareRunsDialog*>())
            compare = dialog;
        QVERIFY(compare);
        const nlohmann::json& d = compare->comparison();
        QCOMPARE(d["run_a"]["id"].get<qint64>(), qint64(1));
        QCOMPARE(d["run_b"]["id"].get<qint64>(), qint64(2));
        QVERIFY(d["same_input"].get<bool>());
        QVERIFY(d["settings_differ"].contains("interventions"));
        QVERIFY(d["metrics"].size() > 3);

        // The intervened run's deep-zoom tiles are computed under its interventions (replayed from its
        // document), and the dialog offers them again for the next step.
        QTRY_VERIFY_WITH_TIMEOUT(window.heatmap()->hasExactTiles(), 60000);
        QString offered;
        onNextModal<InterventionDialog>(this, [&](InterventionDialog* dialog) {
            offered = dialog->maskHeadsEdit()->text() + QLatin1Char('|') +
                      dialog->calibrateHeadsEdit()->text() + QLatin1Char('|') +
                      QString::number(dialog->betaSpin()->value()) + QLatin1Char('|') +
                      dialog->shareLayersEdit()->text();
            dialog->reject();
        });
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 60000);
        QCOMPARE(window.interveneAndReanalyze(), quint64(0));
        QCOMPARE(offered, QStringLiteral("|1:0, 1:1, 1:2, 1:3|0.25|2-3"));

        // A head the model does not have: the job fails and says which.
        runtime::Interventions outside;
        outside.maskedHeads = {{7, 0}};
        QTRY_VERIFY_WITH_TIMEOUT(!window.jobs()->isBusy(), 60000); // deep zoom's tiles for run 2
        QString failure;
        connect(window.jobs(), &JobTracker::finished, this, [&](quint64, JobState, const QString& message) {
            if (failure.isEmpty()) // the status line right after the job
                failure = window.findChild<QLabel*>(QStringLiteral("statusLabel"))->text() + message;
        });
        QVERIFY(window.reanalyzeShownRun(outside, QStringLiteral("mask 7:0")) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(!failure.isEmpty(), 60000);
        QVERIFY2(failure.contains(QStringLiteral("no layer 7 to mask (the model has 4 layers)")),
                 qPrintable(failure));
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
};

ATTNSCOPE_GUI_TEST_MAIN(TestRunManagement)
#include "tst_run_management.moc"
