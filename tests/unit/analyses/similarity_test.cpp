// SPDX-License-Identifier: Apache-2.0
// EchoAtt similarity (METHODS.md 4): hand-known cosines from constructed maps, the two head
// aggregations, shared blocks, and the paired chunked pass against dense P (GQA, N = 1).
#include "attnscope/analyses/similarity.h"

#include "captured_layer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope;

namespace {

/// Gram matrix of explicitly given maps (each a flattened [T, T]).
std::vector<double> gramOf(const std::vector<std::vector<double>>& maps) {
    const std::size_t n = maps.size();
    std::vector<double> gram(n * n, 0.0);
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b)
            for (std::size_t x = 0; x < maps[a].size(); ++x)
                gram[a * n + b] += maps[a][x] * maps[b][x];
    return gram;
}

} // namespace

TEST(Similarity, CosineOfConstructedLayers) {
    // Layer 0: row 1 split evenly; layer 1: the identity. <P0,P1> = 1.5, |P0|^2 = 1.5, |P1|^2 = 2.
    const std::vector<std::vector<double>> maps = {{1, 0, 0.5, 0.5}, {1, 0, 0, 1}};
    const analyses::SimilarityAnalysis a = analyses::similarityFromGram(gramOf(maps), 2, 1);
    EXPECT_NEAR(a.layerHeadAveraged[1], 1.5 / std::sqrt(3.0), 1e-12);
    EXPECT_NEAR(a.layerPerHead[1], 1.5 / std::sqrt(3.0), 1e-12);
    EXPECT_NEAR(a.layerHeadAveraged[0], 1.0, 1e-12);
    EXPECT_NEAR(a.headCosine[2], a.headCosine[1], 1e-12); // symmetric
}

TEST(Similarity, HeadAveragedAndPerHeadReadingsDiffer) {
    // Layer 1 holds layer 0's two heads in swapped order: identical head-averaged maps, but each head
    // differs from its namesake.
    const std::vector<double> local = {1, 0, 0, 1}, sink = {1, 0, 1, 0};
    const analyses::SimilarityAnalysis a =
        analyses::similarityFromGram(gramOf({local, sink, sink, local}), 2, 2);
    EXPECT_NEAR(a.layerHeadAveraged[1], 1.0, 1e-12);
    EXPECT_NEAR(a.layerPerHead[1], 0.5, 1e-12); // cos(local, sink) = 1 / 2
}

TEST(Similarity, SharedBlocksGroupInnerLayers) {
    std::vector<double> gram(36, 0.0);
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j)
            gram[static_cast<std::size_t>(i) * 6 + j] = i == j ? 1.0 : 0.5;
    analyses::SimilarityParameters parameters;
    parameters.layersPerBlock = 2;
    const analyses::SimilarityAnalysis a = analyses::similarityFromGram(gram, 6, 1, parameters);
    ASSERT_EQ(a.sharedBlocks.size(), 2u);
    EXPECT_EQ(a.sharedBlocks[0].firstLayer, 1);
    EXPECT_EQ(a.sharedBlocks[0].lastLayer, 2);
    EXPECT_EQ(a.sharedBlocks[1].firstLayer, 3);
    EXPECT_EQ(a.sharedBlocks[1].lastLayer, 4);
    EXPECT_NEAR(a.sharedBlocks[0].meanSimilarity, 0.5, 1e-12);
}

TEST(Similarity, PairedPassMatchesDenseProbabilities) {
    kernels::ProbeRequest request;
    request.rowLogSumExp = true;
    const int tokens = 150, heads = 4, kvHeads = 2;
    std::vector<test::CapturedLayer> layers;
    for (uint32_t seed : {11u, 23u, 37u})
        layers.push_back(test::runCapturedLayer(tokens, heads, kvHeads, request, seed));
    // Layer 2 repeats layer 0's queries and keys: similarity exactly 1.
    layers[2] = test::runCapturedLayer(tokens, heads, kvHeads, request, 11u);
    std::vector<runtime::QueryKeyCapture> captures;
    std::vector<kernels::ProbeResult> probes;
    for (const auto& l : layers) {
        captures.push_back(l.capture);
        probes.push_back(l.probe);
    }
    analyses::SimilarityParameters parameters;
    parameters.rowBlock = 32; // several row blocks and key chunks, a partial one at the end
    parameters.keyChunk = 48;
    const auto result = analyses::analyzeSimilarity(captures, probes, parameters);
    ASSERT_TRUE(result) << result.status().message();
    const int n = 3 * heads;
    for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) {
            double expected = 0;
            for (int i = 0; i < tokens; ++i)
                for (int j = 0; j <= i; ++j)
                    expected += layers[a / heads].p(a % heads, i, j) * layers[b / heads].p(b % heads, i, j);
            EXPECT_NEAR(result->gram[static_cast<std::size_t>(a) * n + b], expected, 1e-4 * expected + 1e-6);
        }
    EXPECT_NEAR(result->layerHeadAveraged[0 * 3 + 2], 1.0, 1e-6);
    EXPECT_NEAR(result->layerPerHead[0 * 3 + 2], 1.0, 1e-6);
    EXPECT_LT(result->layerPerHead[0 * 3 + 1], 0.99);
    EXPECT_DOUBLE_EQ(result->multiplyAdds, 144.0 * tokens * (tokens + 1) / 2);
}

TEST(Similarity, SingleTokenMapsAreIdentical) {
    kernels::ProbeRequest request;
    request.rowLogSumExp = true;
    std::vector<runtime::QueryKeyCapture> captures;
    std::vector<kernels::ProbeResult> probes;
    for (uint32_t seed : {5u, 9u}) {
        test::CapturedLayer l = test::runCapturedLayer(1, 2, 1, request, seed);
        captures.push_back(l.capture);
        probes.push_back(l.probe);
    }
    const auto result = analyses::analyzeSimilarity(captures, probes);
    ASSERT_TRUE(result) << result.status().message();
    for (double c : result->headCosine)
        EXPECT_NEAR(c, 1.0, 1e-9);
}

TEST(Similarity, MissingLseIsAnError) {
    test::CapturedLayer l = test::runCapturedLayer(8, 2, 1, {}, 3);
    const auto result = analyses::analyzeSimilarity({l.capture}, {l.probe});
    ASSERT_FALSE(result);
    EXPECT_NE(result.status().message().find("LSE"), std::string::npos);
    EXPECT_EQ(result.status().field(), "layer 0");
}
