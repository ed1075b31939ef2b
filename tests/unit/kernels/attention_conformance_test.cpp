// SPDX-License-Identifier: Apache-2.0
// Conformance harness: every primitive of the CPU kernel (output, K1 LSE, entropy, K3 column mass, K4
// block sum/max, K5 last rows, K6 top-k, K7 diagonal sums, exact tiles, K8 masked execution, logit
// bias and ACT calibration) against a dense reference with P materialized in double, over lengths,
// GQA ratios, causal and not, query offsets, windows and dtypes.
#include "dense_reference.h"

#include "../../../kernels/cpu/element_load.h"
#include "attnscope/kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

using namespace attnscope;
using kernels::AttentionDims;
using kernels::DType;

namespace {

struct Case {
    int length;
    int batch;
    int queryHeads;
    int kvHeads;
    bool causal;
    int window;
    DType dtype;
};

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    const Case& c = info.param;
    return "N" + std::to_string(c.length) + "_B" + std::to_string(c.batch) + "_Hq" +
           std::to_string(c.queryHeads) + "_Hkv" + std::to_string(c.kvHeads) +
           (c.causal ? "_causal" : "_full") + "_w" + std::to_string(c.window) + "_" +
           kernels::dtypeName(c.dtype);
}

/// Storage of one tensor in the tested dtype, viewed contiguously as [B, H, T, D].
struct Stored {
    std::vector<float> f32;
    std::vector<uint16_t> half;
    kernels::TensorView view(DType dtype, int heads, int tokens, int dim) const {
        kernels::TensorView v;
        v.dtype = dtype;
        v.data = dtype == DType::F32 ? static_cast<const void*>(f32.data()) : half.data();
        v.stride[0] = static_cast<int64_t>(heads) * tokens * dim;
        v.stride[1] = static_cast<int64_t>(tokens) * dim;
        v.stride[2] = dim;
        v.stride[3] = 1;
        return v;
    }
};

Stored store(const std::vector<float>& values, DType dtype) {
    Stored s{values, {}};
    if (dtype != DType::F32)
        for (float value : values)
            s.half.push_back(dtype == DType::BF16 ? test::encodeBf16(value) : test::encodeF16(value));
    return s;
}

/// Relative closeness with an absolute floor of `tolerance` for values below 1.
void expectClose(double actual, double expected, double tolerance, const std::string& what) {
    ASSERT_NEAR(actual, expected, tolerance * std::max(1.0, std::fabs(expected))) << what;
}

struct KernelRun {
    test::DenseInputs inputs;
    Stored q, k, v;
    std::vector<float> out;
    kernels::ProbeResult result;
    kernels::KernelStatus status;
};

KernelRun runKernel(const AttentionDims& dims, DType dtype, const kernels::ProbeRequest& request,
                    uint32_t seed = 1) {
    const int B = dims.batch, D = dims.headDim;
    KernelRun run;
    run.inputs = {test::exactlyRepresentableRandom(
                      static_cast<std::size_t>(B) * dims.queryHeads * dims.queryLength * D, seed),
                  test::exactlyRepresentableRandom(
                      static_cast<std::size_t>(B) * dims.kvHeads * dims.keyLength * D, seed + 1),
                  test::exactlyRepresentableRandom(
                      static_cast<std::size_t>(B) * dims.kvHeads * dims.keyLength * D, seed + 2)};
    run.q = store(run.inputs.q, dtype);
    run.k = store(run.inputs.k, dtype);
    run.v = store(run.inputs.v, dtype);
    run.out.assign(static_cast<std::size_t>(B) * dims.queryHeads * dims.queryLength * D, -99.0f);
    kernels::OutputView outView{run.out.data(),
                                {static_cast<int64_t>(dims.queryHeads) * dims.queryLength * D,
                                 static_cast<int64_t>(dims.queryLength) * D, D, 1}};
    run.status =
        kernels::attention(dims, run.q.view(dtype, dims.queryHeads, dims.queryLength, D),
                           run.k.view(dtype, dims.kvHeads, dims.keyLength, D),
                           run.v.view(dtype, dims.kvHeads, dims.keyLength, D), outView, request, run.result);
    return run;
}

