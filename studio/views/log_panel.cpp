// SPDX-License-Identifier: Apache-2.0
#include "log_panel.h"

#include "attnscope/core/log.h"

#include <QDateTime>
#include <QPointer>

namespace attnscope::studio {

LogPanel::LogPanel(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setMaximumBlockCount(5000); // bounded: a long session must not grow without limit
    setPlaceholderText(tr("Messages from the runtime and the kernels appear here."));
    QPointer<LogPanel> self(this);
    m_sink = log::addSink([self](const log::Record& record) {
        const QString level = QString::fromLatin1(log::levelName(record.level));
        const QString component = QString::fromStdString(record.component);
        const QString message = QString::fromStdString(record.message);
        QMetaObject::invokeMethod(
            self.data(),
            [self, level, component, message] {
                if (self)
                    self->appendRecord(level, component, message);
            },
            Qt::QueuedConnection);
    });
}

LogPanel::~LogPanel() {
    log::removeSink(m_sink);
}

void LogPanel::appendRecord(const QString& level, const QString& component, const QString& message) {
    appendPlainText(
        QStringLiteral("%1 [%2] %3: %4")
            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), level, component, message));
}

} // namespace attnscope::studio
