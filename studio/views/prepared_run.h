// SPDX-License-Identifier: Apache-2.0
// A stored run made ready for the views off the GUI thread: read and decompressed, the head atlas's
// thumbnails drawn, the token view's text laid out. Showing it then costs the GUI thread milliseconds:
// when the views did this work themselves, a finished 32k-token run blocked the GUI thread for 420 ms
// (docs/perf.md). Everything here uses QtGui value types only (QImage, QString), which are safe to build
// on a worker thread.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/store/project.h"

#include <QImage>
#include <QString>

#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope::studio {

/// The token view's text: each token's text once (special tokens and overlapping byte ranges have none),
/// line breaks shown as "↵" before the break; spans[t] is token t's [begin, end) in `text`.
struct TokenLayout {
    QString text;
    std::vector<std::pair<int, int>> spans;
};

struct PreparedRun {
    std::shared_ptr<const store::RunRecord> record; ///< shared by the views: none copies its arrays
    std::vector<QImage> thumbnails;                 ///< one per (layer, head), layer-major; may be empty
    TokenLayout tokens;                             ///< empty spans when the run has no offsets
    std::string projectPath;              ///< the project the run was read from ("" for a run only in memory)
    std::vector<store::Annotation> notes; ///< the run's notes, read with it (off the GUI thread)

    /// The run's array `name`, or nullptr.
    const store::ArrayRecord* array(std::string_view name) const;
};

/// Prepares a run already in memory (thread-safe: no widgets are touched).
PreparedRun prepareRun(store::RunRecord run);
/// Reads run `id` of the project at `projectPath` (read-only) and prepares it; thread-safe.
Expected<PreparedRun> loadPreparedRun(const std::string& projectPath, int64_t id);

/// Each head's block-level attention map (K4 block sums, log colour over four decades below the head's
/// largest block; above the diagonal blank), one image pixel per block.
std::vector<QImage> headThumbnails(const store::RunRecord& run);
/// The run's input as the token view shows it.
TokenLayout tokenLayout(const store::RunRecord& run);

/// The float data of an array as a span (empty for u8 arrays).
inline std::span<const float> floats(const store::ArrayRecord& a) {
    return {a.f32.data(), a.f32.size()};
}

} // namespace attnscope::studio
