// SPDX-License-Identifier: Apache-2.0
// Sinks (METHODS.md 1, 2) from the kernel's statistics against values computed from dense P, and the
// hand-known cases: ACT's first-sink quirk, α/N, N = 1, uniform rows, missing statistics.
#include "attnscope/analyses/sinks.h"

#include "../kernels/dense_reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope;
using analyses::ActFirstSink;
using analyses::SinkParameters;

namespace {

struct Pass {
    kernels::AttentionDims dims;
    test::DenseReference reference;
    kernels::ProbeResult probe;
};

/// One causal layer through the real kernel with the sink request; zero queries make uniform rows.
Pass runLayer(int tokens, int heads, const SinkParameters& parameters, bool zeroQueries = false) {
    Pass pass;
    kernels::AttentionDims& dims = pass.dims;
    dims.queryHeads = dims.kvHeads = heads;
    dims.queryLength = dims.keyLength = tokens;
    dims.headDim = 16;
    test::DenseInputs inputs{
        test::exactlyRepresentableRandom(static_cast<std::size_t>(heads) * tokens * 16, 3),
        test::exactlyRepresentableRandom(static_cast<std::size_t>(heads) * tokens * 16, 4),
        test::exactlyRepresentableRandom(static_cast<std::size_t>(heads) * tokens * 16, 5)};
    if (zeroQueries)
        std::fill(inputs.q.begin(), inputs.q.end(), 0.0f);
    for (float& value : inputs.q)
        value *= 4.0f; // sharper rows than the raw values give
    pass.reference = test::denseAttention(dims, inputs);
    std::vector<float> out(inputs.q.size());
    const int64_t stride[4] = {static_cast<int64_t>(heads) * tokens * 16, static_cast<int64_t>(tokens) * 16,
                               16, 1};
    auto view = [&](const std::vector<float>& data) {
        return kernels::TensorView{
            data.data(), kernels::DType::F32, {stride[0], stride[1], stride[2], stride[3]}};
    };
    const kernels::KernelStatus status =
        kernels::attention(dims, view(inputs.q), view(inputs.k), view(inputs.v),
                           kernels::OutputView{out.data(), {stride[0], stride[1], stride[2], stride[3]}},
                           analyses::sinkProbeRequest(parameters, tokens), pass.probe);
    EXPECT_TRUE(status.ok()) << status.message;
    return pass;
}

} // namespace

TEST(Sinks, MassesAndActSetsMatchDenseProbabilities) {
    SinkParameters parameters;
    parameters.sinkTokens = 4;
    parameters.window = 5;
    parameters.actFirstSink = ActFirstSink::KeepAll;
    const int N = 37, H = 2;
    Pass pass = runLayer(N, H, parameters);
    auto analysis = analyses::analyzeSinks({pass.probe}, H, N, parameters);
    ASSERT_TRUE(analysis) << analysis.status().toString();
    ASSERT_EQ(analysis->heads.size(), static_cast<std::size_t>(H));
    for (int h = 0; h < H; ++h) {
        auto P = [&](int i, int j) {
            return pass.reference.probabilities[(static_cast<std::size_t>(h) * N + i) * N + j];
        };
        double token0 = 0, sink = 0, window = 0, recall = 0;
        std::vector<double> mean(N, 0.0);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j <= i; ++j) {
                token0 += j == 0 ? P(i, j) : 0.0;
                sink += j < 4 ? P(i, j) : 0.0;
                window += i - j < 5 ? P(i, j) : 0.0;
                recall += j < 4 || i - j < 5 ? P(i, j) : 0.0;
                mean[j] += P(i, j) / (N - j);
            }
        const analyses::HeadSinks& head = analysis->heads[h];
        EXPECT_NEAR(head.token0Mass, token0 / N, 1e-5);
        EXPECT_NEAR(head.sinkMass, sink / N, 1e-5);
        EXPECT_NEAR(head.windowMass, window / N, 1e-5);
        EXPECT_NEAR(head.streamingRecall, recall / N, 1e-5);
        std::vector<int> expected;
        for (int j = 0; j < N; ++j)
            if (mean[j] > 0.1)
                expected.push_back(j);
        EXPECT_EQ(head.actSinks, expected) << "head " << h;
        for (std::size_t s = 0; s < head.actSinks.size(); ++s)
            EXPECT_NEAR(head.actScores[s], mean[head.actSinks[s]], 1e-5);
    }
}

