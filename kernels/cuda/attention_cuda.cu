// SPDX-License-Identifier: Apache-2.0
// The CUDA attention backend, first version: the same semantics as the CPU backend (GQA, causal, query
// offset, sliding window, scale; f32/bf16/f16 inputs; fp32 accumulation) with the statistics the
// analyses use most, computed inside the kernels:
//   pass 1 — output, K1 row log-sum-exp and row entropy by the online softmax (one warp per query row,
//            32 keys per step, one key per lane);
//   pass 2 — with the final LSE: K3 column mass over a row range, K4 block sum and max, K5 last rows,
//            K6 top-k keys, K7 diagonal sums and exact probability tiles.
// K8 masks and the interventions (column logit bias, ACT's column scale) run here too, in a variant of
// pass 1 with the extra accumulators (attention_cuda_modifiers.cuh); top-k above 32 is refused by name
// (the CPU backend has it). These are the CUDA-core kernels: f32 inputs, head dims without a tensor-core
// kernel, masked or intervened calls, and everything when ATTNSCOPE_CUDA_TENSOR_CORES=0; other bf16/f16
// calls go to attention_cuda_mma.cu.
//
// NOT YET RUN ON A GPU: compiled for sm_80 and sm_90 in CI; tests/unit/kernels/cuda_attention_test.cpp
// (label gpu) compares it with the CPU backend on a machine with a device.
#include "attention_cuda_common.cuh"
#include "attention_cuda_mma.cuh"
#include "attention_cuda_modifiers.cuh"
#include "cuda_buffer.cuh"
#include "cuda_check.cuh"

#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/cuda_backend.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace attnscope::kernels {

namespace {

using cuda_detail::DeviceBuffer;
using cuda_detail::DeviceDims;
using cuda_detail::DeviceModifiers;
using cuda_detail::keysOfRows;
using cuda_detail::recordRowStatistics;
using cuda_detail::toFloat;
using cuda_detail::visibleKeys;

constexpr int kWarps = 4; ///< query rows per thread block, one warp each
constexpr int kKeys = 32; ///< keys per step, one per lane
constexpr int kMaxDim = 256;
constexpr int kDimsPerLane = kMaxDim / 32;

template <typename F>
__device__ inline F warpSum(F x) {
    for (int offset = 16; offset > 0; offset >>= 1)
        x += __shfl_xor_sync(0xffffffffu, x, offset);
    return x;
}

__device__ inline float warpMax(float x) {
    for (int offset = 16; offset > 0; offset >>= 1)
        x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, offset));
    return x;
}

/// What one warp's query row needs in either pass: its row, where its K/V head starts, the keys it sees
/// and the keys the whole block walks through; its scaled query is loaded into shared memory.
struct RowSetup {
    int row;
    bool active;
    long long head, rowIndex, kvBase;
    int begin = 0, end = 0, tileBegin = 0, tileEnd = 0;
};

template <typename T>
__device__ inline RowSetup setUpRow(const DeviceDims& d, const T* q, float* queries) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, D = d.headDim;
    const int h = blockIdx.y, b = blockIdx.z;
    const int firstRow = blockIdx.x * kWarps;
    const int lastRow = min(firstRow + kWarps, d.queryLength) - 1;
    RowSetup r;
    r.row = firstRow + warp;
    r.active = r.row < d.queryLength;
    const int kvHead = h / (d.queryHeads / d.kvHeads);
    r.head = static_cast<long long>(b) * d.queryHeads + h;
    r.rowIndex = r.head * d.queryLength + r.row;
    r.kvBase = (static_cast<long long>(b) * d.kvHeads + kvHead) * d.keyLength * D;
    if (r.active) {
        for (int c = lane; c < D; c += 32)
            queries[warp * D + c] = toFloat(q[r.rowIndex * D + c]) * d.scale;
        visibleKeys(d, d.queryOffset + r.row, r.begin, r.end);
    }
    keysOfRows(d, firstRow, lastRow, kKeys, r.tileBegin, r.tileEnd);
    return r;
}

