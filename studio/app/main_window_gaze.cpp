// SPDX-License-Identifier: Apache-2.0
// File > Import Gaze Recording: gaze files read off the GUI thread into the Gaze tab.
#include "main_window.h"

#include "../dialogs/gaze_columns_dialog.h"
#include "../views/gaze_view.h"
#include "attnscope/core/log.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace attnscope::studio {

void MainWindow::chooseGazeFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import Gaze Recording"), m_settings.lastDirectory(),
                                     tr("Gaze recordings (*.asc *.tsv *.csv *.txt *.json);;EyeLink ASC "
                                        "(*.asc);;Fixation tables (*.tsv *.csv "
                                        "*.txt);;STI search set (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastDirectory(QFileInfo(path).absolutePath());
    importGaze(path);
}

void MainWindow::importGaze(const QString& path, std::optional<scanpath::TableFormat> table) {
    scanpath::GazeReadOptions options;
    options.table = table;
    using Result = std::shared_ptr<Expected<scanpath::GazeRecording>>;
    auto* watcher = new QFutureWatcher<Result>(this);
    showStatus(tr("Reading %1…").arg(path));
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, table] {
        watcher->deleteLater();
        Result result = watcher->result();
        if (!*result) {
            const Status& status = result->status();
            // A table in no known layout: ask which columns hold the fixations, then read it again.
            if (!table && status.code() == StatusCode::InvalidArgument && status.field() == "header") {
                QFile file(path);
                const QByteArray head = file.open(QIODevice::ReadOnly) ? file.read(64 * 1024) : QByteArray();
                GazeColumnsDialog dialog(QFileInfo(path).fileName(), GazeColumnsDialog::headerColumns(head),
                                         this);
                if (dialog.exec() == QDialog::Accepted) {
                    importGaze(path, dialog.format());
                    return;
                }
            }
            const QString message = QString::fromStdString(status.toString());
            showStatus(message);
            log::error("gaze", status.toString());
            Q_EMIT gazeImportFinished(false, message);
            return;
        }
        const int count = static_cast<int>((*result)->scanpaths.size());
        const int skipped = (*result)->skippedRows;
        m_gaze->addRecording(QFileInfo(path).fileName(), std::move(**result));
        m_views->setCurrentWidget(m_gaze);
        QString message = count == 1 ? tr("Imported 1 scanpath from %1").arg(path)
                                     : tr("Imported %1 scanpaths from %2").arg(count).arg(path);
        if (skipped > 0)
            message += tr(" (%1 rows without a position skipped)").arg(skipped);
        showStatus(message);
        log::info("gaze", message.toStdString());
        Q_EMIT gazeImportFinished(true, message);
    });
    watcher->setFuture(QtConcurrent::run([path, options] {
        return std::make_shared<Expected<scanpath::GazeRecording>>(
            scanpath::readGaze(path.toStdString(), options));
    }));
}

} // namespace attnscope::studio
