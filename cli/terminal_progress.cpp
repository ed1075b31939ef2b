// SPDX-License-Identifier: Apache-2.0
#include "terminal_progress.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace attnscope::cli {

namespace {

// The token of the running command; a signal handler may only touch lock-free atomics.
CancelToken* g_cancel = nullptr;

extern "C" void onInterrupt(int) {
    if (g_cancel)
        g_cancel->requestCancel();
}

} // namespace

TerminalProgress::TerminalProgress(bool enabled) : m_enabled(enabled && isatty(STDERR_FILENO)) {
    CancelToken token;
    m_progress = Progress([this](float fraction, std::string_view stage) { draw(fraction, stage); }, token);
    g_cancel = new CancelToken(token);
    std::signal(SIGINT, onInterrupt);
}

TerminalProgress::~TerminalProgress() {
    std::signal(SIGINT, SIG_DFL);
    delete g_cancel;
    g_cancel = nullptr;
    if (m_drawn)
        std::fprintf(stderr, "\r\033[K");
}

void TerminalProgress::draw(float fraction, std::string_view stage) {
    if (!m_enabled)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (m_drawn && now - m_last < std::chrono::milliseconds(100) && fraction < 1.0f)
        return; // at most 10 redraws a second
    m_last = now;
    m_drawn = true;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth + 0.5f);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r\033[K[%s] %3d%%  %.*s", bar.c_str(), static_cast<int>(fraction * 100 + 0.5f),
                 static_cast<int>(std::min<std::size_t>(stage.size(), 60)), stage.data());
    std::fflush(stderr);
}

} // namespace attnscope::cli