/// Pass 1. Q, K, V packed as [batch, heads, tokens, headDim]; out, lse, entropy likewise (fp32).
/// Grid: (ceil(queryLength / kWarps), queryHeads, batch); block: kWarps * 32 threads. `Modified`
/// compiles in the K8 mask and the interventions of `mod` (the plain variant keeps its registers).
template <typename T, bool Modified>
__global__ void attentionFirstPass(DeviceDims d, const T* q, const T* k, const T* v, float* out, float* lse,
                                   float* entropy, const unsigned char* statsHead, DeviceModifiers mod) {
    extern __shared__ float shared[];
    const int D = d.headDim;
    float* keys = shared;                // [kKeys][D]
    float* values = keys + kKeys * D;    // [kKeys][D]
    float* queries = values + kKeys * D; // [kWarps][D], scaled
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int h = blockIdx.y;
    const RowSetup r = setUpRow(d, q, queries);
    const bool active = r.active;
    const long long rowIndex = r.rowIndex, kvBase = r.kvBase;
    const int begin = r.begin, end = r.end, tileBegin = r.tileBegin, tileEnd = r.tileEnd;

    float m = -INFINITY, l = 0.0f, weighted = 0.0f; // running max, sum of exp, sum of exp * logit
    float acc[kDimsPerLane];
    // Modified: the masked softmax's sum and output (K8); for calibration, the sums over scaled keys
    // of exp and of c * exp, and their outputs (as the CPU backend's RowState).
    const bool masked = Modified && mod.masked(), calibrated = Modified && bool(mod.columnScale);
    float maskSum = 0.0f, scaledRaw = 0.0f, scaledSum = 0.0f;
    float maskAcc[kDimsPerLane], rawAcc[kDimsPerLane], scaledAcc[kDimsPerLane];
    for (int t = 0; t < kDimsPerLane; ++t) {
        acc[t] = 0.0f;
        maskAcc[t] = rawAcc[t] = scaledAcc[t] = 0.0f;
    }
    for (int k0 = tileBegin; k0 < tileEnd; k0 += kKeys) {
        __syncthreads(); // the previous step's tiles are no longer read
        for (int index = threadIdx.x; index < kKeys * D; index += blockDim.x) {
            const int key = k0 + index / D, c = index % D;
            const bool inside = key < tileEnd;
            keys[index] = inside ? toFloat(k[kvBase + static_cast<long long>(key) * D + c]) : 0.0f;
            values[index] = inside ? toFloat(v[kvBase + static_cast<long long>(key) * D + c]) : 0.0f;
        }
        __syncthreads();
        if (!active)
            continue;
        const int key = k0 + lane;
        float s = -INFINITY;
        if (key >= begin && key < end) {
            const float* keyRow = keys + lane * D;
            const float* queryRow = queries + warp * D;
            float dot = 0.0f;
            for (int c = 0; c < D; ++c)
                dot += queryRow[c] * keyRow[c];
            s = Modified ? dot + mod.logitBias.at(d, h, key, 0.0f) : dot;
        }
        const float stepMax = warpMax(s);
        if (stepMax == -INFINITY)
            continue; // nothing visible in this step (warp-uniform)
        const float mNew = fmaxf(m, stepMax);
        const float correction = m == -INFINITY ? 0.0f : expf(m - mNew);
        const float p = s == -INFINITY ? 0.0f : expf(s - mNew);
        l = l * correction + warpSum(p);
        weighted = weighted * correction + warpSum(p > 0.0f ? p * s : 0.0f);
        float pMasked = 0.0f, pRaw = 0.0f, pScaled = 0.0f;
        if (masked) {
            pMasked = p * cuda_detail::maskKeeps(mod, d, h, r.row, k0, lane);
            maskSum = maskSum * correction + warpSum(pMasked);
        }
        if (calibrated) {
            const float c = mod.columnScale.at(d, h, key, 1.0f);
            pRaw = c != 1.0f ? p : 0.0f;
            pScaled = c != 1.0f ? p * c : 0.0f;
            scaledRaw = scaledRaw * correction + warpSum(pRaw);
            scaledSum = scaledSum * correction + warpSum(pScaled);
        }
        for (int t = 0; t < kDimsPerLane; ++t) {
            acc[t] *= correction;
            if (masked)
                maskAcc[t] *= correction;
            if (calibrated) {
                rawAcc[t] *= correction;
                scaledAcc[t] *= correction;
            }
        }
        for (int j = 0; j < kKeys; ++j) {
            const float pj = __shfl_sync(0xffffffffu, p, j);
            float mj = 0.0f, rj = 0.0f, sj = 0.0f;
            if (Modified) {
                mj = __shfl_sync(0xffffffffu, pMasked, j);
                rj = __shfl_sync(0xffffffffu, pRaw, j);
                sj = __shfl_sync(0xffffffffu, pScaled, j);
            }
            if (pj == 0.0f)
                continue; // the others are 0 too (warp-uniform)
            const float* valueRow = values + j * D;
            for (int t = 0; t < kDimsPerLane; ++t) {
                const int c = lane + 32 * t;
                if (c < D) {
                    acc[t] += pj * valueRow[c];
                    if (masked)
                        maskAcc[t] += mj * valueRow[c];
                    if (calibrated) {
                        rawAcc[t] += rj * valueRow[c];
                        scaledAcc[t] += sj * valueRow[c];
                    }
                }
            }
        }
        m = mNew;
    }
    if (!active)
        return;
    const bool stats = statsHead[h] != 0;
    const float inverse = l > 0.0f ? 1.0f / l : 0.0f;
    float o[kDimsPerLane];
    for (int t = 0; t < kDimsPerLane; ++t)
        o[t] = acc[t] * inverse;
    if (calibrated && l > 0.0f) {
        // ACT: scaled keys keep c * P; the others share 1 - sum(c P) in proportion to P. A row that sees
        // only scaled keys has nothing to redistribute to and stays as it was.
        const float rawMass = scaledRaw * inverse, keptMass = scaledSum * inverse;
        if (rawMass < 1.0f - 1e-6f) {
            const float rest = (1.0f - keptMass) / (1.0f - rawMass);
            for (int t = 0; t < kDimsPerLane; ++t)
                o[t] = (scaledAcc[t] + rest * (acc[t] - rawAcc[t])) * inverse;
        }
    }
    if (masked && l > 0.0f) {
        double difference = 0.0, norm = 0.0;
        for (int t = 0; t < kDimsPerLane; ++t) {
            if (lane + 32 * t >= D)
                continue;
            const float dense = acc[t] * inverse;
            const float maskedValue = maskSum > 0.0f ? maskAcc[t] / maskSum : 0.0f;
            difference += static_cast<double>(maskedValue - dense) * (maskedValue - dense);
            norm += static_cast<double>(dense) * dense;
            if (!mod.measureOnly)
                o[t] = maskedValue;
        }
        difference = warpSum(difference);
        norm = warpSum(norm);
        if (lane == 0 && stats) {
            mod.maskRecall[rowIndex] = maskSum * inverse;
            mod.maskOutputError[rowIndex] =
                norm > 0.0 ? static_cast<float>(sqrt(difference / norm)) : (difference > 0.0 ? 1.0f : 0.0f);
        }
    }
    for (int t = 0; t < kDimsPerLane; ++t) {
        const int c = lane + 32 * t;
        if (c < D)
            out[rowIndex * D + c] = o[t];
    }
    if (lane == 0 && stats)
        cuda_detail::writeRowStatistics(lse, entropy, rowIndex, m, l, weighted);
}

