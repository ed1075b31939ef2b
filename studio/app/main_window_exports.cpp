// SPDX-License-Identifier: Apache-2.0
// MainWindow's outputs: the current view as an image, the Report tab and the exported report, the run's
// data (CSV, JSON, NumPy), the Compare Runs and Keyboard Shortcuts dialogs.
#include "main_window.h"

#include "../dialogs/compare_runs_dialog.h"
#include "../dialogs/shortcuts_dialog.h"
#include "attnscope/store/project.h"
#include "attnscope/store/run_exchange.h"
#include "render/report.h"
#include "render/report_writer.h"

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace attnscope::studio {

void MainWindow::chooseExportPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export View"), m_settings.lastDirectory(),
                                     tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
    if (!path.isEmpty())
        exportCurrentView(path);
}

bool MainWindow::exportCurrentView(const QString& path) {
    QWidget* view = m_views->currentWidget();
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = view->grab().save(path, "PNG");
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(view->size());
        generator.setViewBox(view->rect());
        generator.setTitle(m_views->tabText(m_views->currentIndex()));
        QPainter painter;
        if (painter.begin(&generator)) {
            view->render(&painter);
            ok = painter.end();
        }
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter writer(path);
        writer.setTitle(m_views->tabText(m_views->currentIndex()));
        writer.setCreator(QStringLiteral("AttnScope"));
        const QPixmap pixmap = view->grab();
        QPainter painter;
        if (painter.begin(&writer)) {
            const QRect page = painter.viewport();
            const QSize scaled = pixmap.size().scaled(page.size(), Qt::KeepAspectRatio);
            painter.drawPixmap(QRect(page.topLeft(), scaled), pixmap);
            ok = painter.end();
        }
    } else {
        showStatus(tr("%1: unknown format '%2' (use .png, .svg or .pdf)").arg(path, suffix));
        return false;
    }
    showStatus(ok ? tr("Exported %1").arg(path) : tr("%1: export failed").arg(path));
    return ok;
}

void MainWindow::refreshReport() {
    if (!m_reportStale || !m_shownRun)
        return;
    m_reportStale = false;
    // Some thirty figures for a large run: drawn on a worker thread (figures paint QImages in the light
    // ink there); the tab shows the newest request's report only.
    const quint64 generation = ++m_reportGeneration;
    std::shared_ptr<const store::RunRecord> run = m_shownRun;
    const QString project = m_runProject;
    m_report->setPlainText(tr("Drawing the report of run %1…").arg(run->id));
    using Result = std::shared_ptr<Expected<render::Report>>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, id = run->id] {
        watcher->deleteLater();
        if (generation != m_reportGeneration)
            return;
        const Result report = watcher->result();
        if (!*report) {
            m_report->setPlainText(QString::fromStdString(report->status().toString()));
            return;
        }
        QTextDocument* document = m_report->document();
        document->clear();
        for (const auto& [name, image] : (*report)->figures)
            document->addResource(QTextDocument::ImageResource, QUrl(name), image);
        m_report->setHtml(QStringLiteral("<h1>%1</h1>").arg((*report)->title) + (*report)->body);
        Q_EMIT reportShown(id);
    });
    watcher->setFuture(QtConcurrent::run([run, project] {
        return std::make_shared<Expected<render::Report>>(render::buildReport(*run, project));
    }));
}

void MainWindow::chooseReportPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Report"), QStringLiteral("report.html"),
                                     tr("HTML report (*.html);;PDF report (*.pdf)"));
    if (!path.isEmpty())
        exportReport(path);
}

bool MainWindow::exportReport(const QString& path) {
    if (m_runProject.isEmpty() || !m_shownRun) {
        showStatus(tr("Open a project run first"));
        return false;
    }
    // The shown run is in memory already (read and decompressed when it was loaded); rendering the
    // figures takes a moment for a large run, so the cursor says so.
    showStatus(tr("Writing %1…").arg(QFileInfo(path).fileName()));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Status status = render::writeReport(*m_shownRun, m_runProject.toStdString(), path.toStdString());
    QApplication::restoreOverrideCursor();
    showStatus(status.isOk()
                   ? tr("Wrote %1").arg(path)
                   : tr("Cannot export the report: %1").arg(QString::fromStdString(status.toString())));
    return status.isOk();
}

ShortcutsDialog* MainWindow::showShortcuts() {
    auto* dialog = new ShortcutsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

CompareRunsDialog* MainWindow::compareRuns(qint64 a, qint64 b) {
    if (m_projectPath.isEmpty()) {
        showStatus(tr("Open a project first (File ▸ Open Project…)"));
        return nullptr;
    }
    // Non-modal: the runs stay browsable beside it. Without ids: the two newest runs, the older as A.
    auto* dialog = new CompareRunsDialog(m_projectPath, a, b, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::chooseRunDataPath() {
    if (!m_shownRun) {
        showStatus(tr("Open a project run first"));
        return;
    }
    const QString csv = tr("Head metrics, CSV (*.csv)"), json = tr("Run document, JSON (*.json)"),
                  npy = tr("NumPy arrays, a folder (*)");
    QString filter;
    QString path =
        QFileDialog::getSaveFileName(this, tr("Export Run Data"), QStringLiteral("run%1").arg(m_runId),
                                     csv + QStringLiteral(";;") + json + QStringLiteral(";;") + npy, &filter);
    if (path.isEmpty())
        return;
    const QString format = filter == npy    ? QStringLiteral("npy")
                           : filter == json ? QStringLiteral("json")
                                            : QStringLiteral("csv");
    if (format != QLatin1String("npy") && QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + format; // the name follows the chosen format (a folder for npy)
    exportRunData(path, format);
}

bool MainWindow::exportRunData(const QString& path, const QString& format) {
    if (!m_shownRun) {
        showStatus(tr("Open a project run first"));
        return false;
    }
    // The notes as the project has them now (the CLI may have added some since the run was shown).
    std::vector<store::Annotation> notes;
    QString notesMissing; // said in the status line: the data is exported all the same
    auto project = store::Project::open(m_runProject.toStdString(), store::OpenMode::ReadOnly);
    auto stored = project ? project->annotations(m_shownRun->id)
                          : Expected<std::vector<store::Annotation>>(project.status());
    if (stored)
        notes = std::move(*stored);
    else if (format == QLatin1String("json"))
        notesMissing = tr(" (without its notes: %1)").arg(QString::fromStdString(stored.status().toString()));
    auto written = store::exportRun(*m_shownRun, format.toStdString(), path.toStdString(), notes);
    if (!written) {
        showStatus(tr("Cannot export the run: %1").arg(QString::fromStdString(written.status().toString())));
        return false;
    }
    showStatus(tr("Exported run %1 as %2: %3 file(s) in %4%5")
                   .arg(m_runId)
                   .arg(format)
                   .arg((*written)["written"].size())
                   .arg(path, notesMissing));
    return true;
}

} // namespace attnscope::studio