TEST(Sinks, ActFirstSinkRulesIncludingTheReferenceQuirk) {
    SinkParameters p;
    // Token 0 is a sink: the reference drops it and keeps the hidden sink.
    const std::vector<double> withToken0 = {0.5, 0.05, 0.3};
    p.actFirstSink = ActFirstSink::DropFirst;
    EXPECT_EQ(analyses::actSinkSet(withToken0, p), (std::vector<int>{2}));
    p.actFirstSink = ActFirstSink::ExcludeToken0;
    EXPECT_EQ(analyses::actSinkSet(withToken0, p), (std::vector<int>{2}));
    p.actFirstSink = ActFirstSink::KeepAll;
    EXPECT_EQ(analyses::actSinkSet(withToken0, p), (std::vector<int>{0, 2}));
    // Token 0 is not: the quirk drops the first hidden sink; excluding token 0 keeps both.
    const std::vector<double> withoutToken0 = {0.05, 0.3, 0.2, 0.01};
    p.actFirstSink = ActFirstSink::DropFirst;
    EXPECT_EQ(analyses::actSinkSet(withoutToken0, p), (std::vector<int>{2}));
    p.actFirstSink = ActFirstSink::ExcludeToken0;
    EXPECT_EQ(analyses::actSinkSet(withoutToken0, p), (std::vector<int>{1, 2}));
    // The paper's relative form: α / N = 5 / 4 > every score here, so nothing is a sink.
    p.actThreshold = analyses::ActThreshold::RelativeAlpha;
    EXPECT_TRUE(analyses::actSinkSet(withoutToken0, p).empty());
    p.actAlpha = 0.1; // 0.025: three of four pass
    p.actFirstSink = ActFirstSink::KeepAll;
    EXPECT_EQ(analyses::actSinkSet(withoutToken0, p), (std::vector<int>{0, 1, 2}));
}

TEST(Sinks, SingleTokenPutsAllMassOnTokenZero) {
    SinkParameters parameters;
    Pass pass = runLayer(1, 1, parameters);
    auto analysis = analyses::analyzeSinks({pass.probe}, 1, 1, parameters);
    ASSERT_TRUE(analysis) << analysis.status().toString();
    const analyses::HeadSinks& head = analysis->heads[0];
    EXPECT_NEAR(head.token0Mass, 1.0, 1e-6);
    EXPECT_NEAR(head.sinkMass, 1.0, 1e-6);
    EXPECT_NEAR(head.windowMass, 1.0, 1e-6);
    EXPECT_NEAR(head.streamingRecall, 1.0, 1e-6);
    EXPECT_TRUE(head.actSinks.empty()) << "token 0 is the first sink and the reference drops it";
    EXPECT_TRUE(head.hiddenSinks.empty());
}

TEST(Sinks, UniformRowsGiveHarmonicToken0Mass) {
    SinkParameters parameters;
    parameters.window = 3;
    const int N = 50;
    Pass pass = runLayer(N, 1, parameters, /*zeroQueries=*/true);
    auto analysis = analyses::analyzeSinks({pass.probe}, 1, N, parameters);
    ASSERT_TRUE(analysis) << analysis.status().toString();
    double harmonic = 0;
    for (int i = 1; i <= N; ++i)
        harmonic += 1.0 / i;
    EXPECT_NEAR(analysis->heads[0].token0Mass, harmonic / N, 1e-5);
    // ā_0 = H_N / N = 0.09 < 0.1: on uniform rows no key is a sink but the first rows' keys.
    const auto mean = analyses::actMeanReceived(pass.probe.columnMass.data(), N);
    EXPECT_NEAR(mean[0], harmonic / N, 1e-5);
    EXPECT_NEAR(mean[N - 1], 1.0 / N, 1e-6);
}

TEST(Sinks, MissingStatisticsNameTheField) {
    SinkParameters parameters;
    kernels::ProbeResult empty;
    auto analysis = analyses::analyzeSinks({empty}, 2, 10, parameters);
    ASSERT_FALSE(analysis);
    EXPECT_NE(analysis.status().toString().find("layers[0].columnMass"), std::string::npos);
    EXPECT_FALSE(analyses::analyzeSinks({}, 2, 0, parameters));
}