/// Pass 2: P_ij = exp(s_ij - LSE_i) again, for K3 column mass over rows [massBegin, massEnd), K4
/// block sums and maxima, K5 last rows, K6 top-k, K7 diagonal sums and exact tiles. Sums are accumulated with
/// atomics (their order, and so the last bits, varies run to run on the GPU).
template <typename T>
__global__ void attentionSecondPass(DeviceDims d, const T* q, const T* k, const unsigned char* statsHead,
                                    cuda_detail::DeviceStatistics s, DeviceModifiers mod) {
    const int h = blockIdx.y;
    if (!statsHead[h])
        return; // block-uniform: no barrier is skipped by part of the block
    extern __shared__ float shared[];
    const int D = d.headDim;
    float* keys = shared;                  // [kKeys][D]
    float* queries = keys + kKeys * D;     // [kWarps][D], scaled
    float* partial = queries + kWarps * D; // [kWarps][kKeys] column-mass contributions
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const RowSetup r = setUpRow(d, q, queries);
    const int row = r.row;
    const bool active = r.active;
    const long long head = r.head, rowIndex = r.rowIndex, kvBase = r.kvBase;
    const int begin = r.begin, end = r.end, tileBegin = r.tileBegin, tileEnd = r.tileEnd;
    const float rowLse = active ? s.lse[rowIndex] : -INFINITY;
    float* columnMass = s.columnMass;
    float* blockSum = s.blockSum;
    float* blockMax = s.blockMax;
    const int blockSize = s.blockSize, blockRows = s.blockRows, blockCols = s.blockCols;
    const bool rowStatistics = s.lastRowProbabilities || s.diagonalSums || s.tileCount > 0;
    const bool inMass = columnMass && active && row >= s.massBegin && row < s.massEnd;
    cuda_detail::TopKeys top;
    top.reset(s.topK);
    for (int k0 = tileBegin; k0 < tileEnd; k0 += kKeys) {
        __syncthreads();
        for (int index = threadIdx.x; index < kKeys * D; index += blockDim.x) {
            const int key = k0 + index / D, c = index % D;
            keys[index] = key < tileEnd ? toFloat(k[kvBase + static_cast<long long>(key) * D + c]) : 0.0f;
        }
        __syncthreads();
        const int key = k0 + lane;
        float p = 0.0f;
        if (active && key >= begin && key < end && rowLse != -INFINITY) {
            const float* keyRow = keys + lane * D;
            const float* queryRow = queries + warp * D;
            float dot = 0.0f;
            for (int c = 0; c < D; ++c)
                dot += queryRow[c] * keyRow[c];
            dot += mod.logitBias.at(d, h, key, 0.0f); // statistics describe the biased softmax
            p = expf(dot - rowLse);
            if (s.topK > 0)
                top.insert(s.topK, dot, key);
        }
        if (rowStatistics && p > 0.0f)
            recordRowStatistics(s, d, head, row, key, p);
        if (columnMass) {
            partial[warp * kKeys + lane] = inMass ? p : 0.0f;
            __syncthreads();
            if (warp == 0 && key < d.keyLength) {
                float sum = 0.0f;
                for (int w = 0; w < kWarps; ++w)
                    sum += partial[w * kKeys + lane];
                if (sum > 0.0f)
                    atomicAdd(columnMass + head * d.keyLength + key, sum);
            }
        }
        if (blockSum && active) {
            float* sums =
                blockSum + head * blockRows * blockCols + static_cast<long long>(row / blockSize) * blockCols;
            float* maxima =
                blockMax + head * blockRows * blockCols + static_cast<long long>(row / blockSize) * blockCols;
            if (blockSize % kKeys == 0) {
                // The step's 32 keys lie in one key block: one atomic per row and step.
                const float sum = warpSum(p), top = warpMax(p);
                if (lane == 0 && top > 0.0f && k0 < d.keyLength) {
                    atomicAdd(sums + k0 / blockSize, sum);
                    atomicMax(reinterpret_cast<int*>(maxima + k0 / blockSize), __float_as_int(top));
                }
            } else if (p > 0.0f) {
                atomicAdd(sums + key / blockSize, p);
                // P >= 0: the bit patterns of non-negative floats order like the values.
                atomicMax(reinterpret_cast<int*>(maxima + key / blockSize), __float_as_int(p));
            }
        }
    }
    if (s.topK > 0) {
        for (int laneMask = 1; laneMask < 32; laneMask <<= 1) // the row's 32 lanes, each with its keys
            top.mergeWithLane(s.topK, laneMask);
        if (lane == 0 && active && rowLse != -INFINITY)
            top.write(s.topK, s, rowIndex, rowLse);
    }
}

