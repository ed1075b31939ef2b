// SPDX-License-Identifier: Apache-2.0
// MainWindow's projects and runs: creating and opening a project, listing its runs, loading one in the
// background and handing it to every view.
#include "main_window.h"

#include "../dialogs/add_note_dialog.h"
#include "../dialogs/compare_runs_dialog.h"
#include "../jobs/job_tracker.h"
#include "../views/attention_heatmap_view.h"
#include "../views/head_atlas_view.h"
#include "../views/head_details_view.h"
#include "../views/matrix_surface.h"
#include "../views/notes_panel.h"
#include "../views/prepared_run.h"
#include "../views/run_figure_view.h"
#include "../views/surface_view.h"
#include "../views/token_view.h"
#include "attnscope/core/log.h"
#include "attnscope/store/project.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QInputDialog>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QTabWidget>
#include <QTextBrowser>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace attnscope::studio {

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

bool MainWindow::renameRun(qint64 id, const QString& label) {
    if (m_projectPath.isEmpty()) {
        showStatus(tr("No project is open"));
        return false;
    }
    {
        auto project = store::Project::open(m_projectPath.toStdString(), store::OpenMode::ReadWrite);
        const Status status = project ? project->setRunLabel(id, label.toStdString()) : project.status();
        if (!status.isOk()) {
            showStatus(tr("Cannot rename run %1: %2").arg(id).arg(QString::fromStdString(status.toString())));
            return false;
        }
    }
    const std::optional<qint64> selected = selectedRunId();
    listProject(m_projectPath);
    if (selected)
        selectRunRow(*selected);
    if (id == m_runId && m_runProject == m_projectPath)
        loadRun(id); // the shown record (report title, exports) carries the old label
    showStatus(label.trimmed().isEmpty() ? tr("Run %1's label cleared").arg(id)
                                         : tr("Run %1 is now \u201C%2\u201D").arg(id).arg(label.trimmed()));
    return true;
}

std::optional<qint64> MainWindow::selectedRunId() const {
    const QListWidgetItem* item = m_runs->currentItem();
    if (!item || !item->data(Qt::UserRole).isValid())
        return std::nullopt;
    return item->data(Qt::UserRole).toLongLong();
}

void MainWindow::selectRunRow(qint64 id) {
    const QSignalBlocker block(m_runs); // selecting only: the caller decides what to load
    for (int row = 0; row < m_runs->count(); ++row)
        if (m_runs->item(row)->data(Qt::UserRole).toLongLong() == id)
            m_runs->setCurrentRow(row);
}

void MainWindow::renameSelectedRun() {
    const std::optional<qint64> selected = selectedRunId();
    if (!selected || m_projectPath.isEmpty())
        return;
    const qint64 id = *selected;
    QString current;
    if (auto project = store::Project::open(m_projectPath.toStdString(), store::OpenMode::ReadOnly))
        if (auto runs = project->runs())
            for (const store::RunSummary& r : *runs)
                if (r.id == id)
                    current = QString::fromStdString(r.label);
    bool ok = false;
    const QString label =
        QInputDialog::getText(this, tr("Rename Run"), tr("Label of run %1 (empty: none):").arg(id),
                              QLineEdit::Normal, current, &ok);
    if (ok && label.trimmed() != current)
        renameRun(id, label);
}