/// Every statistic of a full request, checked against P of the dense reference.
void runAndCompare(const AttentionDims& dims, DType dtype, double tolerance) {
    const int M = dims.queryLength, N = dims.keyLength;
    const int heads = dims.batch * dims.queryHeads;
    kernels::ProbeRequest request;
    request.rowLogSumExp = request.rowEntropy = true;
    request.columnMass = true;
    request.columnMassRows = {M / 3, -1};
    request.blockSize = 16;
    request.lastRows = std::min(M, 5);
    request.topK = 3;
    request.diagonalSums = true;
    request.tiles = {{0, std::min(M, 3), 0, std::min(N, 70)}, {M - 1, M, std::max(0, N - 9), N}};
    KernelRun run = runKernel(dims, dtype, request);
    ASSERT_TRUE(run.status.ok()) << run.status.message;
    const kernels::ProbeResult& r = run.result;
    const test::DenseReference ref = test::denseAttention(dims, run.inputs);
    auto P = [&](int head, int i, int j) {
        return ref.probabilities[(static_cast<std::size_t>(head) * M + i) * N + j];
    };

    ASSERT_EQ(r.rowLogSumExp.size(), ref.lse.size());
    for (std::size_t row = 0; row < ref.lse.size(); ++row) {
        if (std::isinf(ref.lse[row])) {
            EXPECT_TRUE(std::isinf(r.rowLogSumExp[row]) && r.rowLogSumExp[row] < 0) << "row " << row;
            continue;
        }
        expectClose(r.rowLogSumExp[row], ref.lse[row], tolerance, "lse row " + std::to_string(row));
        expectClose(r.rowEntropy[row], ref.entropy[row], tolerance, "entropy row " + std::to_string(row));
    }
    for (std::size_t i = 0; i < ref.out.size(); ++i)
        expectClose(run.out[i], ref.out[i], tolerance, "out " + std::to_string(i));

    const int blockRows = (M + 15) / 16, blockCols = (N + 15) / 16;
    ASSERT_EQ(r.blockRows, blockRows);
    ASSERT_EQ(r.blockCols, blockCols);
    const int count = static_cast<int>(dims.queryOffset + M + N - 1);
    ASSERT_EQ(r.diagonalCount, count);
    for (int head = 0; head < heads; ++head) {
        std::vector<double> columns(N, 0.0), blockSum(blockRows * blockCols, 0.0),
            blockMax(blockRows * blockCols, 0.0), diagonal(count, 0.0);
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < N; ++j) {
                const double p = P(head, i, j);
                if (i >= M / 3)
                    columns[j] += p;
                blockSum[(i / 16) * blockCols + j / 16] += p;
                blockMax[(i / 16) * blockCols + j / 16] =
                    std::max(blockMax[(i / 16) * blockCols + j / 16], p);
                if (p > 0)
                    diagonal[dims.queryOffset + i - j + N - 1] += p;
            }
        for (int j = 0; j < N; ++j)
            expectClose(r.columnMass[head * N + j], columns[j], tolerance,
                        "column mass " + std::to_string(j));
        for (int e = 0; e < blockRows * blockCols; ++e) {
            expectClose(r.blockSum[head * blockRows * blockCols + e], blockSum[e], tolerance,
                        "block sum " + std::to_string(e));
            expectClose(r.blockMax[head * blockRows * blockCols + e], blockMax[e], tolerance,
                        "block max " + std::to_string(e));
        }
        for (int e = 0; e < count; ++e)
            expectClose(r.diagonalSums[head * count + e], diagonal[e], tolerance,
                        "diagonal " + std::to_string(e));
        for (int w = 0; w < request.lastRows; ++w)
            for (int j = 0; j < N; ++j)
                expectClose(r.lastRowProbabilities[(head * request.lastRows + w) * N + j],
                            P(head, M - request.lastRows + w, j), tolerance, "last row " + std::to_string(w));
        for (int i = 0; i < M; ++i) {
            std::vector<double> row(N);
            for (int j = 0; j < N; ++j)
                row[j] = P(head, i, j);
            std::sort(row.begin(), row.end(), std::greater<>());
            for (int t = 0; t < 3; ++t) {
                const std::size_t at = (static_cast<std::size_t>(head) * M + i) * 3 + t;
                const int32_t key = r.topKeys[at];
                if (t >= N || row[t] == 0.0) {
                    EXPECT_EQ(key, -1);
                    continue;
                }
                ASSERT_GE(key, 0);
                // Ties may pick either key: the probability must be the t-th largest, and the key's own.
                expectClose(r.topProbabilities[at], row[t], tolerance, "top-k value");
                expectClose(P(head, i, key), row[t], tolerance, "top-k key");
            }
        }
        for (std::size_t t = 0; t < request.tiles.size(); ++t) {
            const kernels::TileRequest& tile = request.tiles[t];
            const int rows = tile.rowEnd - tile.rowBegin, cols = tile.colEnd - tile.colBegin;
            for (int i = 0; i < rows; ++i)
                for (int j = 0; j < cols; ++j)
                    expectClose(r.tiles[t][(static_cast<std::size_t>(head) * rows + i) * cols + j],
                                P(head, tile.rowBegin + i, tile.colBegin + j), tolerance, "tile");
        }
    }
}

