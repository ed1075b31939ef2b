// SPDX-License-Identifier: Apache-2.0
// Attention flow (SCANPATH.md §3.2): hand-computed flows, and every pair of random stacks against a
// textbook Edmonds–Karp over an explicit capacity matrix (the algorithm the paper's code ran).
#include "attnscope/scanpath/attention_flow.h"
#include "attnscope/scanpath/reading.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <random>

using namespace attnscope;
using namespace attnscope::scanpath;

namespace {

/// Edmonds–Karp (shortest augmenting paths by BFS) on a dense capacity matrix.
double edmondsKarp(std::vector<std::vector<double>> residual, std::size_t source, std::size_t sink) {
    const std::size_t n = residual.size();
    double total = 0.0;
    while (true) {
        std::vector<long> parent(n, -1);
        parent[source] = static_cast<long>(source);
        std::queue<std::size_t> queue;
        queue.push(source);
        while (!queue.empty() && parent[sink] < 0) {
            const std::size_t a = queue.front();
            queue.pop();
            for (std::size_t b = 0; b < n; ++b)
                if (parent[b] < 0 && residual[a][b] > 1e-12) {
                    parent[b] = static_cast<long>(a);
                    queue.push(b);
                }
        }
        if (parent[sink] < 0)
            return total;
        double bottleneck = std::numeric_limits<double>::infinity();
        for (std::size_t b = sink; b != source; b = static_cast<std::size_t>(parent[b]))
            bottleneck = std::min(bottleneck, residual[static_cast<std::size_t>(parent[b])][b]);
        for (std::size_t b = sink; b != source; b = static_cast<std::size_t>(parent[b])) {
            residual[static_cast<std::size_t>(parent[b])][b] -= bottleneck;
            residual[b][static_cast<std::size_t>(parent[b])] += bottleneck;
        }
        total += bottleneck;
    }
}

/// The explicit network of `graph`: node l * T + i for layer l, position i.
std::vector<std::vector<double>> explicitNetwork(const AttentionFlowGraph& graph) {
    const std::size_t t = graph.tokens(), n = (graph.layers() + 1) * t;
    std::vector<std::vector<double>> capacity(n, std::vector<double>(n, 0.0));
    for (std::size_t l = 1; l <= graph.layers(); ++l)
        for (std::size_t i = 0; i < t; ++i)
            for (std::size_t j = 0; j < t; ++j)
                capacity[l * t + i][(l - 1) * t + j] = graph.capacity(l, i, j);
    return capacity;
}

/// A random row-stochastic map, causal when asked.
std::vector<double> randomMap(std::size_t t, bool causal, std::mt19937& random) {
    std::exponential_distribution<double> weight(1.0);
    std::vector<double> map(t * t, 0.0);
    for (std::size_t i = 0; i < t; ++i) {
        double sum = 0.0;
        for (std::size_t j = 0; j < (causal ? i + 1 : t); ++j)
            sum += map[i * t + j] = std::pow(weight(random), 3.0); // peaked rows, like real attention
        for (std::size_t j = 0; j < t; ++j)
            map[i * t + j] /= sum;
    }
    return map;
}

} // namespace

TEST(AttentionFlow, OneLayerIsTheResidualMixedMap) {
    // A single edge joins u and v: the flow is Ã[u, v], and Ã's rows already sum to 1.
    const std::vector<double> a{1.0, 0.0, 0.5, 0.5};
    const auto flow = attentionFlow({a}, 2);
    ASSERT_TRUE(flow.hasValue());
    const std::vector<double> expected{1.0, 0.0, 0.25, 0.75};
    for (std::size_t k = 0; k < 4; ++k)
        EXPECT_NEAR((*flow)[k], expected[k], 1e-12) << k;
}

TEST(AttentionFlow, TwoLayersAreBoundedByTheNarrowestEdgeUnlikeRollout) {
    // Ã = [[1, 0], [¼, ¾]] in both layers. From the top of token 1: to token 0 through the middle of
    // token 0 (¼) and through the middle of token 1 (min(¾, ¼) = ¼) — ½ in all; to token 1 only through
    // the middle of token 1, min(¾, ¾) = ¾. Normalized: [0.4, 0.6]. Rollout multiplies instead:
    // ¼·[1, 0] + ¾·[¼, ¾] = [0.4375, 0.5625].
    const std::vector<double> a{1.0, 0.0, 0.5, 0.5};
    const AttentionFlowGraph graph({a, a}, 2);
    EXPECT_NEAR(maxAttentionFlow(graph, 1, 0), 0.5, 1e-12);
    EXPECT_NEAR(maxAttentionFlow(graph, 1, 1), 0.75, 1e-12);
    EXPECT_NEAR(maxAttentionFlow(graph, 0, 0), 1.0, 1e-12);
    EXPECT_EQ(maxAttentionFlow(graph, 0, 1), 0.0);
    const auto flow = attentionFlow({a, a}, 2);
    ASSERT_TRUE(flow.hasValue());
    EXPECT_NEAR((*flow)[2], 0.4, 1e-12);
    EXPECT_NEAR((*flow)[3], 0.6, 1e-12);
    const auto rollout = attentionRollout({a, a}, 2);
    EXPECT_NEAR(rollout[2], 0.4375, 1e-12);
}

