// SPDX-License-Identifier: Apache-2.0
// Background jobs for the studio: one worker thread, progress, cancellation, stale-result dropping.
#pragma once

#include "attnscope/core/progress.h"
#include "attnscope/core/status.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <functional>

namespace attnscope::studio {

/// Lifecycle of a job (Slicer's command-line module states).
enum class JobState { Idle, Running, Cancelling, Cancelled, Completed, Failed };

/// Human-readable state ("Running", "Cancelled", ...).
QString jobStateName(JobState state);

/// The work: runs on the tracker's worker thread, reports through `progress` and polls its token.
/// It must not touch widgets; results go back through the `onDone` callback of start().
using JobWork = std::function<Status(const Progress& progress)>;

/// Runs one job at a time off the GUI thread (Hotspot's JobTracker, RenderDoc's tag coalescing).
///
/// Each start() gets a new id; starting a job cancels the running one (announced by superseded()), and
/// anything a superseded job posts back is dropped, so the GUI only ever sees the newest job. Progress and
/// completion reach the GUI thread through queued calls. The GUI thread never waits on a job, except in the
/// destructor, which cancels and joins the worker. GUI thread only.
class JobTracker : public QObject {
    Q_OBJECT
public:
    explicit JobTracker(QObject* parent = nullptr);
    ~JobTracker() override;

    /// Starts `work`; `onDone` then runs on the GUI thread with the job's final status (not called for
    /// a job superseded by a newer one). Returns the job id.
    quint64 start(const QString& title, JobWork work, std::function<void(const Status&)> onDone = {});
    /// Requests cancellation of the running job (state becomes Cancelling until the work returns).
    void cancel();

    JobState state() const { return m_state; }
    bool isBusy() const { return m_state == JobState::Running || m_state == JobState::Cancelling; }
    QString title() const { return m_title; }
    quint64 currentId() const { return m_currentId; }
    /// Blocks until the worker is idle (tests and shutdown only).
    void waitForIdle();

Q_SIGNALS:
    void started(quint64 id, const QString& title);
    /// Fraction in [0, 1] and the current stage; throttled to a few updates per second.
    void progressChanged(quint64 id, float fraction, const QString& stage);
    void stateChanged(JobState state);
    void finished(quint64 id, JobState state, const QString& message);
    /// Job `id` (`title`) was still running when start() began `byTitle`: it is cancelled and will
    /// emit nothing more (finished() is only for the newest job).
    void superseded(quint64 id, const QString& title, const QString& byTitle);

private:
    void setState(JobState state);
    void complete(quint64 id, const Status& status, const std::function<void(const Status&)>& onDone);

    QThreadPool m_pool;
    quint64 m_currentId = 0;
    JobState m_state = JobState::Idle;
    QString m_title;
    CancelToken m_cancel;
};

} // namespace attnscope::studio

Q_DECLARE_METATYPE(attnscope::studio::JobState)
