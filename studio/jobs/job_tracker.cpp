// SPDX-License-Identifier: Apache-2.0
#include "job_tracker.h"

#include <QMetaObject>
#include <QPointer>

#include <atomic>
#include <chrono>
#include <memory>

namespace attnscope::studio {

QString jobStateName(JobState state) {
    switch (state) {
    case JobState::Idle:
        return QStringLiteral("Idle");
    case JobState::Running:
        return QStringLiteral("Running");
    case JobState::Cancelling:
        return QStringLiteral("Cancelling");
    case JobState::Cancelled:
        return QStringLiteral("Cancelled");
    case JobState::Completed:
        return QStringLiteral("Completed");
    case JobState::Failed:
        return QStringLiteral("Failed");
    }
    return QStringLiteral("Unknown");
}

JobTracker::JobTracker(QObject* parent) : QObject(parent) {
    // One worker: model work is owned by one thread (DESIGN.md, "Threads").
    m_pool.setMaxThreadCount(1);
}

JobTracker::~JobTracker() {
    m_cancel.requestCancel();
    m_pool.waitForDone();
}

void JobTracker::waitForIdle() {
    m_pool.waitForDone();
}

void JobTracker::setState(JobState state) {
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

quint64 JobTracker::start(const QString& title, JobWork work, std::function<void(const Status&)> onDone) {
    if (isBusy())
        Q_EMIT superseded(m_currentId, m_title, title);
    m_cancel.requestCancel(); // supersede whatever is running
    m_cancel = CancelToken{};
    const quint64 id = ++m_currentId;
    m_title = title;
    setState(JobState::Running);
    Q_EMIT started(id, title);

    QPointer<JobTracker> self(this);
    // Throttle: at most one queued progress event per 50 ms, plus the final 100%.
    auto lastPost = std::make_shared<std::atomic<int64_t>>(0);
    ProgressCallback report = [self, id, lastPost](float fraction, std::string_view stage) {
        const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
        if (fraction < 1.0f && now - lastPost->load() < 50)
            return;
        lastPost->store(now);
        const QString stageText = QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size()));
        QMetaObject::invokeMethod(
            self.data(),
            [self, id, fraction, stageText] {
                if (self && id == self->m_currentId)
                    Q_EMIT self->progressChanged(id, fraction, stageText);
            },
            Qt::QueuedConnection);
    };
    Progress progress(std::move(report), m_cancel);

    m_pool.start([self, id, work = std::move(work), progress, onDone = std::move(onDone)] {
        Status status;
        try {
            status = work(progress);
        } catch (const std::exception& e) { // a job must never take the studio down
            status = Status::internal(std::string("unexpected exception: ") + e.what());
        } catch (...) {
            status = Status::internal("unexpected exception");
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, id, status, onDone] {
                if (self)
                    self->complete(id, status, onDone);
            },
            Qt::QueuedConnection);
    });
    return id;
}

void JobTracker::cancel() {
    if (m_state != JobState::Running)
        return;
    m_cancel.requestCancel();
    setState(JobState::Cancelling);
}

void JobTracker::complete(quint64 id, const Status& status,
                          const std::function<void(const Status&)>& onDone) {
    if (id != m_currentId)
        return; // superseded: its result is stale
    const JobState outcome = status.isOk()          ? JobState::Completed
                             : status.isCancelled() ? JobState::Cancelled
                                                    : JobState::Failed;
    setState(outcome);
    if (onDone)
        onDone(status);
    Q_EMIT finished(id, outcome, status.isOk() ? QString() : QString::fromStdString(status.toString()));
}

} // namespace attnscope::studio