std::size_t elementSize(DType dtype) {
    return dtype == DType::F32 ? 4 : 2;
}

/// Copies a strided [batch, heads, tokens, d] view into a packed host buffer of the same element type.
std::vector<unsigned char> pack(const TensorView& view, int batch, int heads, int tokens, int d) {
    const std::size_t size = elementSize(view.dtype);
    std::vector<unsigned char> packed(static_cast<std::size_t>(batch) * heads * tokens * d * size);
    const auto* source = static_cast<const unsigned char*>(view.data);
    std::size_t at = 0;
    for (int b = 0; b < batch; ++b)
        for (int h = 0; h < heads; ++h)
            for (int t = 0; t < tokens; ++t) {
                const int64_t row = b * view.stride[0] + h * view.stride[1] + t * view.stride[2];
                if (view.stride[3] == 1) {
                    std::memcpy(packed.data() + at, source + row * static_cast<int64_t>(size), d * size);
                    at += d * size;
                } else
                    for (int c = 0; c < d; ++c, at += size)
                        std::memcpy(packed.data() + at,
                                    source + (row + c * view.stride[3]) * static_cast<int64_t>(size), size);
            }
    return packed;
}

/// Ends every refusal of a request the CUDA kernels do not compute yet (cuda::notComputedOnCudaYet).
constexpr const char* kUseTheCpu = "; use the CPU backend";

KernelStatus unsupportedOnCuda(const char* field) {
    return KernelStatus::unsupported(std::string("backend cuda: ") + field +
                                     " is not computed by the CUDA kernels yet" + kUseTheCpu);
}

/// The CUDA-core kernels of one call (no synchronization).
template <typename T, bool Modified>
KernelStatus launchFirstPass(const DeviceDims& d, dim3 grid, dim3 block, const void* q, const void* k,
                             const void* v, float* out, const unsigned char* statsHead,
                             const cuda_detail::DeviceStatistics& s, const DeviceModifiers& mod) {
    const std::size_t shared = (2 * kKeys + kWarps) * d.headDim * sizeof(float);
    ATTNSCOPE_CUDA_CHECK(cudaFuncSetAttribute(attentionFirstPass<T, Modified>,
                                              cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              static_cast<int>(shared)));
    attentionFirstPass<T, Modified>
        <<<grid, block, shared>>>(d, static_cast<const T*>(q), static_cast<const T*>(k),
                                  static_cast<const T*>(v), out, s.lse, s.entropy, statsHead, mod);
    ATTNSCOPE_CUDA_CHECK(cudaGetLastError());
    return KernelStatus::success();
}

template <typename T>
KernelStatus launchSimt(const DeviceDims& d, int batch, const void* q, const void* k, const void* v,
                        float* out, const unsigned char* statsHead, const cuda_detail::DeviceStatistics& s,
                        const DeviceModifiers& mod) {
    const dim3 grid((d.queryLength + kWarps - 1) / kWarps, d.queryHeads, batch);
    const dim3 block(kWarps * 32);
    const KernelStatus first =
        mod.any() ? launchFirstPass<T, true>(d, grid, block, q, k, v, out, statsHead, s, mod)
                  : launchFirstPass<T, false>(d, grid, block, q, k, v, out, statsHead, s, mod);
    if (!first.ok())
        return first;
    if (s.secondPass()) {
        const std::size_t secondShared = ((kKeys + kWarps) * d.headDim + kWarps * kKeys) * sizeof(float);
        ATTNSCOPE_CUDA_CHECK(cudaFuncSetAttribute(attentionSecondPass<T>,
                                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                  static_cast<int>(secondShared)));
        attentionSecondPass<T><<<grid, block, secondShared>>>(d, static_cast<const T*>(q),
                                                              static_cast<const T*>(k), statsHead, s, mod);
        ATTNSCOPE_CUDA_CHECK(cudaGetLastError());
    }
    return KernelStatus::success();
}

