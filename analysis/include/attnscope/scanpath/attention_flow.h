// SPDX-License-Identifier: Apache-2.0
// Attention flow (Abnar & Zuidema 2020; SCANPATH.md §3.2): attention read as capacities of a layered
// graph, and a token's relevance as the maximum flow that reaches it from the output positions. Unlike
// rollout, which multiplies the layers' maps, flow is bounded by the narrowest layer on every path.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"

#include <cstddef>
#include <vector>

namespace attnscope::scanpath {

/// The flow network of head-averaged maps A_1..A_L (each [T, T], row-major, rows = queries): nodes are
/// (layer, position) for layers 0..L, and node (l, i) has an edge to (l − 1, j) of capacity
/// Ã_l[i, j], with Ã_l = rownorm(A_l + I) — the residual connection, as in rollout.
class AttentionFlowGraph {
public:
    AttentionFlowGraph(const std::vector<std::vector<double>>& layers, std::size_t tokens);

    std::size_t tokens() const { return m_tokens; }
    std::size_t layers() const { return m_capacity.size(); }
    /// Capacity of the edge from (layer, i) to (layer − 1, j); layer in 1..L.
    double capacity(std::size_t layer, std::size_t i, std::size_t j) const {
        return m_capacity[layer - 1][i * m_tokens + j];
    }

private:
    std::size_t m_tokens;
    std::vector<std::vector<double>> m_capacity; ///< [L][T * T]
};

/// The maximum flow from position `source` of the top layer to input token `sink` (layer 0). The value
/// is unique whatever the algorithm; Dinic's blocking flows find it here (Abnar & Zuidema used
/// Edmonds–Karp through networkx).
double maxAttentionFlow(const AttentionFlowGraph& graph, std::size_t source, std::size_t sink);

/// F [T, T]: F[u, v] = the maximum flow from top-layer position u to input token v, each row
/// normalized to sum 1 (Abnar & Zuidema's compute_flows). Only the rows in `rows` are computed (all
/// when empty); the others stay 0. About T² max-flow problems: runs on every hardware thread, reports
/// progress per row and stops with Status::cancelled() when asked. InvalidArgument for maps of the
/// wrong size.
Expected<std::vector<double>> attentionFlow(const std::vector<std::vector<double>>& layers,
                                            std::size_t tokens, const std::vector<std::size_t>& rows = {},
                                            const Progress& progress = {});

} // namespace attnscope::scanpath
