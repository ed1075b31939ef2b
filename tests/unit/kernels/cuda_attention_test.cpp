// SPDX-License-Identifier: Apache-2.0
// Label "gpu": the CUDA attention backend against the CPU backend (itself checked against the dense
// double-precision reference by attention_conformance_test) — outputs, K1 LSE, entropy, K3 column mass,
// K4 block sum and max, K5 last rows, K6 top-k, K7 diagonal sums, exact tiles — over lengths, GQA ratios,
// causal and not, query offsets, windows, head dims and the three input dtypes. Skipped with a message where
// no device answers. (What the CUDA backend refuses is checked in every build by backends_test.cpp.)
#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/cuda_backend.h"

#include "dense_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

using namespace attnscope;
using namespace attnscope::kernels;

namespace {

bool haveDevice(std::string& why) {
    int count = 0;
    const KernelStatus status = cuda::deviceCount(count);
    why = status.message;
    return status.ok() && count > 0;
}

struct Case {
    int queryLength, keyLength, queryHeads, kvHeads, headDim;
    bool causal;
    int64_t queryOffset;
    int window;
    DType dtype;
    int blockSize;
};

std::string describe(const Case& c) {
    return "Tq " + std::to_string(c.queryLength) + " Tk " + std::to_string(c.keyLength) + " Hq " +
           std::to_string(c.queryHeads) + " Hkv " + std::to_string(c.kvHeads) + " d " +
           std::to_string(c.headDim) + (c.causal ? " causal" : " bidirectional") + " offset " +
           std::to_string(c.queryOffset) + " window " + std::to_string(c.window) + " " + dtypeName(c.dtype) +
           " block " + std::to_string(c.blockSize);
}

/// Inputs in the tested dtype's storage: values exactly representable in all three types.
struct Storage {
    std::vector<float> f32;
    std::vector<uint16_t> half;
    TensorView view(DType dtype, int heads, int tokens, int d) const {
        TensorView v;
        v.dtype = dtype;
        v.data = dtype == DType::F32 ? static_cast<const void*>(f32.data()) : half.data();
        v.stride[0] = int64_t(heads) * tokens * d;
        v.stride[1] = int64_t(tokens) * d;
        v.stride[2] = d;
        v.stride[3] = 1;
        return v;
    }
};

Storage storage(std::size_t count, uint32_t seed, DType dtype) {
    Storage s;
    s.f32 = test::exactlyRepresentableRandom(count, seed);
    if (dtype != DType::F32)
        for (float x : s.f32)
            s.half.push_back(dtype == DType::BF16 ? test::encodeBf16(x) : test::encodeF16(x));
    return s;
}

void expectClose(const std::vector<float>& gpu, const std::vector<float>& cpu, const char* what,
                 const std::string& where, double tolerance = 2e-4) {
    ASSERT_EQ(gpu.size(), cpu.size()) << what << ": " << where;
    for (std::size_t i = 0; i < cpu.size(); ++i) {
        if (std::isinf(cpu[i])) {
            ASSERT_EQ(gpu[i], cpu[i]) << what << "[" << i << "]: " << where;
            continue;
        }
        ASSERT_NEAR(gpu[i], cpu[i], tolerance * std::max(1.0f, std::fabs(cpu[i])))
            << what << "[" << i << "]: " << where;
    }
}

/// Normalized mean squared error Σ(gpu − cpu)² / Σ cpu².
double nmse(const std::vector<float>& gpu, const std::vector<float>& cpu) {
    double error = 0, energy = 0;
    for (std::size_t i = 0; i < cpu.size(); ++i) {
        error += (double(gpu[i]) - cpu[i]) * (double(gpu[i]) - cpu[i]);
        energy += double(cpu[i]) * cpu[i];
    }
    return energy > 0 ? error / energy : error;
}

/// K6 keys must agree wherever the CPU's probabilities separate them: within a run of (nearly) equal
/// probabilities the two backends' last-bit differences may order keys differently.
void expectSameTopKeys(const ProbeResult& gpu, const ProbeResult& cpu, const std::string& where) {
    ASSERT_EQ(gpu.topKeys.size(), cpu.topKeys.size()) << where;
    const int k = cpu.topK;
    for (std::size_t i = 0; i < cpu.topKeys.size(); ++i) {
        const std::size_t t = i % k;
        const float p = cpu.topProbabilities[i];
        const bool tiedBefore = t > 0 && std::fabs(cpu.topProbabilities[i - 1] - p) <= 1e-4f * p;
        const bool tiedAfter =
            t + 1 < std::size_t(k) && std::fabs(cpu.topProbabilities[i + 1] - p) <= 1e-4f * p;
        const bool lastTied = t + 1 == std::size_t(k); // the key past the list may tie with it
        if (!tiedBefore && !tiedAfter && !lastTied) {
            ASSERT_EQ(gpu.topKeys[i], cpu.topKeys[i]) << "top-k key [" << i << "]: " << where;
        }
        if (cpu.topKeys[i] < 0) {
            ASSERT_EQ(gpu.topKeys[i], -1) << "top-k key [" << i << "]: " << where;
        }
    }
}

/// Sets ATTNSCOPE_CUDA_TENSOR_CORES for the scope (the backend reads it on every call).
class TensorCoreSetting {
public:
    explicit TensorCoreSetting(const char* value) { setenv("ATTNSCOPE_CUDA_TENSOR_CORES", value, 1); }
    ~TensorCoreSetting() { unsetenv("ATTNSCOPE_CUDA_TENSOR_CORES"); }
};

/// One call's inputs (batch 2, values exact in its dtype) and both backends' outputs and results.
struct ComparedCall {
    AttentionDims dims;
    DType dtype;
    Storage q, k, v;
    std::vector<float> cpuOut, gpuOut;
    ProbeResult cpu, gpu;

