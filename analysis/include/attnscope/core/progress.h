// SPDX-License-Identifier: Apache-2.0
// Progress reporting for long core operations, free of Qt (the studio adapts it to signals).
#pragma once

#include "attnscope/core/cancel.h"
#include "attnscope/core/status.h"

#include <functional>
#include <string>
#include <string_view>

namespace attnscope {

/// Receives overall progress in [0, 1] and the current stage's name. Called on the worker thread.
using ProgressCallback = std::function<void(float fraction, std::string_view stage)>;

/// What a long-running core call receives: where to report, and the token to poll.
///
/// A Progress can be narrowed to a sub-range, so that a loader that reports 0..1 for itself maps to
/// 0.2..0.6 of the whole run without knowing about it:
/// `Progress loading = progress.subRange(0.2f, 0.6f, "loading weights");`
class Progress {
public:
    /// No reporting, never cancelled.
    Progress() = default;
    Progress(ProgressCallback callback, CancelToken cancel)
        : m_callback(std::move(callback)), m_cancel(std::move(cancel)) {}

    /// Reports `fraction` of this range and returns Status::cancelled() when the user asked to stop,
    /// so that loops read `ATTNSCOPE_TRY(progress.update(i / float(n)));`.
    Status update(float fraction) const;
    /// Same, naming the stage shown to the user.
    Status update(float fraction, std::string_view stage) const;

    /// A view on [begin, end] of this range (fractions of this range), with its own stage name.
    Progress subRange(float begin, float end, std::string stage = {}) const;

    const CancelToken& cancelToken() const { return m_cancel; }
    bool isCancelled() const { return m_cancel.isCancelled(); }

private:
    ProgressCallback m_callback;
    CancelToken m_cancel;
    float m_begin = 0.0f;
    float m_end = 1.0f;
    std::string m_stage;
};

} // namespace attnscope
