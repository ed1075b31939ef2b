// SPDX-License-Identifier: Apache-2.0
// A user-runnable check of the attention kernel on this machine: correctness and speed.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"

#include <vector>

namespace attnscope::runtime {

/// One measured length.
struct SelfCheckRow {
    int length = 0;
    double seconds = 0.0;     ///< wall time of the attention calls at this length
    double gflops = 0.0;      ///< FlashAttention convention: 4 N^2 d per head, halved for causal
    double maxLseError = 0.0; ///< largest |LSE - double-precision LSE| over the sampled rows
};

/// Parameters: lengths to run and the head layout (defaults: 8 query heads, 2 KV heads, d = 64).
struct SelfCheckOptions {
    std::vector<int> lengths{256, 512, 1024, 2048};
    int queryHeads = 8;
    int kvHeads = 2;
    int headDim = 64;
    /// Largest acceptable LSE error before the check fails.
    double tolerance = 1e-4;
};

/// Runs causal attention on random data at each length, head by head (so cancellation is prompt),
/// and recomputes the LSE of sampled rows in double precision. Fails with the row and error when the
/// kernel disagrees; returns Status::cancelled() when the progress token is cancelled.
Expected<std::vector<SelfCheckRow>> runKernelSelfCheck(const SelfCheckOptions& options,
                                                       const Progress& progress);

} // namespace attnscope::runtime