class AttentionConformance : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P(AttentionConformance, EveryPrimitiveMatchesDenseDoubleReference) {
    const Case& c = GetParam();
    AttentionDims dims;
    dims.batch = c.batch;
    dims.queryHeads = c.queryHeads;
    dims.kvHeads = c.kvHeads;
    dims.queryLength = c.length;
    dims.keyLength = c.length;
    dims.headDim = 64;
    dims.causal = c.causal;
    dims.slidingWindow = c.window;
    runAndCompare(dims, c.dtype, c.dtype == DType::F32 ? 1e-5 : 1e-2);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionConformance,
    ::testing::Values(Case{1, 2, 4, 4, true, 0, DType::F32}, Case{7, 2, 4, 2, true, 0, DType::F32},
                      Case{7, 1, 8, 1, false, 0, DType::F32}, Case{128, 2, 8, 2, true, 0, DType::F32},
                      Case{128, 1, 4, 1, true, 16, DType::F32}, Case{128, 1, 8, 8, false, 32, DType::F32},
                      Case{1000, 1, 4, 1, true, 0, DType::F32}, Case{1000, 1, 2, 2, false, 0, DType::F32},
                      Case{1000, 1, 8, 1, true, 300, DType::F32}, Case{2048, 1, 2, 1, true, 0, DType::F32},
                      Case{2048, 1, 2, 2, false, 0, DType::BF16}, Case{33, 2, 4, 2, true, 0, DType::BF16},
                      Case{33, 1, 4, 2, false, 5, DType::F16}, Case{1000, 1, 8, 2, true, 0, DType::F16},
                      Case{128, 1, 8, 1, true, 0, DType::BF16}),
    caseName);

TEST(AttentionConformanceDecode, QueryOffsetSeesThePrefix) {
    // Decoding and chunked prefill: rows at positions 97..99 (and 60..99) against a cache of 100 keys.
    AttentionDims dims;
    dims.queryHeads = 8;
    dims.kvHeads = 2;
    dims.queryLength = 3;
    dims.keyLength = 100;
    dims.headDim = 64;
    dims.queryOffset = 97;
    runAndCompare(dims, DType::F32, 1e-5);
    dims.queryLength = 40;
    dims.queryOffset = 60;
    dims.slidingWindow = 50;
    runAndCompare(dims, DType::F32, 1e-5);
}

