// SPDX-License-Identifier: Apache-2.0
// Cooperative cancellation shared between the GUI thread and a worker.
#pragma once

#include "attnscope/core/status.h"

#include <atomic>
#include <memory>

namespace attnscope {

/// A cheap-to-copy handle on one cancellation flag. The owner (a job, the CLI's SIGINT handler)
/// calls requestCancel(); long-running core code polls isCancelled() between units of work.
/// Thread-safety: every method may be called from any thread.
class CancelToken {
public:
    CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}

    void requestCancel() const { m_flag->store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }

    /// Status::cancelled() when cancellation was requested, OK otherwise; for ATTNSCOPE_TRY.
    Status check() const { return isCancelled() ? Status::cancelled() : Status::ok(); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

} // namespace attnscope
