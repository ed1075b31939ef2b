// SPDX-License-Identifier: Apache-2.0
// The Log dock: core log records, delivered to the GUI thread.
#pragma once

#include <QPlainTextEdit>

namespace attnscope::studio {

/// Shows every log record from any thread (queued to the GUI thread). Registers a core log sink for its
/// lifetime.
class LogPanel : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit LogPanel(QWidget* parent = nullptr);
    ~LogPanel() override;

    /// Appends one line (GUI thread).
    void appendRecord(const QString& level, const QString& component, const QString& message);

private:
    int m_sink = 0;
};

} // namespace attnscope::studio
