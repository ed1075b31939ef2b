// SPDX-License-Identifier: Apache-2.0
// A progress bar on stderr when stderr is a terminal (quiet otherwise), and Ctrl-C as cancellation:
// long commands poll the token through attnscope::Progress and stop cleanly with "cancelled".
#pragma once

#include "attnscope/core/progress.h"

#include <chrono>
#include <string>

namespace attnscope::cli {

class TerminalProgress {
public:
    /// Draws only when `enabled` and stderr is a terminal. Installs the SIGINT handler for its lifetime.
    explicit TerminalProgress(bool enabled = true);
    ~TerminalProgress();
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    /// The Progress to hand to core calls (its subranges map onto the one bar).
    const Progress& progress() const { return m_progress; }

private:
    void draw(float fraction, std::string_view stage);

    bool m_enabled = false;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_last{};
    Progress m_progress;
};

} // namespace attnscope::cli