bool MainWindow::deleteRun(qint64 id) {
    if (m_projectPath.isEmpty()) {
        showStatus(tr("No project is open"));
        return false;
    }
    {
        auto project = store::Project::open(m_projectPath.toStdString(), store::OpenMode::ReadWrite);
        const Status status = project ? project->removeRun(id) : project.status();
        if (!status.isOk()) {
            showStatus(tr("Cannot delete run %1: %2").arg(id).arg(QString::fromStdString(status.toString())));
            return false;
        }
    }
    const std::optional<qint64> selected = selectedRunId();
    // Shown, or selected and still loading: either way the views must move on.
    const bool wasShown = (id == m_runId && m_runProject == m_projectPath) || selected == id;
    listProject(m_projectPath);
    for (auto* dialog : findChildren<CompareRunsDialog*>())
        dialog->close(); // its run lists would offer the deleted run
    const int last = m_runs->count() - 1;
    const bool anyLeft = last >= 0 && m_runs->item(last)->data(Qt::UserRole).isValid();
    if (wasShown) {
        ++m_loadGeneration; // a load of the deleted run still running is dropped
        if (anyLeft) {
            const QSignalBlocker block(m_runs);
            m_runs->setCurrentRow(last);
            loadRun(m_runs->item(last)->data(Qt::UserRole).toLongLong());
        } else {
            clearShownRun();
        }
    } else {
        if (selected)
            selectRunRow(*selected);
    }
    showStatus(tr("Run %1 deleted from %2").arg(id).arg(QFileInfo(m_projectPath).fileName()));
    return true;
}

void MainWindow::deleteSelectedRun() {
    const std::optional<qint64> selected = selectedRunId();
    if (!selected || m_projectPath.isEmpty())
        return;
    // Read before asking: a job ending meanwhile relists the runs and deletes the item.
    const qint64 id = *selected;
    const QString shown = m_runs->currentItem()->text();
    QMessageBox ask(QMessageBox::Question, tr("Delete Run"),
                    tr("Delete %1 from %2, with its results and notes? This cannot be undone.")
                        .arg(shown, QFileInfo(m_projectPath).fileName()),
                    QMessageBox::Yes | QMessageBox::No, this);
    ask.setTextFormat(Qt::PlainText); // labels are the user's text
    ask.setDefaultButton(QMessageBox::No);
    if (ask.exec() == QMessageBox::Yes)
        deleteRun(id);
}

void MainWindow::clearShownRun() {
    const PreparedRun none;
    m_atlas->setRun(none);
    m_heatmap->setRun(none);
    m_tokens->setRun(none);
    m_details->setRun(none);
    m_figures->setRun(none);
    m_notes->setRun({}, 0, {});
    m_shownRun.reset();
    if (m_jobs->isBusy() && m_jobs->currentId() == m_tilesJob)
        m_jobs->cancel(); // its tiles are the deleted run's (and a new run may reuse the id)
    m_runId = m_tilesRun = m_tilesJobRun = 0;
    showSurfaceExample();
    m_runProject.clear();
    ++m_loadGeneration; // a load still running is dropped
    ++m_reportGeneration;
    m_reportStale = true;
    m_report->clear();
    m_views->setCurrentIndex(0); // the welcome page
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
    m_runProject = QString::fromStdString(prepared.projectPath);
    m_notes->setRun(m_runProject, id, prepared.notes);
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
    } else {
        showSurfaceExample(); // not the previous run's similarity
    }
    // The first run shown replaces the welcome page with the atlas; later ones keep the view the user is
    // looking at.
    if (m_views->currentWidget() == m_views->widget(0))
        m_views->setCurrentWidget(m_atlas);
    showStatus(tr("Run %1: %2 head metrics").arg(id).arg(run.metrics.size()));
    Q_EMIT runShown(id);
}

void MainWindow::addNote() {
    if (m_runId == 0 || m_runProject.isEmpty()) {
        showStatus(tr("Notes belong to a stored run: open a project or analyze an input first"));
        return;
    }
    const int token = m_tokens->selectedToken();
    // The head is the one selected in the atlas (the views follow it); the token, the one clicked.
    std::optional<std::pair<int, int>> head;
    if (m_atlas->layers() > 0 && m_atlas->heads() > 0)
        head = m_atlas->selectedHead();
    AddNoteDialog dialog(head, token >= 0 ? std::optional<int>(token) : std::nullopt,
                         token >= 0 ? m_tokens->tokenString(token) : QString(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (m_notes->addNote(dialog.text(), dialog.layer(), dialog.head(), dialog.token()))
        showStatus(tr("Note added to run %1").arg(m_runId));
    else
        showStatus(m_notes->lastError());
}

} // namespace attnscope::studio
