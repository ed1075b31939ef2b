// SPDX-License-Identifier: Apache-2.0
// DuoAttention (METHODS.md 3c): the streaming proxy against dense probabilities; gate files.
#include "attnscope/analyses/duo.h"

#include "../../support/temp_dir.h"
#include "../kernels/dense_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

using namespace attnscope;

TEST(DuoProxy, StreamingSetsAreSinksPlusRecentWithoutDuplicates) {
    const auto sets = analyses::streamingKeySets({2, 3}, 8);
    auto keys = [&](int row) {
        return std::vector<int32_t>(sets.keys.begin() + sets.offsets[row],
                                    sets.keys.begin() + sets.offsets[row + 1]);
    };
    EXPECT_EQ(keys(0), (std::vector<int32_t>{0}));
    EXPECT_EQ(keys(3), (std::vector<int32_t>{0, 1, 2, 3})); // window 1..3 overlaps the sinks
    EXPECT_EQ(keys(7), (std::vector<int32_t>{0, 1, 5, 6, 7}));
}

TEST(DuoProxy, RecallAndOutputErrorMatchDenseProbabilities) {
    const int N = 90, H = 2, d = 16;
    const analyses::DuoProxyParameters parameters{4, 10};
    kernels::AttentionDims dims;
    dims.queryHeads = dims.kvHeads = H;
    dims.queryLength = dims.keyLength = N;
    dims.headDim = d;
    test::DenseInputs inputs{test::exactlyRepresentableRandom(static_cast<std::size_t>(H) * N * d, 21),
                             test::exactlyRepresentableRandom(static_cast<std::size_t>(H) * N * d, 22),
                             test::exactlyRepresentableRandom(static_cast<std::size_t>(H) * N * d, 23)};
    const test::DenseReference reference = test::denseAttention(dims, inputs);
    const auto sets = analyses::streamingKeySets(parameters, N);
    std::vector<float> out(inputs.q.size());
    const int64_t s0 = int64_t(H) * N * d, s1 = int64_t(N) * d;
    auto view = [&](const std::vector<float>& data) {
        return kernels::TensorView{data.data(), kernels::DType::F32, {s0, s1, d, 1}};
    };
    kernels::ProbeResult result;
    ASSERT_TRUE(kernels::attention(dims, view(inputs.q), view(inputs.k), view(inputs.v),
                                   kernels::OutputView{out.data(), {s0, s1, d, 1}},
                                   analyses::streamingProbeRequest(sets), result)
                    .ok());
    auto heads = analyses::duoProxy({result}, H, N);
    ASSERT_TRUE(heads) << heads.status().toString();
    for (int h = 0; h < H; ++h) {
        double recall = 0, error = 0;
        for (int i = 0; i < N; ++i) {
            const std::size_t row = static_cast<std::size_t>(h) * N + i;
            double kept = 0, difference = 0, norm = 0;
            std::vector<double> streamed(d, 0.0);
            for (int j = 0; j <= i; ++j)
                if (j < 4 || i - j < 10) {
                    const double p = reference.probabilities[row * N + j];
                    kept += p;
                    for (int c = 0; c < d; ++c)
                        streamed[c] += p * inputs.v[(static_cast<std::size_t>(h) * N + j) * d + c];
                }
            for (int c = 0; c < d; ++c) {
                const double dense = reference.out[row * d + c];
                difference += (streamed[c] / kept - dense) * (streamed[c] / kept - dense);
                norm += dense * dense;
            }
            recall += kept;
            error += std::sqrt(difference / norm);
        }
        EXPECT_NEAR((*heads)[h].streamingRecall, recall / N, 1e-5);
        EXPECT_NEAR((*heads)[h].outputError, error / N, 1e-4);
    }
}

class DuoGates : public test::TempDirTest {
protected:
    std::string writeText(const std::string& name, const std::string& text) {
        return write(name, test::Bytes(text.begin(), text.end()));
    }
};

TEST_F(DuoGates, ReadsLayersByKvHeadsAndNamesBadCells) {
    const std::string good = writeText("gates.tsv", std::string("1\t0.25\n0 0.5\n"));
    auto gates = analyses::readDuoGates(good);
    ASSERT_TRUE(gates) << gates.status().toString();
    EXPECT_EQ(*gates, (std::vector<std::vector<double>>{{1.0, 0.25}, {0.0, 0.5}}));
    auto outOfRange = analyses::readDuoGates(writeText("bad.tsv", std::string("1\t0.25\n0 1.5\n")));
    ASSERT_FALSE(outOfRange);
    EXPECT_NE(outOfRange.status().toString().find("line 2, column 2"), std::string::npos)
        << outOfRange.status().toString();
    auto ragged = analyses::readDuoGates(writeText("ragged.tsv", std::string("1 1\n1\n")));
    ASSERT_FALSE(ragged);
    EXPECT_NE(ragged.status().toString().find("line 2"), std::string::npos);
    EXPECT_FALSE(analyses::readDuoGates(writeText("empty.tsv", std::string("\n"))));
    EXPECT_FALSE(analyses::readDuoGates((m_dir / "missing.tsv").string()));
}