/// What the kernels do not compute yet, and calls no device can take: refused before any allocation.
KernelStatus refuseUnsupported(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                               const TensorView& v, const ProbeRequest& request) {
    if (request.topK > cuda_detail::kMaxTopK)
        return KernelStatus::unsupported("backend cuda: topK (K6) above " +
                                         std::to_string(cuda_detail::kMaxTopK) +
                                         " is not computed by the CUDA kernels" + kUseTheCpu);
    if (q.dtype != k.dtype || k.dtype != v.dtype)
        return unsupportedOnCuda("mixed input dtypes");
    if (dims.headDim > kMaxDim)
        return unsupportedOnCuda("headDim > 256");
    int devices = 0;
    if (auto status = cuda::deviceCount(devices); !status.ok())
        return status;
    if (devices == 0)
        return KernelStatus::unsupported("backend cuda: no CUDA device on this machine");
    return KernelStatus::success();
}

/// One call's inputs and results on the device: uploaded once, launched once or many times (timing).
struct DeviceCall {
    DeviceBuffer q, k, v, out, lse, entropy, headFlags, mass, sum, max, lastRows, diagonals, tiles,
        tileOffsets, tileData, topKeys, topProbabilities;
    DeviceDims d{};
    int batch = 1;
    DType dtype = DType::F32;
    int64_t rows = 0, heads = 0;
    std::size_t massBytes = 0, gridBytes = 0, lastRowBytes = 0, diagonalBytes = 0, tileBytes = 0,
                topBytes = 0;
    std::vector<long long> tileStarts; ///< where each exact tile's data starts in tileData (floats)
    cuda_detail::DeviceStatistics statistics;
    cuda_detail::ModifierBuffers modifierBuffers;
    DeviceModifiers modifiers;
};