    ComparedCall(int queryLength, int keyLength, int queryHeads, int kvHeads, int headDim, bool causal,
                 int64_t queryOffset, int window, DType type, uint32_t seed)
        : dtype(type) {
        dims.batch = 2;
        dims.queryHeads = queryHeads;
        dims.kvHeads = kvHeads;
        dims.queryLength = queryLength;
        dims.keyLength = keyLength;
        dims.headDim = headDim;
        dims.causal = causal;
        dims.queryOffset = queryOffset;
        dims.slidingWindow = window;
        q = storage(std::size_t(2) * queryHeads * queryLength * headDim, seed, dtype);
        k = storage(std::size_t(2) * kvHeads * keyLength * headDim, seed + 1, dtype);
        v = storage(std::size_t(2) * kvHeads * keyLength * headDim, seed + 2, dtype);
    }

    /// Runs `request` on both backends (outputs pre-filled with a value neither writes by accident).
    ::testing::AssertionResult run(const ProbeRequest& request) {
        const int Hq = dims.queryHeads, Tq = dims.queryLength, d = dims.headDim;
        const auto qv = q.view(dtype, Hq, Tq, d);
        const auto kv = k.view(dtype, dims.kvHeads, dims.keyLength, d);
        const auto vv = v.view(dtype, dims.kvHeads, dims.keyLength, d);
        for (auto [out, result, backend] :
             {std::tuple{&cpuOut, &cpu, Backend::Cpu}, std::tuple{&gpuOut, &gpu, Backend::Cuda}}) {
            out->assign(std::size_t(2) * Hq * Tq * d, -7.0f);
            const OutputView view{out->data(), {int64_t(Hq) * Tq * d, int64_t(Tq) * d, d, 1}};
            const KernelStatus status = attention(dims, qv, kv, vv, view, request, *result, backend);
            if (!status.ok())
                return ::testing::AssertionFailure()
                       << (backend == Backend::Cpu ? "cpu: " : "cuda: ") << status.message;
        }
        return ::testing::AssertionSuccess();
    }
};

} // namespace

