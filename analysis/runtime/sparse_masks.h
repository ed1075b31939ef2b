// SPDX-License-Identifier: Apache-2.0
// The K8 masks of the sparse-attention interventions (interventions.h) for one kernel call, with the
// storage they point at, and what they kept. Internal to the runtime.
#pragma once

#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/interventions.h"

#include <cstdint>
#include <vector>

namespace attnscope::runtime::detail {

/// A K8 mask and the arrays it points into. Not copyable: `mask` holds pointers to the members.
struct OwnedMask {
    kernels::AttentionMask mask;
    int heads = 1; ///< lists in the mask: the query heads when perHead, else 1
    std::vector<uint8_t> bytes;
    std::vector<int64_t> offsets;
    std::vector<int32_t> keys;

    OwnedMask() = default;
    OwnedMask(const OwnedMask&) = delete;
    OwnedMask& operator=(const OwnedMask&) = delete;
};

/// StreamingLLM's keys for `rows` rows at positions offset.. over `keyLength` keys: the first `sinks` and
/// the row's last `window` (shared by every head; ascending lists).
void streamingMask(const StreamingAttention& streaming, int rows, int64_t offset, int keyLength,
                   OwnedMask& out);

/// A sparse prefill's per-head block masks ([heads][blocks][blocks], checked for size) as a K8 mask.
Status prefillBlockMask(std::vector<uint8_t> blocks, int blockSize, int heads, int tokens, OwnedMask& out);

/// A KV-cache policy's mask for a call with `keyLength` keys: `kept` ([heads][promptLength] of 0/1) for
/// the prompt's keys, every key after the prompt kept.
void keptPromptMask(const std::vector<uint8_t>& kept, int promptLength, int heads, int keyLength,
                    OwnedMask& out);

/// What `mask` kept over a call's rows (positions offset..; `slidingWindow` 0 = none), with the
/// recall the kernel measured for each row (probe.maskRecall). `statHeads`: the heads the kernel computed
/// statistics for (empty = all).
MaskStatistics maskStatistics(const OwnedMask& mask, const kernels::AttentionDims& dims,
                              const kernels::ProbeResult& probe, const std::vector<int>& statHeads);

} // namespace attnscope::runtime::detail