KernelStatus prepareCall(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                         const TensorView& v, const ProbeRequest& request, DeviceCall& call) {
    const int D = dims.headDim;
    call.batch = dims.batch;
    call.dtype = q.dtype;
    call.heads = static_cast<int64_t>(dims.batch) * dims.queryHeads;
    call.rows = call.heads * dims.queryLength;
    std::vector<unsigned char> statsHead(dims.queryHeads, request.heads.empty() ? 1 : 0);
    for (int h : request.heads)
        statsHead[h] = 1;
    const bool secondPass = request.columnMass || request.blockSize > 0 || request.lastRows > 0 ||
                            request.diagonalSums || !request.tiles.empty() || request.topK > 0;
    const bool lseNeeded = request.rowLogSumExp || secondPass;
    int blockRows = 0, blockCols = 0;
    if (request.blockSize > 0) {
        blockRows = (dims.queryLength + request.blockSize - 1) / request.blockSize;
        blockCols = (dims.keyLength + request.blockSize - 1) / request.blockSize;
    }

    const auto hostQ = pack(q, dims.batch, dims.queryHeads, dims.queryLength, D);
    const auto hostK = pack(k, dims.batch, dims.kvHeads, dims.keyLength, D);
    const auto hostV = pack(v, dims.batch, dims.kvHeads, dims.keyLength, D);
    const std::size_t outBytes = static_cast<std::size_t>(call.rows) * D * sizeof(float);
    const std::size_t rowBytes = static_cast<std::size_t>(call.rows) * sizeof(float);
    call.massBytes = request.columnMass ? call.heads * dims.keyLength * sizeof(float) : 0;
    call.gridBytes = static_cast<std::size_t>(call.heads) * blockRows * blockCols * sizeof(float);
    call.lastRowBytes =
        static_cast<std::size_t>(call.heads) * request.lastRows * dims.keyLength * sizeof(float);
    const int diagonalCount =
        request.diagonalSums ? static_cast<int>(dims.queryOffset + dims.queryLength + dims.keyLength - 1) : 0;
    call.diagonalBytes = static_cast<std::size_t>(call.heads) * diagonalCount * sizeof(float);
    long long tileFloats = 0;
    for (const TileRequest& tile : request.tiles) {
        call.tileStarts.push_back(tileFloats);
        tileFloats += call.heads * (tile.rowEnd - tile.rowBegin) * (tile.colEnd - tile.colBegin);
    }
    call.tileBytes = static_cast<std::size_t>(tileFloats) * sizeof(float);
    call.topBytes =
        static_cast<std::size_t>(call.rows) * request.topK * sizeof(float); // int32 and float alike
    const std::size_t tileRequestBytes = request.tiles.size() * sizeof(TileRequest);
    const std::size_t tileOffsetBytes = call.tileStarts.size() * sizeof(long long);
    for (auto [buffer, bytes, zero] :
         {std::tuple{&call.q, hostQ.size(), false}, std::tuple{&call.k, hostK.size(), false},
          std::tuple{&call.v, hostV.size(), false}, std::tuple{&call.out, outBytes, false},
          std::tuple{&call.lse, lseNeeded ? rowBytes : 0, true},
          std::tuple{&call.entropy, request.rowEntropy ? rowBytes : 0, true},
          std::tuple{&call.headFlags, statsHead.size(), false}, std::tuple{&call.mass, call.massBytes, true},
          std::tuple{&call.sum, call.gridBytes, true}, std::tuple{&call.max, call.gridBytes, true},
          std::tuple{&call.lastRows, call.lastRowBytes, true},
          std::tuple{&call.diagonals, call.diagonalBytes, true},
          std::tuple{&call.tiles, tileRequestBytes, false},
          std::tuple{&call.tileOffsets, tileOffsetBytes, false},
          std::tuple{&call.tileData, call.tileBytes, true}, std::tuple{&call.topKeys, call.topBytes, false},
          std::tuple{&call.topProbabilities, call.topBytes, true}})
        if (auto status = buffer->allocate(bytes, zero); !status.ok())
            return status;
    for (auto [buffer, host] :
         {std::pair{&call.q, &hostQ}, std::pair{&call.k, &hostK}, std::pair{&call.v, &hostV}})
        if (!host->empty()) // zero query rows or keys: nothing to copy (and no allocation to copy to)
            ATTNSCOPE_CUDA_CHECK(
                cudaMemcpy(buffer->as<void>(), host->data(), host->size(), cudaMemcpyHostToDevice));
    ATTNSCOPE_CUDA_CHECK(
        cudaMemcpy(call.headFlags.as<void>(), statsHead.data(), statsHead.size(), cudaMemcpyHostToDevice));
    if (call.topBytes > 0) // -1: no key (rows that see none keep it)
        ATTNSCOPE_CUDA_CHECK(cudaMemset(call.topKeys.as<void>(), 0xff, call.topBytes));
    if (!request.tiles.empty()) {
        ATTNSCOPE_CUDA_CHECK(cudaMemcpy(call.tiles.as<void>(), request.tiles.data(), tileRequestBytes,
                                        cudaMemcpyHostToDevice));
        ATTNSCOPE_CUDA_CHECK(cudaMemcpy(call.tileOffsets.as<void>(), call.tileStarts.data(), tileOffsetBytes,
                                        cudaMemcpyHostToDevice));
    }

    call.d = DeviceDims{dims.queryHeads,
                        dims.kvHeads,
                        dims.queryLength,
                        dims.keyLength,
                        D,
                        dims.causal,
                        dims.queryOffset,
                        dims.scale > 0 ? dims.scale : 1.0f / std::sqrt(float(D)),
                        dims.slidingWindow};
    cuda_detail::DeviceStatistics& s = call.statistics;
    s.lse = lseNeeded ? call.lse.as<float>() : nullptr;
    s.entropy = request.rowEntropy ? call.entropy.as<float>() : nullptr;
    s.columnMass = request.columnMass ? call.mass.as<float>() : nullptr;
    s.massBegin = request.columnMassRows.begin;
    s.massEnd = request.columnMassRows.end < 0 ? dims.queryLength
                                               : std::min(request.columnMassRows.end, dims.queryLength);
    s.blockSum = request.blockSize > 0 ? call.sum.as<float>() : nullptr;
    s.blockMax = request.blockSize > 0 ? call.max.as<float>() : nullptr;
    s.blockSize = request.blockSize;
    s.blockRows = blockRows;
    s.blockCols = blockCols;
    s.lastRowProbabilities = request.lastRows > 0 ? call.lastRows.as<float>() : nullptr;
    s.lastRows = request.lastRows;
    s.diagonalSums = request.diagonalSums ? call.diagonals.as<float>() : nullptr;
    s.diagonalCount = diagonalCount;
    s.diagonalOrigin = dims.keyLength - 1;
    s.diagonalBegin = request.diagonalRows.begin;
    s.diagonalEnd = request.diagonalRows.end < 0 ? dims.queryLength
                                                 : std::min(request.diagonalRows.end, dims.queryLength);
    s.tiles = call.tiles.as<const TileRequest>();
    s.tileOffsets = call.tileOffsets.as<const long long>();
    s.tileData = call.tileData.as<float>();
    s.tileCount = static_cast<int>(request.tiles.size());
    s.topK = request.topK;
    s.topKeys = call.topKeys.as<int>();
    s.topProbabilities = call.topProbabilities.as<float>();
    return cuda_detail::prepareModifiers(dims, request, call.modifierBuffers, call.modifiers);
}

