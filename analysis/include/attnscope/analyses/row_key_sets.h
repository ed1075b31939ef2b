// SPDX-License-Identifier: Apache-2.0
// Per-row key sets (CSR) and the measure-only mask that reads the attention mass on them: the tool of
// every analysis that needs Σ_{j∈M_i} P_ij without changing the model's computation.
#pragma once

#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <vector>

namespace attnscope::analyses {

/// The keys of row i are keys[offsets[i] .. offsets[i + 1]).
struct RowKeySets {
    std::vector<int64_t> offsets; ///< rows + 1 entries
    std::vector<int32_t> keys;
};

/// A measure-only row-key mask over `sets` (which must outlive the request): the kernel reports each
/// row's mass on its set (maskRecall) and the relative output error, and writes the dense output.
inline kernels::ProbeRequest measureOnlyRowKeys(const RowKeySets& sets) {
    kernels::ProbeRequest request;
    request.mask.kind = kernels::AttentionMask::Kind::RowKeys;
    request.mask.measureOnly = true;
    request.mask.rowOffsets = sets.offsets.data();
    request.mask.rowKeys = sets.keys.data();
    return request;
}

} // namespace attnscope::analyses
