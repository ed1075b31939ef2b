// SPDX-License-Identifier: Apache-2.0
// JobTracker: progress reaches the GUI thread, cancel works, superseded results are dropped.
#include "attnscope/core/expected.h"
#include "gui_test_main.h"
#include "jobs/job_tracker.h"

#include <QSignalSpy>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace attnscope;
using attnscope::studio::JobState;
using attnscope::studio::JobTracker;

namespace {

/// Work that reports progress until it is cancelled (or `steps` steps pass).
studio::JobWork loopUntilCancelled(int steps, std::atomic<int>* iterations = nullptr) {
    return [steps, iterations](const Progress& progress) {
        for (int i = 0; i < steps; ++i) {
            if (iterations)
                ++*iterations;
            ATTNSCOPE_TRY(progress.update(static_cast<float>(i) / steps, "looping"));
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return progress.update(1.0f);
    };
}

} // namespace

class TestJobTracker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void completesAndReportsProgress() {
        JobTracker tracker;
        QSignalSpy progress(&tracker, &JobTracker::progressChanged);
        QSignalSpy finished(&tracker, &JobTracker::finished);
        Status seen = Status::internal("not called");
        tracker.start(QStringLiteral("count"), loopUntilCancelled(40), [&](const Status& s) { seen = s; });
        QCOMPARE(tracker.state(), JobState::Running);
        QVERIFY(finished.wait(10000));
        QCOMPARE(tracker.state(), JobState::Completed);
        QVERIFY(seen.isOk());
        QVERIFY(progress.count() >= 1);
        QCOMPARE(progress.last().at(1).toFloat(), 1.0f); // the final 100% is never throttled away
    }

    void cancelStopsTheWork() {
        JobTracker tracker;
        std::atomic<int> iterations{0};
        QSignalSpy finished(&tracker, &JobTracker::finished);
        tracker.start(QStringLiteral("long"), loopUntilCancelled(100000, &iterations));
        QTRY_VERIFY(iterations.load() > 2);
        tracker.cancel();
        QCOMPARE(tracker.state(), JobState::Cancelling);
        QVERIFY(finished.wait(10000));
        QCOMPARE(tracker.state(), JobState::Cancelled);
        QCOMPARE(finished.last().at(1).value<JobState>(), JobState::Cancelled);
        QVERIFY(iterations.load() < 100000);
    }

    void newerJobSupersedesTheRunningOne() {
        JobTracker tracker;
        bool firstDone = false, secondDone = false;
        QSignalSpy finished(&tracker, &JobTracker::finished);
        QSignalSpy superseded(&tracker, &JobTracker::superseded);
        const quint64 first = tracker.start(QStringLiteral("first"), loopUntilCancelled(100000),
                                            [&](const Status&) { firstDone = true; });
        QCOMPARE(superseded.count(), 0);
        const quint64 second = tracker.start(QStringLiteral("second"), loopUntilCancelled(3),
                                             [&](const Status&) { secondDone = true; });
        QVERIFY(second > first);
        QCOMPARE(superseded.count(), 1); // the user hears that the first job was dropped
        QCOMPARE(superseded.first().at(0).toULongLong(), first);
        QCOMPARE(superseded.first().at(1).toString(), QStringLiteral("first"));
        QCOMPARE(superseded.first().at(2).toString(), QStringLiteral("second"));
        QVERIFY(finished.wait(10000));
        tracker.waitForIdle();
        QCoreApplication::processEvents(); // deliver anything the first job still posted
        QVERIFY(secondDone);
        QVERIFY2(!firstDone, "a superseded job's result reached the GUI");
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(0).toULongLong(), second);
        tracker.start(QStringLiteral("third"), loopUntilCancelled(1));
        tracker.waitForIdle();
        QTRY_COMPARE(tracker.state(), JobState::Completed);
        QCOMPARE(superseded.count(), 1); // an idle tracker supersedes nothing
    }

    void failureAndExceptionsBecomeFailed() {
        JobTracker tracker;
        QSignalSpy finished(&tracker, &JobTracker::finished);
        tracker.start(QStringLiteral("fails"),
                      [](const Progress&) { return Status::ioError("disk gone").inFile("a.bin"); });
        QVERIFY(finished.wait(10000));
        QCOMPARE(tracker.state(), JobState::Failed);
        QCOMPARE(finished.last().at(2).toString(), QStringLiteral("a.bin: disk gone"));

        tracker.start(QStringLiteral("throws"),
                      [](const Progress&) -> Status { throw std::runtime_error("bug"); });
        QVERIFY(finished.wait(10000));
        QCOMPARE(tracker.state(), JobState::Failed);
        QVERIFY(finished.last().at(2).toString().contains(QStringLiteral("bug")));
    }

    void destructorCancelsAndJoins() {
        std::atomic<int> iterations{0};
        {
            JobTracker tracker;
            tracker.start(QStringLiteral("long"), loopUntilCancelled(100000, &iterations));
            QTRY_VERIFY(iterations.load() > 0);
        } // must return promptly, not after 100000 steps
        QVERIFY(iterations.load() < 100000);
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestJobTracker)
#include "tst_job_tracker.moc"