/// Launches the call's kernels on the default stream (no synchronization). The atomically accumulated
/// statistics are cleared first, so a call can be launched again.
KernelStatus launchCall(const DeviceCall& call) {
    if (call.rows == 0)
        return KernelStatus::success(); // no query rows: nothing to launch (a zero-sized grid is an error)
    const cuda_detail::DeviceStatistics& s = call.statistics;
    if (call.massBytes > 0)
        ATTNSCOPE_CUDA_CHECK(cudaMemsetAsync(s.columnMass, 0, call.massBytes));
    if (call.gridBytes > 0) {
        ATTNSCOPE_CUDA_CHECK(cudaMemsetAsync(s.blockSum, 0, call.gridBytes));
        ATTNSCOPE_CUDA_CHECK(cudaMemsetAsync(s.blockMax, 0, call.gridBytes));
    }
    if (call.diagonalBytes > 0)
        ATTNSCOPE_CUDA_CHECK(cudaMemsetAsync(s.diagonalSums, 0, call.diagonalBytes));
    if (call.modifierBuffers.resultBytes > 0) // rows of unselected heads keep 0
        for (float* result : {call.modifiers.maskRecall, call.modifiers.maskOutputError})
            ATTNSCOPE_CUDA_CHECK(cudaMemsetAsync(result, 0, call.modifierBuffers.resultBytes));
    const auto* headFlags = call.headFlags.as<const unsigned char>();
    // Masks and interventions run on the CUDA-core kernels only.
    if (!call.modifiers.any() && cuda_detail::tensorCoresHandle(call.dtype, call.d.headDim))
        return cuda_detail::launchTensorCorePasses(call.dtype, call.d, call.batch, call.q.as<void>(),
                                                   call.k.as<void>(), call.v.as<void>(), call.out.as<float>(),
                                                   headFlags, s);
    switch (call.dtype) {
    case DType::F32:
        return launchSimt<float>(call.d, call.batch, call.q.as<void>(), call.k.as<void>(), call.v.as<void>(),
                                 call.out.as<float>(), headFlags, s, call.modifiers);
    case DType::BF16:
        return launchSimt<__nv_bfloat16>(call.d, call.batch, call.q.as<void>(), call.k.as<void>(),
                                         call.v.as<void>(), call.out.as<float>(), headFlags, s,
                                         call.modifiers);
    case DType::F16:
        return launchSimt<__half>(call.d, call.batch, call.q.as<void>(), call.k.as<void>(), call.v.as<void>(),
                                  call.out.as<float>(), headFlags, s, call.modifiers);
    }
    return unsupportedOnCuda("this input dtype");
}

/// Copies the output into `out` (any strides) and the requested statistics into `result`.
KernelStatus fetchCall(const DeviceCall& call, const AttentionDims& dims, const ProbeRequest& request,
                       const OutputView& out, ProbeResult& result) {
    const int D = dims.headDim;
    std::vector<float> packedOut(static_cast<std::size_t>(call.rows) * D);
    if (!packedOut.empty())
        ATTNSCOPE_CUDA_CHECK(cudaMemcpy(packedOut.data(), call.out.as<void>(),
                                        packedOut.size() * sizeof(float), cudaMemcpyDeviceToHost));
    std::size_t at = 0;
    for (int b = 0; b < dims.batch; ++b)
        for (int h = 0; h < dims.queryHeads; ++h)
            for (int t = 0; t < dims.queryLength; ++t)
                for (int c = 0; c < D; ++c)
                    out.data[b * out.stride[0] + h * out.stride[1] + t * out.stride[2] + c * out.stride[3]] =
                        packedOut[at++];
    auto fetch = [](std::vector<float>& into, const DeviceBuffer& from, std::size_t count) -> KernelStatus {
        into.resize(count);
        if (count > 0)
            ATTNSCOPE_CUDA_CHECK(
                cudaMemcpy(into.data(), from.as<void>(), count * sizeof(float), cudaMemcpyDeviceToHost));
        return KernelStatus::success();
    };
    result = ProbeResult{};
    if (request.rowLogSumExp)
        if (auto s = fetch(result.rowLogSumExp, call.lse, call.rows); !s.ok())
            return s;
    if (request.rowEntropy)
        if (auto s = fetch(result.rowEntropy, call.entropy, call.rows); !s.ok())
            return s;
    if (request.columnMass)
        if (auto s = fetch(result.columnMass, call.mass, call.heads * dims.keyLength); !s.ok())
            return s;
    if (request.blockSize > 0) {
        result.blockRows = call.statistics.blockRows;
        result.blockCols = call.statistics.blockCols;
        const std::size_t cells = call.gridBytes / sizeof(float);
        if (auto s = fetch(result.blockSum, call.sum, cells); !s.ok())
            return s;
        if (auto s = fetch(result.blockMax, call.max, cells); !s.ok())
            return s;
    }
    if (request.lastRows > 0) {
        result.lastRows = request.lastRows;
        if (auto s = fetch(result.lastRowProbabilities, call.lastRows, call.lastRowBytes / sizeof(float));
            !s.ok())
            return s;
    }
    if (request.diagonalSums) {
        result.diagonalCount = call.statistics.diagonalCount;
        result.diagonalOrigin = call.statistics.diagonalOrigin;
        if (auto s = fetch(result.diagonalSums, call.diagonals, call.diagonalBytes / sizeof(float)); !s.ok())
            return s;
    }
    if (request.topK > 0) {
        result.topK = request.topK;
        result.topKeys.resize(call.topBytes / sizeof(int32_t));
        if (call.topBytes > 0)
            ATTNSCOPE_CUDA_CHECK(cudaMemcpy(result.topKeys.data(), call.topKeys.as<void>(), call.topBytes,
                                            cudaMemcpyDeviceToHost));
        if (auto s = fetch(result.topProbabilities, call.topProbabilities, call.topBytes / sizeof(float));
            !s.ok())
            return s;
    }
    if (request.mask.kind != AttentionMask::Kind::None) {
        const std::size_t rows = call.modifierBuffers.resultBytes / sizeof(float);
        if (auto s = fetch(result.maskRecall, call.modifierBuffers.maskRecall, rows); !s.ok())
            return s;
        if (auto s = fetch(result.maskOutputError, call.modifierBuffers.maskOutputError, rows); !s.ok())
            return s;
    }
    std::vector<float> allTiles;
    if (auto s = fetch(allTiles, call.tileData, call.tileBytes / sizeof(float)); !s.ok())
        return s;
    for (std::size_t t = 0; t < request.tiles.size(); ++t) {
        const auto from = allTiles.begin() + call.tileStarts[t];
        const auto to =
            t + 1 < request.tiles.size() ? allTiles.begin() + call.tileStarts[t + 1] : allTiles.end();
        result.tiles.emplace_back(from, to);
    }
    return KernelStatus::success();
}

