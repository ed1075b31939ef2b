// SPDX-License-Identifier: Apache-2.0
// RazorAttention scores (METHODS.md 3b) from measure-only masked recall against dense probabilities;
// key sets, GQA max, top-ratio selection, and the dense output left unchanged.
#include "attnscope/analyses/razor.h"

#include "../kernels/dense_reference.h"

#include <gtest/gtest.h>

using namespace attnscope;
using analyses::RepeatProbe;

TEST(Razor, KeySetsPointAtEarlierCopies) {
    const RepeatProbe probe{1, 3, 3}; // tokens: P a b c a b c a b c
    const auto echo = analyses::copyKeySets(probe, false), induction = analyses::copyKeySets(probe, true);
    ASSERT_EQ(echo.offsets.size(), 11u);
    auto keys = [](const analyses::CopyKeySets& s, int row) {
        return std::vector<int32_t>(s.keys.begin() + s.offsets[row], s.keys.begin() + s.offsets[row + 1]);
    };
    EXPECT_TRUE(keys(echo, 0).empty());
    EXPECT_TRUE(keys(echo, 3).empty()); // first copy
    EXPECT_EQ(keys(echo, 4), (std::vector<int32_t>{1}));
    EXPECT_EQ(keys(induction, 4), (std::vector<int32_t>{2}));
    EXPECT_EQ(keys(echo, 9), (std::vector<int32_t>{3, 6}));
    EXPECT_EQ(keys(induction, 9),
              (std::vector<int32_t>{4, 7})); // one after the last token: next copy's first
}

TEST(Razor, ScoresMatchDenseProbabilitiesAndLeaveTheOutputUnchanged) {
    const RepeatProbe probe{1, 20, 4};
    const int N = static_cast<int>(probe.tokens()), Hq = 4, Hkv = 2, d = 16;
    kernels::AttentionDims dims;
    dims.queryHeads = Hq;
    dims.kvHeads = Hkv;
    dims.queryLength = dims.keyLength = N;
    dims.headDim = d;
    test::DenseInputs inputs{test::exactlyRepresentableRandom(static_cast<std::size_t>(Hq) * N * d, 7),
                             test::exactlyRepresentableRandom(static_cast<std::size_t>(Hkv) * N * d, 8),
                             test::exactlyRepresentableRandom(static_cast<std::size_t>(Hkv) * N * d, 9)};
    for (float& value : inputs.q)
        value *= 3.0f;
    const test::DenseReference reference = test::denseAttention(dims, inputs);
    auto view = [&](const std::vector<float>& data, int heads) {
        return kernels::TensorView{data.data(),
                                   kernels::DType::F32,
                                   {static_cast<int64_t>(heads) * N * d, static_cast<int64_t>(N) * d, d, 1}};
    };
    std::vector<kernels::ProbeResult> passes[2];
    for (int induction = 0; induction < 2; ++induction) {
        const auto sets = analyses::copyKeySets(probe, induction == 1);
        std::vector<float> out(inputs.q.size());
        kernels::ProbeResult result;
        ASSERT_TRUE(
            kernels::attention(dims, view(inputs.q, Hq), view(inputs.k, Hkv), view(inputs.v, Hkv),
                               kernels::OutputView{out.data(), {int64_t(Hq) * N * d, int64_t(N) * d, d, 1}},
                               analyses::copyProbeRequest(sets), result)
                .ok());
        for (std::size_t i = 0; i < out.size(); ++i)
            ASSERT_NEAR(out[i], reference.out[i], 1e-5) << "measure-only must keep the dense output";
        passes[induction].push_back(result);
    }
    auto analysis = analyses::analyzeRazor(passes[1], passes[0], Hq, Hkv, probe);
    ASSERT_TRUE(analysis) << analysis.status().toString();
    for (int h = 0; h < Hq; ++h) {
        double echo = 0, induction = 0;
        int rows = 0;
        for (int row = probe.prefix + probe.span; row < N; ++row, ++rows) {
            const int copy = (row - probe.prefix) / probe.span, offset = (row - probe.prefix) % probe.span;
            for (int earlier = 0; earlier < copy; ++earlier) {
                const int key = probe.prefix + earlier * probe.span + offset;
                echo += reference.probabilities[(static_cast<std::size_t>(h) * N + row) * N + key];
                induction += reference.probabilities[(static_cast<std::size_t>(h) * N + row) * N + key + 1];
            }
        }
        EXPECT_NEAR(analysis->echoPerQueryHead[h], echo / rows, 1e-5);
        EXPECT_NEAR(analysis->inductionPerQueryHead[h], induction / rows, 1e-5);
    }
    for (const auto& head : analysis->kvHeadScores) // GQA: the max over the group's query heads
        EXPECT_DOUBLE_EQ(head.induction, std::max(analysis->inductionPerQueryHead[head.kvHead * 2],
                                                  analysis->inductionPerQueryHead[head.kvHead * 2 + 1]));
}

TEST(Razor, SelectionKeepsTopRatiosAndAtLeastOneHead) {
    const RepeatProbe probe{0, 2, 2};
    std::vector<kernels::ProbeResult> induction(10), echo(10);
    for (int l = 0; l < 10; ++l) {
        induction[l].maskRecall.assign(4, static_cast<float>(l) / 10.0f); // layer 9 scores highest
        echo[l].maskRecall.assign(4, l == 3 ? 0.9f : 0.0f);
    }
    analyses::RazorParameters parameters;
    parameters.inductionRatio = 0.2; // 2 of 10
    parameters.echoRatio = 0.01;     // floor(0.1) = 0, at least 1
    auto analysis = analyses::analyzeRazor(induction, echo, 1, 1, probe, parameters);
    ASSERT_TRUE(analysis) << analysis.status().toString();
    std::vector<int> retained;
    for (const auto& head : analysis->kvHeadScores)
        if (head.retained)
            retained.push_back(head.layer);
    EXPECT_EQ(retained, (std::vector<int>{3, 8, 9}));
    EXPECT_FALSE(analyses::analyzeRazor(induction, {}, 1, 1, probe, parameters));
    induction[2].maskRecall.clear();
    auto missing = analyses::analyzeRazor(induction, echo, 1, 1, probe, parameters);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().toString().find("inductionLayers[2].maskRecall"), std::string::npos);
}