TEST(CudaAttention, MatchesTheCpuBackend) {
    std::string why;
    if (!haveDevice(why))
        GTEST_SKIP() << "no CUDA device on this machine (" << why << "); GPU test skipped";
    const std::vector<Case> cases = {
        {1, 1, 2, 1, 64, true, 0, 0, DType::F32, 64},
        {7, 7, 4, 2, 64, true, 0, 0, DType::F32, 64},
        {128, 128, 8, 2, 128, true, 0, 0, DType::F32, 64},
        {1000, 1000, 4, 1, 64, true, 0, 0, DType::F32, 64},
        {1000, 1000, 4, 4, 80, false, 0, 0, DType::F32, 16}, // block size not a multiple of 32
        {128, 128, 8, 1, 96, true, 0, 0, DType::F32, 64},    // MQA
        {1, 2048, 8, 2, 128, true, 2047, 0, DType::F32, 64}, // one decode row
        {37, 137, 4, 2, 64, true, 100, 0, DType::F32, 32},   // a prefill chunk
        {300, 300, 4, 2, 64, true, 0, 50, DType::F32, 64},   // sliding window
        {256, 256, 2, 1, 256, true, 0, 0, DType::F32, 64},   // the largest head dim
        {512, 512, 4, 2, 128, true, 0, 0, DType::BF16, 64},
        {512, 512, 4, 2, 128, false, 0, 0, DType::F16, 64},
        {2048, 2048, 2, 1, 64, true, 0, 0, DType::BF16, 64},
        // The tensor-core kernels' head dims, partial tiles, decode rows, chunks, windows, odd blocks.
        {1, 1, 2, 1, 64, true, 0, 0, DType::BF16, 64},
        {7, 7, 4, 2, 80, true, 0, 0, DType::F16, 64},
        {1000, 1000, 4, 1, 96, true, 0, 0, DType::BF16, 128},
        {1000, 1000, 4, 4, 80, false, 0, 0, DType::BF16, 16},
        {256, 256, 2, 1, 256, true, 0, 0, DType::BF16, 64},
        {300, 300, 4, 2, 256, false, 0, 0, DType::F16, 32},
        {1, 2048, 8, 2, 128, true, 2047, 0, DType::BF16, 64},
        {37, 137, 4, 2, 64, true, 100, 0, DType::F16, 32},
        {300, 300, 4, 2, 128, true, 0, 50, DType::BF16, 64},
        {130, 1000, 8, 8, 64, false, 0, 0, DType::F16, 64},
        {700, 700, 8, 2, 48, true, 0, 0, DType::BF16, 64},   // no tensor-core kernel for d 48
        {70, 100, 4, 2, 64, false, 60, 30, DType::BF16, 64}, // rows whose window lies past the last key
    };
    for (const char* tensorCores : {"1", "0"})
        for (const Case& c : cases) {
            const TensorCoreSetting setting(tensorCores);
            const std::string where = describe(c) + " tensor cores " + tensorCores;
            ComparedCall call(c.queryLength, c.keyLength, c.queryHeads, c.kvHeads, c.headDim, c.causal,
                              c.queryOffset, c.window, c.dtype, 1);
            ProbeRequest request;
            request.rowLogSumExp = true;
            request.rowEntropy = true;
            request.columnMass = true;
            request.columnMassRows = {c.queryLength / 3, -1};
            request.blockSize = c.blockSize;
            request.lastRows = std::min(c.queryLength, 3);
            request.diagonalSums = true;
            request.topK =
                std::min(c.keyLength, int(&c - cases.data()) % 3 == 0 ? 32 : 5); // the largest k too
            request.diagonalRows = {c.queryLength / 2, -1};
            request.tiles = {{0, std::min(c.queryLength, 20), 0, std::min(c.keyLength, 30)},
                             {c.queryLength - 1, c.queryLength, c.keyLength / 2, c.keyLength}};
            if (c.queryHeads > 2)
                request.heads = {0, c.queryHeads - 1}; // the others' statistics stay zero on both backends
            ASSERT_TRUE(call.run(request)) << where;
            const std::vector<float>&gpuOut = call.gpuOut, &cpuOut = call.cpuOut;
            const ProbeResult &gpu = call.gpu, &cpu = call.cpu;
            // Tensor cores multiply P rounded to the input type: within the 1e-2 bound of 16-bit inputs.
            const bool sixteenBit = c.dtype != DType::F32;
            expectClose(gpuOut, cpuOut, "output", where, sixteenBit ? 1e-2 : 2e-4);
            EXPECT_LE(nmse(gpuOut, cpuOut), sixteenBit ? 1e-4 : 1e-9) << where;
            expectClose(gpu.rowLogSumExp, cpu.rowLogSumExp, "lse", where);
            expectClose(gpu.rowEntropy, cpu.rowEntropy, "entropy", where);
            expectClose(gpu.columnMass, cpu.columnMass, "column mass", where);
            EXPECT_EQ(gpu.blockRows, cpu.blockRows) << where;
            EXPECT_EQ(gpu.blockCols, cpu.blockCols) << where;
            expectClose(gpu.blockSum, cpu.blockSum, "block sum", where);
            expectClose(gpu.blockMax, cpu.blockMax, "block max", where);
            EXPECT_EQ(gpu.lastRows, cpu.lastRows) << where;
            expectClose(gpu.lastRowProbabilities, cpu.lastRowProbabilities, "last rows", where);
            EXPECT_EQ(gpu.diagonalCount, cpu.diagonalCount) << where;
            EXPECT_EQ(gpu.diagonalOrigin, cpu.diagonalOrigin) << where;
            expectClose(gpu.diagonalSums, cpu.diagonalSums, "diagonal sums", where);
            ASSERT_EQ(gpu.topK, cpu.topK) << where;
            expectClose(gpu.topProbabilities, cpu.topProbabilities, "top-k probabilities", where);
            expectSameTopKeys(gpu, cpu, where);
            ASSERT_EQ(gpu.tiles.size(), cpu.tiles.size()) << where;
            for (std::size_t t = 0; t < cpu.tiles.size(); ++t)
                expectClose(gpu.tiles[t], cpu.tiles[t], "tile", where);
        }
}