/// A CUDA event, destroyed on scope exit (movable, so that a vector can hold them).
class DeviceEvent {
public:
    DeviceEvent() = default;
    ~DeviceEvent() {
        if (m_event)
            cudaEventDestroy(m_event);
    }
    DeviceEvent(DeviceEvent&& other) noexcept : m_event(other.m_event) { other.m_event = nullptr; }
    DeviceEvent& operator=(DeviceEvent&&) = delete;
    DeviceEvent(const DeviceEvent&) = delete;
    DeviceEvent& operator=(const DeviceEvent&) = delete;
    KernelStatus create() {
        ATTNSCOPE_CUDA_CHECK(cudaEventCreate(&m_event));
        return KernelStatus::success();
    }
    cudaEvent_t get() const { return m_event; }

private:
    cudaEvent_t m_event = nullptr;
};

} // namespace

KernelStatus attentionCuda(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                           const TensorView& v, const OutputView& out, const ProbeRequest& request,
                           ProbeResult& result) {
    if (auto status = refuseUnsupported(dims, q, k, v, request); !status.ok())
        return status;
    DeviceCall call;
    if (auto status = prepareCall(dims, q, k, v, request, call); !status.ok())
        return status;
    if (auto status = launchCall(call); !status.ok())
        return status;
    ATTNSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
    return fetchCall(call, dims, request, out, result);
}

namespace cuda {

bool notComputedOnCudaYet(const KernelStatus& status) {
    const std::string_view message = status.message, suffix = kUseTheCpu;
    return status.code == KernelStatusCode::Unsupported && message.size() >= suffix.size() &&
           message.substr(message.size() - suffix.size()) == suffix;
}

KernelStatus timeAttention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                           const TensorView& v, const ProbeRequest& request, int repeats,
                           std::vector<double>& seconds, std::size_t& deviceBytes) {
    seconds.clear();
    deviceBytes = 0;
    // The checks attention() makes; the output is never copied back, so a packed view stands for it.
    float unusedOutput = 0.0f;
    const OutputView packedOutput{&unusedOutput,
                                  {int64_t(dims.queryHeads) * dims.queryLength * dims.headDim,
                                   int64_t(dims.queryLength) * dims.headDim, dims.headDim, 1}};
    if (auto status = validateAttention(dims, q, k, v, packedOutput); !status.ok())
        return status;
    if (auto status = validateProbe(dims, request); !status.ok())
        return status;
    if (auto status = refuseUnsupported(dims, q, k, v, request); !status.ok())
        return status;
    DeviceCall call;
    if (auto status = prepareCall(dims, q, k, v, request, call); !status.ok())
        return status;
    const std::size_t rowBytes = static_cast<std::size_t>(call.rows) * sizeof(float);
    deviceBytes = static_cast<std::size_t>(call.rows) * dims.headDim * sizeof(float) +
                  (call.statistics.lse ? rowBytes : 0) + (call.statistics.entropy ? rowBytes : 0) +
                  call.massBytes + 2 * call.gridBytes + call.lastRowBytes + call.diagonalBytes +
                  call.tileBytes + 2 * call.topBytes + call.modifierBuffers.bytes();
    // Launches are enqueued back to back with an event between each two, so the host's enqueueing
    // overlaps the device's work and each interval holds one call's kernels (for calls shorter than the
    // host's launch overhead, that overhead shows).
    std::vector<DeviceEvent> events(static_cast<std::size_t>(repeats) + 1);
    for (DeviceEvent& event : events)
        if (auto status = event.create(); !status.ok())
            return status;
    if (auto status = launchCall(call); !status.ok()) // warm-up: module load, caches
        return status;
    ATTNSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
    ATTNSCOPE_CUDA_CHECK(cudaEventRecord(events[0].get()));
    for (int r = 0; r < repeats; ++r) {
        if (auto status = launchCall(call); !status.ok())
            return status;
        ATTNSCOPE_CUDA_CHECK(cudaEventRecord(events[static_cast<std::size_t>(r) + 1].get()));
    }
    ATTNSCOPE_CUDA_CHECK(cudaEventSynchronize(events.back().get()));
    for (int r = 0; r < repeats; ++r) {
        float milliseconds = 0;
        ATTNSCOPE_CUDA_CHECK(cudaEventElapsedTime(&milliseconds, events[static_cast<std::size_t>(r)].get(),
                                                  events[static_cast<std::size_t>(r) + 1].get()));
        seconds.push_back(milliseconds / 1e3);
    }
    return KernelStatus::success();
}

} // namespace cuda

} // namespace attnscope::kernels
