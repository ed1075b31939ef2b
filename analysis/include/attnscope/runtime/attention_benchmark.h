// SPDX-License-Identifier: Apache-2.0
// Measures the attention kernel on this machine: plain, with one-pass statistics, with everything
// (second pass included), and the materialize-then-reduce baseline in LibTorch — all in one run, so
// that their ratios mean something (PERFORMANCE.md).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::runtime {

struct AttentionBenchConfig {
    int batch = 1;
    int heads = 32;
    int kvHeads = 8;
    int headDim = 128;
    int length = 4096;
    bool causal = true;
    kernels::DType dtype = kernels::DType::F32;
    kernels::Backend backend = kernels::Backend::Cpu;
    /// "plain" (output only), "stats" (+ LSE, entropy, 64x64 block sum/max: one pass), "full" (+ column
    /// mass: the second pass), "torch" (LibTorch materializes P: matmul, softmax, the same reductions, fp32).
    std::vector<std::string> modes = {"plain", "stats", "full", "torch"};
    int repeats = 5;
    int threads = 0; ///< CPU worker threads (0 = one per core)
};

struct AttentionBenchMode {
    std::string name;
    double medianSeconds = 0;
    double gflops = 0; ///< FlashAttention convention: 4 B H N^2 d, halved when causal
    /// Peak resident memory above the inputs, measured (Linux); on CUDA, the device bytes the call
    /// allocates for its output and statistics (CUDA timings are of the kernels alone, inputs resident).
    uint64_t peakExtraBytes = 0;
};

/// FLOPs of one call by the FlashAttention convention.
double attentionFlops(const AttentionBenchConfig& config);

/// Runs each mode once to warm up, then `repeats` times; returns per-mode medians. Unknown modes and
/// impossible configurations are errors naming the field.
Expected<std::vector<AttentionBenchMode>> benchmarkAttention(const AttentionBenchConfig& config,
                                                             const Progress& progress = {});

} // namespace attnscope::runtime