namespace {

/// One masked or intervened configuration: which mask, which interventions, on which shapes.
struct ModifiedCase {
    int queryLength, keyLength, queryHeads, kvHeads, headDim;
    bool causal;
    int64_t queryOffset;
    int window;
    DType dtype;
    AttentionMask::Kind mask;
    int maskBlockSize;
    bool perHead, measureOnly, bias, biasPerHead, scale, scalePerHead;
};

/// Fills the arrays a mask of `kind` points at: deterministic, a fraction of the keys kept, key 0 always.
struct MaskStorage {
    std::vector<uint8_t> cells;
    std::vector<int64_t> offsets;
    std::vector<int32_t> keys;

    AttentionMask build(const ModifiedCase& c) {
        AttentionMask mask;
        mask.kind = c.mask;
        mask.perHead = c.perHead;
        mask.measureOnly = c.measureOnly;
        const int heads = c.perHead ? c.queryHeads : 1;
        switch (c.mask) {
        case AttentionMask::Kind::Block: {
            const int B = mask.blockSize = c.maskBlockSize;
            const int rows = (c.queryLength + B - 1) / B, cols = (c.keyLength + B - 1) / B;
            for (int h = 0; h < heads; ++h)
                for (int i = 0; i < rows; ++i)
                    for (int j = 0; j < cols; ++j)
                        cells.push_back(j == 0 || j == i || (i * 7 + j * 3 + h) % 5 < 2);
            mask.blocks = cells.data();
            break;
        }
        case AttentionMask::Kind::Columns:
            for (int h = 0; h < heads; ++h)
                for (int j = 0; j < c.keyLength; ++j)
                    cells.push_back(j == 0 || (j * 13 + h) % 3 == 0);
            mask.columns = cells.data();
            break;
        case AttentionMask::Kind::RowKeys:
            offsets.push_back(5); // lists need not start at 0: the CUDA host side rebases them
            keys.assign(5, -1);
            for (int h = 0; h < heads; ++h)
                for (int i = 0; i < c.queryLength; ++i) {
                    for (int j = c.keyLength - 1; j > 0; j -= 1 + (i + j + h) % 4) { // descending
                        keys.push_back(j);
                        if (j % 10 == 0)
                            keys.push_back(j); // listed twice: still one key
                    }
                    keys.push_back(0);
                    offsets.push_back(static_cast<int64_t>(keys.size()));
                }
            mask.rowOffsets = offsets.data();
            mask.rowKeys = keys.data();
            break;
        case AttentionMask::Kind::None:
            break;
        }
        return mask;
    }
};

} // namespace