TEST(AttentionFlow, IdentityMapsFlowOnlyStraightDown) {
    const std::vector<double> identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
    const auto flow = attentionFlow({identity, identity, identity}, 3);
    ASSERT_TRUE(flow.hasValue());
    EXPECT_EQ(*flow, identity);
}

TEST(AttentionFlow, EveryPairMatchesEdmondsKarpOnRandomStacks) {
    std::mt19937 random(20261130);
    for (const bool causal : {true, false})
        for (const std::size_t layers : {1u, 2u, 4u}) {
            const std::size_t t = 7;
            std::vector<std::vector<double>> maps;
            for (std::size_t l = 0; l < layers; ++l)
                maps.push_back(randomMap(t, causal, random));
            const AttentionFlowGraph graph(maps, t);
            const auto network = explicitNetwork(graph);
            for (std::size_t u = 0; u < t; ++u)
                for (std::size_t v = 0; v < t; ++v) {
                    const double expected = edmondsKarp(network, layers * t + u, v);
                    EXPECT_NEAR(maxAttentionFlow(graph, u, v), expected, 1e-9)
                        << "causal " << causal << ", " << layers << " layers, " << u << " → " << v;
                    // Causal stacks reach only earlier tokens; the residual keeps ½ per layer straight down.
                    if (causal && v > u) {
                        EXPECT_EQ(expected, 0.0);
                    }
                    if (u == v) {
                        EXPECT_GE(expected, std::pow(0.5, static_cast<double>(layers)) - 1e-12);
                    }
                }
        }
}

TEST(AttentionFlow, NormalizesTheRowsAskedForOnlyAndUsesTheSolverPerPair) {
    std::mt19937 random(7);
    const std::size_t t = 9;
    const std::vector<std::vector<double>> maps{randomMap(t, true, random), randomMap(t, true, random),
                                                randomMap(t, true, random)};
    const auto flow = attentionFlow(maps, t, {2, 8});
    ASSERT_TRUE(flow.hasValue());
    const AttentionFlowGraph graph(maps, t);
    for (std::size_t u = 0; u < t; ++u) {
        double sum = 0.0;
        for (std::size_t v = 0; v < t; ++v)
            sum += (*flow)[u * t + v];
        if (u != 2 && u != 8) {
            EXPECT_EQ(sum, 0.0) << u;
            continue;
        }
        EXPECT_NEAR(sum, 1.0, 1e-12) << u;
        double raw = 0.0;
        for (std::size_t v = 0; v < t; ++v)
            raw += maxAttentionFlow(graph, u, v);
        for (std::size_t v = 0; v < t; ++v)
            EXPECT_NEAR((*flow)[u * t + v], maxAttentionFlow(graph, u, v) / raw, 1e-12);
    }
}

TEST(AttentionFlow, RefusesBadShapesAndStopsWhenCancelled) {
    const auto empty = attentionFlow({}, 3);
    ASSERT_FALSE(empty.hasValue());
    EXPECT_EQ(empty.status().field(), "layers");
    const auto wrong = attentionFlow({std::vector<double>(8, 0.1)}, 3);
    ASSERT_FALSE(wrong.hasValue());
    EXPECT_NE(wrong.status().message().find("8 values, not 3² = 9"), std::string::npos)
        << wrong.status().message();
    const auto row = attentionFlow({std::vector<double>(9, 1.0 / 3)}, 3, {3});
    ASSERT_FALSE(row.hasValue());
    EXPECT_EQ(row.status().field(), "rows");

    CancelToken cancel;
    std::vector<float> fractions;
    Progress progress(
        [&](float fraction, std::string_view) {
            fractions.push_back(fraction);
            cancel.requestCancel();
        },
        cancel);
    std::mt19937 random(3);
    const auto cancelled = attentionFlow({randomMap(200, true, random)}, 200, {}, progress);
    ASSERT_FALSE(cancelled.hasValue());
    EXPECT_TRUE(cancelled.status().isCancelled());
    EXPECT_LT(fractions.size(), 200u); // stopped well before every row was done (one row per thread at most)
}