TEST(AttentionConformanceDecode, RowWithoutVisibleKeysIsZero) {
    // A negative offset puts row 0 before every key: it must give zeros and LSE = -inf, not NaN.
    AttentionDims dims;
    dims.queryLength = 2;
    dims.keyLength = 4;
    dims.headDim = 64;
    dims.queryOffset = -1;
    runAndCompare(dims, DType::F32, 1e-5);
}

TEST(AttentionConformanceHeadDims, OtherHeadDimensions) {
    for (int d : {16, 80, 96, 128, 256}) {
        AttentionDims dims;
        dims.queryHeads = 4;
        dims.kvHeads = 2;
        dims.queryLength = dims.keyLength = 150;
        dims.headDim = d;
        SCOPED_TRACE("head dim " + std::to_string(d));
        runAndCompare(dims, DType::F32, 1e-5);
    }
}

namespace {

AttentionDims maskDims() {
    AttentionDims dims;
    dims.queryHeads = 4;
    dims.kvHeads = 2;
    dims.queryLength = dims.keyLength = 200;
    dims.headDim = 64;
    return dims;
}

/// The sizes the reference loops read, unpacked once.
struct Shape {
    explicit Shape(const AttentionDims& dims)
        : M(dims.queryLength), N(dims.keyLength), D(dims.headDim), group(dims.queryHeads / dims.kvHeads) {}
    int M, N, D, group;
};

/// An f32 kernel run and the dense reference on the same inputs.
struct CheckedRun {
    KernelRun run;
    test::DenseReference ref;
};

CheckedRun runWithReference(const AttentionDims& dims, const kernels::ProbeRequest& request) {
    CheckedRun checked{runKernel(dims, DType::F32, request), {}};
    checked.ref = test::denseAttention(dims, checked.run.inputs);
    return checked;
}

/// Checks K8 for a mask given as keep(head, i, j): masked output, recall and relative error.
template <typename Keep>
void expectMasked(const AttentionDims& dims, const kernels::ProbeRequest& request, Keep keep) {
    const auto [run, ref] = runWithReference(dims, request);
    ASSERT_TRUE(run.status.ok()) << run.status.message;
    const auto [M, N, D, group] = Shape(dims);
    for (int h = 0; h < dims.queryHeads; ++h)
        for (int i = 0; i < M; ++i) {
            const std::size_t row = static_cast<std::size_t>(h) * M + i;
            double recall = 0;
            std::vector<double> masked(D, 0.0);
            for (int j = 0; j < N; ++j) {
                const double p = ref.probabilities[row * N + j];
                if (!keep(h, i, j) || p == 0)
                    continue;
                recall += p;
                for (int c = 0; c < D; ++c)
                    masked[c] += p * run.inputs.v[((static_cast<std::size_t>(h / group)) * N + j) * D + c];
            }
            expectClose(run.result.maskRecall[row], recall, 1e-5, "recall row " + std::to_string(i));
            double difference = 0, norm = 0;
            for (int c = 0; c < D; ++c) {
                const double value = recall > 0 ? masked[c] / recall : 0.0;
                expectClose(run.out[row * D + c], value, 1e-5, "masked output row " + std::to_string(i));
                difference += (value - ref.out[row * D + c]) * (value - ref.out[row * D + c]);
                norm += ref.out[row * D + c] * ref.out[row * D + c];
            }
            expectClose(run.result.maskOutputError[row], std::sqrt(difference / norm), 1e-4,
                        "error row " + std::to_string(i));
        }
}

} // namespace

TEST(AttentionMasked, BlockMaskPerHead) {
    const AttentionDims dims = maskDims();
    const int B = 32, rows = (dims.queryLength + B - 1) / B, cols = (dims.keyLength + B - 1) / B;
    std::vector<uint8_t> blocks(static_cast<std::size_t>(dims.queryHeads) * rows * cols);
    for (std::size_t e = 0; e < blocks.size(); ++e)
        blocks[e] = (e * 7 + e / 3) % 3 != 0;
    kernels::ProbeRequest request;
    request.mask.kind = kernels::AttentionMask::Kind::Block;
    request.mask.perHead = true;
    request.mask.blockSize = B;
    request.mask.blocks = blocks.data();
    expectMasked(dims, request,
                 [&](int h, int i, int j) { return blocks[(h * rows + i / B) * cols + j / B] != 0; });
}

