// SPDX-License-Identifier: Apache-2.0
// RazorAttention's echo and induction scores (METHODS.md 3b, msModelSlim's form) on repeated random
// tokens, read from the kernel's masked-recall statistic without materializing attention.
#pragma once

#include "attnscope/analyses/row_key_sets.h"
#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <vector>

namespace attnscope::analyses {

/// The probe input: `prefix` tokens, then one span of `span` tokens repeated `repeats` times.
struct RepeatProbe {
    int prefix = 1;
    int span = 2500;
    int repeats = 4;
    /// 64-bit: a span typed near INT_MAX must be refused by the context check, not wrap around it.
    int64_t tokens() const { return prefix + int64_t{span} * repeats; }
};

/// Per-row key sets (CSR) over the probe: for a row at offset i of copy r >= 1, echo keys are the same
/// offset in every earlier copy, induction keys the position one after each of those. Rows of the
/// prefix and of the first copy have empty sets.
using CopyKeySets = RowKeySets;
CopyKeySets copyKeySets(const RepeatProbe& probe, bool induction);

/// A measure-only row-key mask over `sets` (the model's computation is unchanged).
kernels::ProbeRequest copyProbeRequest(const CopyKeySets& sets);

struct RazorParameters {
    double inductionRatio = 0.14; ///< induction_head_ratio
    double echoRatio = 0.01;      ///< echo_head_ratio
};

struct RazorKvHead {
    int layer = 0, kvHead = 0;
    double induction = 0, echo = 0; ///< max over the query heads of the group (GQA)
    bool retained = false;          ///< in the union of the top induction and top echo heads
};

struct RazorAnalysis {
    RazorParameters parameters;
    RepeatProbe probe;
    int queryHeads = 0, kvHeads = 0;
    std::vector<double> inductionPerQueryHead; ///< [layer * queryHeads + head]
    std::vector<double> echoPerQueryHead;
    std::vector<RazorKvHead> kvHeadScores; ///< layer-major
};

/// Score of one query head: the mean over rows of copies 2..R of maskRecall (the mass on the row's set).
/// `inductionLayers` / `echoLayers`: per-layer results of passes with copyProbeRequest(copyKeySets(...)).
/// Selection keeps the top floor(ratio x heads) (at least one) by each score, over all (layer, KV head).
Expected<RazorAnalysis> analyzeRazor(const std::vector<kernels::ProbeResult>& inductionLayers,
                                     const std::vector<kernels::ProbeResult>& echoLayers, int queryHeads,
                                     int kvHeads, const RepeatProbe& probe,
                                     const RazorParameters& parameters = {});

} // namespace attnscope::analyses
