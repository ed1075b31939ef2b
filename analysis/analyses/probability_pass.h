// SPDX-License-Identifier: Apache-2.0
// Second passes over attention probabilities rebuilt chunk by chunk from captured queries and keys and
// the kernel's row LSE (METHODS.md K2 on dense tiles). Internal to analysis: it uses LibTorch's batched
// matrix products, and it never holds more than [heads, rowBlock, keyChunk] probabilities at once.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/forward.h"

#include <ATen/ATen.h>

#include <functional>
#include <vector>

namespace attnscope::analyses::detail {

/// Query heads of one or more layers stacked along dim 0, each with its KV head expanded (GQA).
struct StackedHeads {
    at::Tensor queries; ///< [heads, T, d] fp32
    at::Tensor keys;    ///< [heads, T, d] fp32
    at::Tensor lse;     ///< [heads, T] fp32, the kernel's K1
    float scale = 0;
    int slidingWindow = 0;
    int tokens = 0;
    int heads() const { return static_cast<int>(queries.size(0)); }
};

/// Stacks `layers` (one QueryKeyCapture and one ProbeResult with rowLogSumExp each; batch 1, causal,
/// whole-sequence prefill). Errors name the layer and the missing or mismatched field.
Expected<StackedHeads> stackHeads(const std::vector<const runtime::QueryKeyCapture*>& captures,
                                  const std::vector<const kernels::ProbeResult*>& probes);

/// Scaled logits of rows [rowBegin, rowEnd) against keys [colBegin, colEnd): [heads, rows, cols].
at::Tensor logits(const StackedHeads& s, int rowBegin, int rowEnd, int colBegin, int colEnd);

/// Calls `visit(P, rowBegin, colBegin)` for every chunk of rows [rowBegin, rowEnd) x visible keys,
/// P = [heads, rows, cols] with zeros where a key is not visible (causal, window). Chunks run row
/// block by row block, then key chunk by key chunk. Polls `progress` once per row block.
Status forEachProbabilityChunk(const StackedHeads& s, int rowBegin, int rowEnd, int rowBlock, int keyChunk,
                               const Progress& progress,
                               const std::function<void(const at::Tensor&, int, int)>& visit);

/// Exact probability rows [rowBegin, rowEnd) against all keys: [heads, rows, T] (small row ranges only).
at::Tensor probabilityRows(const StackedHeads& s, int rowBegin, int rowEnd);

/// Exact probabilities of rows [rowBegin, rowEnd) against keys [colBegin, colEnd): [heads, rows, cols].
at::Tensor probabilityTile(const StackedHeads& s, int rowBegin, int rowEnd, int colBegin, int colEnd);

} // namespace attnscope::analyses::detail