TEST(AttentionMasked, ColumnStripesSharedByHeads) {
    const AttentionDims dims = maskDims();
    std::vector<uint8_t> columns(dims.keyLength);
    for (int j = 0; j < dims.keyLength; ++j)
        columns[j] = j < 4 || j % 5 == 0;
    kernels::ProbeRequest request;
    request.mask.kind = kernels::AttentionMask::Kind::Columns;
    request.mask.columns = columns.data();
    expectMasked(dims, request, [&](int, int, int j) { return columns[j] != 0; });
}

TEST(AttentionMasked, PerRowKeySets) {
    const AttentionDims dims = maskDims();
    std::vector<int64_t> offsets{0};
    std::vector<int32_t> keys;
    for (int i = 0; i < dims.queryLength; ++i) {
        for (int j = 0; j <= i; j += 1 + i % 7)
            keys.push_back(j);
        offsets.push_back(static_cast<int64_t>(keys.size()));
    }
    kernels::ProbeRequest request;
    request.mask.kind = kernels::AttentionMask::Kind::RowKeys;
    request.mask.rowOffsets = offsets.data();
    request.mask.rowKeys = keys.data();
    expectMasked(dims, request, [&](int, int i, int j) {
        return std::find(keys.begin() + offsets[i], keys.begin() + offsets[i + 1], j) !=
               keys.begin() + offsets[i + 1];
    });
}

TEST(AttentionMasked, AscendingPerHeadRowKeysSpanningTiles) {
    // StreamingLLM's shape per head (sinks plus a window that differs by head): long ascending lists that
    // cross several 64-key tiles, read by binary search when rowKeysAscending is set.
    const AttentionDims dims = maskDims();
    auto allowed = [](int h, int i, int j) {
        return j <= i && (j < 1 + h || i - j < 20 + 30 * h);
    };
    std::vector<int64_t> offsets{0};
    std::vector<int32_t> keys;
    for (int h = 0; h < dims.queryHeads; ++h)
        for (int i = 0; i < dims.queryLength; ++i) {
            for (int j = 0; j < dims.keyLength; ++j)
                if (allowed(h, i, j))
                    keys.push_back(j);
            offsets.push_back(static_cast<int64_t>(keys.size()));
        }
    kernels::ProbeRequest request;
    request.mask.kind = kernels::AttentionMask::Kind::RowKeys;
    request.mask.perHead = true;
    request.mask.rowKeysAscending = true;
    request.mask.rowOffsets = offsets.data();
    request.mask.rowKeys = keys.data();
    expectMasked(dims, request, allowed);

    std::swap(keys[offsets[150] + 1], keys[offsets[150] + 2]); // row 150 of head 0, now out of order
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("not ascending within list 150"),
              std::string::npos);
}

TEST(AttentionInterventions, LogitBiasShiftsTheSoftmax) {
    AttentionDims dims = maskDims();
    std::vector<float> bias(dims.keyLength);
    for (int j = 0; j < dims.keyLength; ++j)
        bias[j] = j == 0 ? -3.0f : 0.25f * static_cast<float>(j % 3);
    kernels::ProbeRequest request;
    request.rowLogSumExp = true;
    request.intervention.columnLogitBias = bias.data();
    KernelRun run = runKernel(dims, DType::F32, request);
    ASSERT_TRUE(run.status.ok()) << run.status.message;
    const test::DenseReference ref = test::denseAttention(dims, run.inputs, bias);
    for (std::size_t i = 0; i < ref.out.size(); ++i)
        expectClose(run.out[i], ref.out[i], 1e-5, "out " + std::to_string(i));
    for (std::size_t i = 0; i < ref.lse.size(); ++i)
        expectClose(run.result.rowLogSumExp[i], ref.lse[i], 1e-5, "lse " + std::to_string(i));
}

