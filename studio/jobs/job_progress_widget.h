// SPDX-License-Identifier: Apache-2.0
// The status bar's job indicator: title, progress bar and a cancel button.
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace attnscope::studio {

class JobTracker;

/// Shows the tracker's running job and cancels it on click. Hidden while no job runs.
class JobProgressWidget : public QWidget {
    Q_OBJECT
public:
    explicit JobProgressWidget(JobTracker* tracker, QWidget* parent = nullptr);

    QProgressBar* progressBar() const { return m_bar; }
    QToolButton* cancelButton() const { return m_cancel; }

private:
    JobTracker* m_tracker;
    QLabel* m_label;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
};

} // namespace attnscope::studio
