// SPDX-License-Identifier: Apache-2.0
// DuoAttention (METHODS.md 3c): the training-free proxy per head (how much of the attention, and of
// the output, a streaming head of sink + recent tokens would keep) and the import of trained gate files.
#pragma once

#include "attnscope/analyses/row_key_sets.h"
#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::analyses {

struct DuoProxyParameters {
    int sinkTokens = 64;    ///< DuoAttention's default sink size
    int recentTokens = 256; ///< and recent window
};

/// The streaming branch's key sets: for every row i, keys j < sink and i - recent < j <= i (CSR).
using StreamingKeySets = RowKeySets;
StreamingKeySets streamingKeySets(const DuoProxyParameters& parameters, int tokens);

/// A measure-only mask over the streaming sets: the model's computation is unchanged.
kernels::ProbeRequest streamingProbeRequest(const StreamingKeySets& sets);

struct DuoProxyHead {
    int layer = 0, head = 0;
    double streamingRecall = 0; ///< mean over rows of the mass on sink + recent keys
    double outputError = 0;     ///< mean over rows of ||o_stream - o|| / ||o||
};

/// Per (layer, query head), from per-layer results of passes with streamingProbeRequest().
Expected<std::vector<DuoProxyHead>> duoProxy(const std::vector<kernels::ProbeResult>& layers, int queryHeads,
                                             int tokens);

/// Trained gates, [layers][kvHeads] (duo-attention's full_attention_heads TSV: one line per layer,
/// tab- or space-separated values in [0, 1]). Errors name the file, line and column.
Expected<std::vector<std::vector<double>>> readDuoGates(const std::string& path);

/// The same over the file's text already in memory; `path` names it in errors.
Expected<std::vector<std::vector<double>>> parseDuoGates(std::string_view text, const std::string& path);

} // namespace attnscope::analyses