TEST(AttentionInterventions, ActCalibrationKeepsBetaOfTheSinkAndRedistributesTheRest) {
    // METHODS.md section 2: P'_s = beta P_s on sink keys, P'_t = P_t + (1 - beta) m P_t / sum_{t' not in S}
    // P_t'.
    AttentionDims dims = maskDims();
    const float beta = 0.4f;
    std::vector<float> scale(dims.keyLength, 1.0f);
    scale[0] = scale[17] = beta;
    kernels::ProbeRequest request;
    request.intervention.columnScale = scale.data();
    const auto [run, ref] = runWithReference(dims, request);
    ASSERT_TRUE(run.status.ok()) << run.status.message;
    const auto [M, N, D, group] = Shape(dims);
    for (int h = 0; h < dims.queryHeads; ++h)
        for (int i = 0; i < M; ++i) {
            const std::size_t row = static_cast<std::size_t>(h) * M + i;
            double sink = 0, rest = 0;
            for (int j = 0; j < N; ++j)
                (scale[j] != 1.0f ? sink : rest) += ref.probabilities[row * N + j];
            std::vector<double> expected(D, 0.0);
            for (int j = 0; j < N; ++j) {
                const double p = ref.probabilities[row * N + j];
                // A row that sees only sinks (row 0: token 0 is one) stays unchanged, as ACT forces.
                const double calibrated = rest <= 0          ? p
                                          : scale[j] != 1.0f ? beta * p
                                                             : p + (1.0 - beta) * sink * p / rest;
                for (int c = 0; c < D; ++c)
                    expected[c] +=
                        calibrated * run.inputs.v[((static_cast<std::size_t>(h / group)) * N + j) * D + c];
            }
            for (int c = 0; c < D; ++c)
                expectClose(run.out[row * D + c], expected[c], 1e-5, "calibrated row " + std::to_string(i));
        }
}

TEST(AttentionInterventions, ActWorkedExampleFromMethods) {
    // METHODS.md section 2: P = [0.5, 0.1, 0.3, 0.1], S = {2}, beta = 0.4 gives
    // P' = [0.6286, 0.1257, 0.12, 0.1257]. Logits log(P) reproduce P; V = identity rows read P' back.
    AttentionDims dims;
    dims.queryLength = 1;
    dims.keyLength = 4;
    dims.headDim = 4;
    dims.causal = false;
    dims.scale = 1.0f;
    const float p[4] = {0.5f, 0.1f, 0.3f, 0.1f};
    std::vector<float> q = {1.0f, 0.0f, 0.0f, 0.0f}, k(16, 0.0f), v(16, 0.0f), out(4, 0.0f);
    for (int j = 0; j < 4; ++j) {
        k[static_cast<std::size_t>(j) * 4] = std::log(p[j]);
        v[static_cast<std::size_t>(j) * 4 + j] = 1.0f;
    }
    std::vector<float> scale = {1.0f, 1.0f, 0.4f, 1.0f};
    kernels::ProbeRequest request;
    request.intervention.columnScale = scale.data();
    kernels::ProbeResult result;
    const kernels::TensorView qv{q.data(), DType::F32, {4, 4, 4, 1}},
        kv{k.data(), DType::F32, {16, 16, 4, 1}}, vv{v.data(), DType::F32, {16, 16, 4, 1}};
    ASSERT_TRUE(
        kernels::attention(dims, qv, kv, vv, kernels::OutputView{out.data(), {4, 4, 4, 1}}, request, result)
            .ok());
    const double expected[4] = {0.5 * 1.2571428, 0.1 * 1.2571428, 0.12, 0.1 * 1.2571428};
    for (int j = 0; j < 4; ++j)
        EXPECT_NEAR(out[j], expected[j], 1e-5) << j;
    EXPECT_NEAR(out[0] + out[1] + out[2] + out[3], 1.0, 1e-6);
}

