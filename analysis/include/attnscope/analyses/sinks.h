// SPDX-License-Identifier: Apache-2.0
// Attention sinks (METHODS.md sections 1 and 2): StreamingLLM sink and window mass per head, and ACT's
// sink sets with hidden sinks — pure functions over the kernel's statistics, never the N x N map.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"

#include <optional>
#include <string_view>
#include <vector>

namespace attnscope::analyses {

/// How ACT's threshold reads: the reference code's absolute THRES, or the paper's (unverified) α/N.
enum class ActThreshold { Absolute, RelativeAlpha };

/// What happens to the first element of ACT's sink set.
enum class ActFirstSink {
    DropFirst,     ///< the reference code (`indices[1:]`): usually token 0; if token 0 is not a sink, the
                   ///< first hidden sink is dropped instead (a documented quirk)
    ExcludeToken0, ///< drop token 0 only, whatever else is found
    KeepAll,
};

/// "drop-first", "exclude-token0", "keep-all" (the CLI's and the settings files' spelling).
const char* actFirstSinkName(ActFirstSink rule);
/// The rule a name spells, or nothing for an unknown name.
std::optional<ActFirstSink> actFirstSinkFromName(std::string_view name);

struct SinkParameters {
    int sinkTokens = 4; ///< StreamingLLM start_size (examples/run_streaming_llama.py)
    int window = 2000;  ///< StreamingLLM recent_size; capped at the input length
    ActThreshold actThreshold = ActThreshold::Absolute;
    double actAbsolute = 0.1; ///< THRES of the ACT scripts
    double actAlpha = 5.0;    ///< α when the threshold is α/N
    ActFirstSink actFirstSink = ActFirstSink::DropFirst;
};

/// One (layer, query head). Masses are means over the rows (queries) of the input.
struct HeadSinks {
    int layer = 0, head = 0;
    double token0Mass = 0;         ///< mean P_i0
    double sinkMass = 0;           ///< σ: mean sum of P over the first `sinkTokens` keys
    double windowMass = 0;         ///< ω: mean sum of P over the `window` most recent keys (i - W < j <= i)
    double streamingRecall = 0;    ///< σ + ω - overlap: the mass StreamingLLM's cache keeps
    std::vector<int> actSinks;     ///< ACT's sink set after the first-sink rule, ascending
    std::vector<double> actScores; ///< ā_j of each of actSinks
    std::vector<int> hiddenSinks;  ///< actSinks without token 0
};

struct SinkAnalysis {
    SinkParameters parameters;
    int tokens = 0;
    std::vector<HeadSinks> heads; ///< layer-major
};

/// The statistics analyzeSinks() needs from every layer: column mass over all rows, diagonal sums
/// over all rows, and the small tile of the first keys against the first rows (for the overlap).
kernels::ProbeRequest sinkProbeRequest(const SinkParameters& parameters, int tokens);

/// ACT's ā_j = (sum_{i >= j} P_ij) / (N - j) from one head's column mass over all rows (causal).
std::vector<double> actMeanReceived(const float* columnMass, int tokens);

/// ACT's sink set from ā (threshold, then the first-sink rule).
std::vector<int> actSinkSet(const std::vector<double>& meanReceived, const SinkParameters& parameters);

/// Sinks of every head from one causal forward pass over `tokens` tokens (batch 1, no query offset),
/// given each layer's ProbeResult for sinkProbeRequest(). Errors name the missing statistic.
Expected<SinkAnalysis> analyzeSinks(const std::vector<kernels::ProbeResult>& layers, int queryHeads,
                                    int tokens, const SinkParameters& parameters);

} // namespace attnscope::analyses
