// SPDX-License-Identifier: Apache-2.0
// The sparse-attention methods as interventions the runtime runs inside the model (runtime/interventions.h):
// FlexPrefill's block masks for the prefill and SnapKV's kept keys for decoding, with the same decisions
// the sparsity analysis measures (METHODS.md sections 5 and 8a).
#pragma once

#include "attnscope/analyses/sparsity.h"
#include "attnscope/runtime/interventions.h"

#include <string>

namespace attnscope::analyses {

/// FlexPrefill as a sparse prefill: per layer, the last flexBlock rows' probabilities (one kernel pass over
/// those rows only) and the pooled estimates decide each head's pattern and budgets (flexPrefillDecision,
/// with the parameters' flexGamma, flexTau, flexBlock, flexMinBudget, flexMaxBudget); the prefill then
/// runs under the block masks. Inputs of at most max(2 flexBlock, flexMinBudget) tokens run dense, as the
/// reference does.
runtime::SparsePrefill flexPrefillIntervention(const SparsityParameters& parameters);

/// "FlexPrefill, gamma 0.9, tau 0.1, block 128, budget 512-none".
std::string describeFlexPrefill(const SparsityParameters& parameters);

/// SnapKV as a KV-cache policy: each head keeps `capacity` prompt keys — the last `window` and the
/// (capacity - window) keys the window's attention votes for most, pooled over `kernel` neighbours
/// (average, or max with `maxPool`) — as snapKvKeep does. Prompts of at most `capacity` tokens keep all.
runtime::KvSelection snapKvIntervention(int capacity, int window, int kernel, bool maxPool);

/// "SnapKV, capacity 256, window 32, kernel 5, average pooling".
std::string describeSnapKv(int capacity, int window, int kernel, bool maxPool);

} // namespace attnscope::analyses