TEST(AttentionSharing, ValuesFromAnotherLayerAreUsedAsGiven) {
    // EchoAtt: Q/K of one layer with V of another is just another V view.
    AttentionDims dims = maskDims();
    kernels::ProbeRequest request;
    KernelRun first = runKernel(dims, DType::F32, request, 1);
    KernelRun other = runKernel(dims, DType::F32, request, 11);
    test::DenseInputs shared{first.inputs.q, first.inputs.k, other.inputs.v};
    const test::DenseReference ref = test::denseAttention(dims, shared);
    std::vector<float> out(first.out.size());
    kernels::OutputView outView{out.data(),
                                {static_cast<int64_t>(dims.queryHeads) * dims.queryLength * dims.headDim,
                                 static_cast<int64_t>(dims.queryLength) * dims.headDim, dims.headDim, 1}};
    kernels::ProbeResult result;
    ASSERT_TRUE(kernels::attention(dims,
                                   first.q.view(DType::F32, dims.queryHeads, dims.queryLength, dims.headDim),
                                   first.k.view(DType::F32, dims.kvHeads, dims.keyLength, dims.headDim),
                                   other.v.view(DType::F32, dims.kvHeads, dims.keyLength, dims.headDim),
                                   outView, request, result)
                    .ok());
    for (std::size_t i = 0; i < out.size(); ++i)
        expectClose(out[i], ref.out[i], 1e-5, "out " + std::to_string(i));
}

TEST(AttentionDeterminism, SameResultsRunToRunAndAcrossThreadCounts) {
    AttentionDims dims;
    dims.queryHeads = 8;
    dims.kvHeads = 2;
    dims.queryLength = dims.keyLength = 700;
    dims.headDim = 64;
    kernels::ProbeRequest request;
    request.columnMass = true;
    request.rowEntropy = true;
    KernelRun a = runKernel(dims, DType::F32, request), b = runKernel(dims, DType::F32, request);
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.result.columnMass, b.result.columnMass);
    const int before = kernels::cpuThreads();
    kernels::setCpuThreads(1);
    KernelRun single = runKernel(dims, DType::F32, request);
    kernels::setCpuThreads(before);
    EXPECT_EQ(single.out, a.out); // per-row work does not depend on the thread count
    for (std::size_t j = 0; j < a.result.columnMass.size(); ++j)
        EXPECT_NEAR(single.result.columnMass[j], a.result.columnMass[j],
                    1e-5 * std::max(1.0f, a.result.columnMass[j]));
}

TEST(AttentionProbeValidation, NamesTheBadField) {
    AttentionDims dims = maskDims();
    kernels::ProbeRequest request;
    request.blockSize = 48;
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.blockSize"), std::string::npos);
    request = {};
    request.tiles = {{0, 10, 150, 250}};
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.tiles[0]"), std::string::npos);
    request = {};
    request.heads = {4};
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.heads"), std::string::npos);
    request = {};
    request.columnMassRows = {5, 300};
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.columnMassRows"), std::string::npos);
    request = {};
    request.mask.kind = kernels::AttentionMask::Kind::Columns;
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.mask.columns"), std::string::npos);
    request = {};
    request.diagonalSums = true;
    dims.causal = false;
    dims.queryOffset = -3;
    EXPECT_NE(kernels::validateProbe(dims, request).message.find("probe.diagonalSums"), std::string::npos);
}

TEST(AttentionConformanceWindow, WindowPastTheLastKeySeesNothing) {
    // Row positions beyond keyLength + window - 1 see no key: zeros and LSE = -inf, no read past K/V.
    AttentionDims dims;
    dims.queryLength = 3;
    dims.keyLength = 5;
    dims.headDim = 64;
    dims.causal = false;
    dims.slidingWindow = 2;
    dims.queryOffset = 6;
    runAndCompare(dims, DType::F32, 1e-5);
}

