// SPDX-License-Identifier: Apache-2.0
// Head taxonomy from constructed inputs: each label's criterion, the primary label's priority, absent
// analyses, and shape errors.
#include "attnscope/analyses/taxonomy.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope;

TEST(Taxonomy, LabelsFollowTheScores) {
    const int layers = 1, heads = 4, tokens = 20;
    // Diagonal sums over all rows, offsets 0..19: head 0 previous-token (every row i >= 1 on i - 1),
    // head 1 everything on token 0, heads 2 and 3 on themselves.
    kernels::ProbeResult probe;
    probe.diagonalCount = tokens;
    probe.diagonalSums.assign(static_cast<std::size_t>(heads) * tokens, 0.0f);
    probe.diagonalSums[0 * tokens + 0] = 1; // row 0 on itself
    probe.diagonalSums[0 * tokens + 1] = tokens - 1;
    for (int o = 0; o < tokens; ++o)
        probe.diagonalSums[1 * tokens + o] = 1; // row o on token 0
    probe.diagonalSums[2 * tokens + 0] = tokens;
    probe.diagonalSums[3 * tokens + 0] = tokens;
    // Entropies: head 3 uniform (log(i + 1)), the others zero.
    probe.rowEntropy.assign(static_cast<std::size_t>(heads) * tokens, 0.0f);
    for (int i = 0; i < tokens; ++i)
        probe.rowEntropy[3 * tokens + i] = static_cast<float>(std::log(i + 1.0));
    const std::vector<kernels::ProbeResult> probes = {probe};

    analyses::SinkAnalysis sinks;
    for (int h = 0; h < heads; ++h) {
        analyses::HeadSinks s;
        s.head = h;
        s.token0Mass = h == 1 ? 1.0 : 0.05;
        sinks.heads.push_back(s);
    }
    analyses::RazorAnalysis razor;
    razor.inductionPerQueryHead = {0.0, 0.0, 0.6, 0.0};
    const std::vector<double> retrieval = {0.0, 0.0, 0.5, 0.0};

    analyses::TaxonomyInputs in;
    in.layers = layers;
    in.heads = heads;
    in.tokens = tokens;
    in.probes = &probes;
    in.sinks = &sinks;
    in.razor = &razor;
    in.retrievalScores = &retrieval;
    const auto result = analyses::classifyHeads(in);
    ASSERT_TRUE(result) << result.status().toString();
    const auto& t = *result;
    EXPECT_EQ(t[0].primary, "local");
    EXPECT_DOUBLE_EQ(*t[0].previousToken, 1.0);
    EXPECT_EQ(t[1].primary, "sink");
    EXPECT_DOUBLE_EQ(*t[1].localMass, 8.0 / 19.0); // rows 1..8 reach token 0 within the local window
    EXPECT_EQ(t[2].labels, (std::vector<std::string>{"retrieval", "induction"}));
    EXPECT_EQ(t[2].primary, "retrieval");
    EXPECT_EQ(t[3].primary, "diffuse");
    EXPECT_NEAR(*t[3].normalizedEntropy, 1.0, 1e-6);
    EXPECT_FALSE(t[3].pattern.has_value()); // no sparsity analysis ran
}

TEST(Taxonomy, AbsentAnalysesLeaveScoresEmpty) {
    analyses::TaxonomyInputs in;
    in.layers = 2;
    in.heads = 2;
    const auto result = analyses::classifyHeads(in);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->size(), 4u);
    for (const auto& h : *result) {
        EXPECT_FALSE(h.token0Mass || h.induction || h.retrieval || h.localMass);
        EXPECT_EQ(h.primary, "mixed");
    }
}

TEST(Taxonomy, MismatchedInputsAreErrors) {
    analyses::TaxonomyInputs in;
    in.layers = 2;
    in.heads = 2;
    const std::vector<double> retrieval = {0.1};
    in.retrievalScores = &retrieval;
    const auto result = analyses::classifyHeads(in);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.status().field(), "retrieval");
}