TEST(CudaAttention, MasksAndInterventionsMatchTheCpuBackend) {
    std::string why;
    if (!haveDevice(why))
        GTEST_SKIP() << "no CUDA device on this machine (" << why << "); GPU test skipped";
    using Kind = AttentionMask::Kind;
    // Columns: Tq, Tk, Hq, Hkv, d, causal, offset, window, dtype, mask, mask block, per-head mask,
    // measure only, bias, per-head bias, scale, per-head scale.
    // clang-format off
    const std::vector<ModifiedCase> cases = {
        {200, 200, 4, 2, 64, true, 0, 0, DType::F32, Kind::Block, 16, false, false, false, false, false, false},
        {200, 200, 4, 2, 64, true, 0, 0, DType::F32, Kind::Block, 24, true, true, false, false, false, false},
        {300, 300, 4, 1, 128, false, 0, 0, DType::F32, Kind::Columns, 0, true, false, false, false, false, false},
        {150, 150, 8, 2, 64, true, 0, 0, DType::BF16, Kind::RowKeys, 0, false, false, false, false, false, false},
        {150, 150, 4, 4, 80, true, 0, 0, DType::F16, Kind::RowKeys, 0, true, true, false, false, false, false},
        {120, 200, 4, 2, 64, false, 0, 0, DType::F32, Kind::RowKeys, 0, true, false, false, false, false, false},
        {257, 257, 4, 2, 64, true, 0, 0, DType::F32, Kind::None, 0, false, false, true, false, false, false},
        {257, 257, 4, 2, 64, false, 0, 0, DType::BF16, Kind::None, 0, false, false, true, true, false, false},
        {257, 257, 4, 2, 128, true, 0, 0, DType::F32, Kind::None, 0, false, false, false, false, true, false},
        {257, 257, 4, 2, 64, true, 0, 0, DType::BF16, Kind::None, 0, false, false, false, false, true, true},
        // All at once; a prefill chunk; a window; rows whose window lies past the last key.
        {190, 190, 4, 2, 64, true, 0, 0, DType::F32, Kind::Columns, 0, false, false, true, true, true, false},
        {37, 137, 4, 2, 64, true, 100, 0, DType::F32, Kind::Block, 48, false, false, true, false, true, false},
        {37, 137, 4, 2, 64, true, 100, 0, DType::BF16, Kind::RowKeys, 0, true, false, false, false, true, true},
        {300, 300, 4, 2, 64, true, 0, 50, DType::F32, Kind::Columns, 0, false, true, false, false, true, false},
        {70, 100, 4, 2, 64, false, 60, 30, DType::F32, Kind::Block, 16, false, false, true, true, true, true},
    };
    // clang-format on
    for (const char* tensorCores : {"1", "0"}) // masked or intervened calls never take the tensor cores
        for (const ModifiedCase& c : cases) {
            const TensorCoreSetting setting(tensorCores);
            const std::string where =
                "case " + std::to_string(&c - cases.data()) + " tensor cores " + tensorCores;
            ComparedCall call(c.queryLength, c.keyLength, c.queryHeads, c.kvHeads, c.headDim, c.causal,
                              c.queryOffset, c.window, c.dtype, 4);
            ProbeRequest request;
            request.rowLogSumExp = true;
            request.rowEntropy = true;
            request.columnMass = true;
            request.topK = 4;
            request.heads = {0, c.queryHeads - 1};
            MaskStorage maskStorage;
            request.mask = maskStorage.build(c);
            std::vector<float> bias(std::size_t(c.biasPerHead ? c.queryHeads : 1) * c.keyLength),
                scale(std::size_t(c.scalePerHead ? c.queryHeads : 1) * c.keyLength, 1.0f);
            for (std::size_t j = 0; j < bias.size(); ++j)
                bias[j] = j % 7 == 0 ? 1.5f : (j % 11 == 0 ? -2.0f : 0.0f);
            for (std::size_t j = 0; j < scale.size(); j += 9) // ACT-like: damp some keys, keep the rest
                scale[j] = 0.25f + 0.5f * float(j % 2);
            if (c.bias) {
                request.intervention.columnLogitBias = bias.data();
                request.intervention.biasPerHead = c.biasPerHead;
            }
            if (c.scale) {
                request.intervention.columnScale = scale.data();
                request.intervention.scalePerHead = c.scalePerHead;
            }
            ASSERT_TRUE(call.run(request)) << where;
            const std::vector<float>&gpuOut = call.gpuOut, &cpuOut = call.cpuOut;
            const ProbeResult &gpu = call.gpu, &cpu = call.cpu;
            // Both backends accumulate in fp32 from the same inputs here (no tensor cores).
            expectClose(gpuOut, cpuOut, "output", where);
            EXPECT_LE(nmse(gpuOut, cpuOut), 1e-9) << where;
            expectClose(gpu.rowLogSumExp, cpu.rowLogSumExp, "lse", where);
            expectClose(gpu.rowEntropy, cpu.rowEntropy, "entropy", where);
            expectClose(gpu.columnMass, cpu.columnMass, "column mass", where);
            expectClose(gpu.topProbabilities, cpu.topProbabilities, "top-k probabilities", where);
            expectSameTopKeys(gpu, cpu, where);
            expectClose(gpu.maskRecall, cpu.maskRecall, "mask recall", where);
            expectClose(gpu.maskOutputError, cpu.maskOutputError, "mask output error", where, 1e-3);
            if (c.mask != Kind::None) { // the masks above really drop attention mass (selected heads)
                double recall = 0;
                int rows = 0;
                for (int b = 0; b < 2; ++b)
                    for (int h : request.heads)
                        for (int i = 0; i < c.queryLength; ++i, ++rows)
                            recall += cpu.maskRecall[(std::size_t(b) * c.queryHeads + h) * c.queryLength + i];
                EXPECT_LT(recall / rows, 0.99) << where;
            }
        }
}