TEST(AttentionValidation, RejectsInconsistentHeadsWithAClearField) {
    float buffer[64] = {};
    kernels::TensorView view{buffer, DType::F32, {64, 64, 64, 1}};
    kernels::OutputView out{buffer, {64, 64, 64, 1}};
    AttentionDims dims;
    dims.queryHeads = 6;
    dims.kvHeads = 4;
    dims.queryLength = 1;
    dims.keyLength = 1;
    dims.headDim = 64;
    kernels::ProbeResult result;
    auto status = kernels::attention(dims, view, view, view, out, kernels::ProbeRequest{}, result);
    EXPECT_EQ(status.code, kernels::KernelStatusCode::InvalidArgument);
    EXPECT_NE(status.message.find("dims.queryHeads"), std::string::npos) << status.message;
}

TEST(AttentionValidation, RejectsNonContiguousHeadDimAndNullData) {
    float buffer[64] = {};
    AttentionDims dims;
    dims.queryLength = 1;
    dims.keyLength = 1;
    dims.headDim = 64;
    kernels::TensorView good{buffer, DType::F32, {64, 64, 64, 1}};
    kernels::TensorView strided{buffer, DType::F32, {64, 64, 64, 2}};
    kernels::OutputView out{buffer, {64, 64, 64, 1}};
    auto status = kernels::validateAttention(dims, good, strided, good, out);
    EXPECT_NE(status.message.find("k.stride[3]"), std::string::npos) << status.message;
    kernels::TensorView null{nullptr, DType::F32, {64, 64, 64, 1}};
    status = kernels::validateAttention(dims, good, good, null, out);
    EXPECT_NE(status.message.find("v.data"), std::string::npos) << status.message;
    kernels::TensorView half{buffer, DType::F16, {64, 64, 64, 1}};
    status = kernels::validateAttention(dims, good, half, good, out);
    EXPECT_NE(status.message.find("dtype"), std::string::npos) << status.message;
}

TEST(ElementLoad, DecodesHalfPrecisionSpecialValues) {
    using kernels::bf16ToFloat;
    using kernels::f16ToFloat;
    EXPECT_EQ(f16ToFloat(0x3C00), 1.0f);
    EXPECT_EQ(f16ToFloat(0xC000), -2.0f);
    EXPECT_EQ(f16ToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
    EXPECT_EQ(f16ToFloat(0x7BFF), 65504.0f);              // largest normal
    EXPECT_TRUE(std::isinf(f16ToFloat(0x7C00)));
    EXPECT_TRUE(std::isnan(f16ToFloat(0x7E00)));
    EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
    EXPECT_EQ(bf16ToFloat(0xC040), -3.0f);
}

TEST(HalfConversion, RoundTripsAndRoundsToNearestEven) {
    using namespace kernels;
    for (float value : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f, 0.333251953125f})
        EXPECT_EQ(f16ToFloat(floatToF16(value)), value) << value;
    for (float value : {0.0f, 1.0f, -3.0f, std::ldexp(1.5f, 126), 0.0078125f})
        EXPECT_EQ(bf16ToFloat(floatToBf16(value)), value) << value;
    EXPECT_EQ(floatToF16(1.0f + 1.0f / 2048.0f), 0x3C00);               // halfway: to even (down)
    EXPECT_EQ(floatToF16(1.0f + 3.0f / 2048.0f), 0x3C02);               // halfway: to even (up)
    EXPECT_EQ(floatToF16(70000.0f), 0x7C00);                            // overflow
    EXPECT_EQ(f16ToFloat(floatToF16(3.0e-6f)), std::ldexp(50.0f, -24)); // subnormal, nearest
    EXPECT_EQ(floatToBf16(1.0f + 1.0f / 256.0f), 0x3F80);               // halfway: to even
    EXPECT_EQ(floatToBf16(1.0f + 3.0f / 256.0f), 0x3F82);
    EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(std::nanf("")))));
}
