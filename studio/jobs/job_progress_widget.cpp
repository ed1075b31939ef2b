// SPDX-License-Identifier: Apache-2.0
#include "job_progress_widget.h"

#include "job_tracker.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>

namespace attnscope::studio {

JobProgressWidget::JobProgressWidget(JobTracker* tracker, QWidget* parent)
    : QWidget(parent), m_tracker(tracker), m_label(new QLabel(this)), m_bar(new QProgressBar(this)),
      m_cancel(new QToolButton(this)) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    m_bar->setRange(0, 1000);
    m_bar->setFixedWidth(180);
    m_bar->setTextVisible(false);
    m_cancel->setIcon(style()->standardIcon(QStyle::SP_DialogCancelButton));
    m_cancel->setToolTip(tr("Cancel the running job (Esc)"));
    m_cancel->setAccessibleName(tr("Cancel job"));
    setVisible(false);

    connect(m_cancel, &QToolButton::clicked, tracker, &JobTracker::cancel);
    connect(tracker, &JobTracker::started, this, [this](quint64, const QString& title) {
        m_label->setText(title);
        m_bar->setValue(0);
        m_cancel->setEnabled(true);
        setVisible(true);
    });
    connect(tracker, &JobTracker::progressChanged, this,
            [this](quint64, float fraction, const QString& stage) {
                m_bar->setValue(static_cast<int>(fraction * 1000.0f));
                m_bar->setToolTip(stage);
                if (!stage.isEmpty())
                    m_label->setText(m_tracker->title() + QStringLiteral(": ") + stage);
            });
    connect(tracker, &JobTracker::stateChanged, this, [this](JobState state) {
        if (state == JobState::Cancelling) {
            m_label->setText(m_tracker->title() + tr(": cancelling…"));
            m_cancel->setEnabled(false);
        }
    });
    connect(tracker, &JobTracker::finished, this, [this] { setVisible(false); });
}

} // namespace attnscope::studio
