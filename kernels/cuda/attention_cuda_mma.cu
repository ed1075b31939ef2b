// SPDX-License-Identifier: Apache-2.0
// Tensor-core attention for bf16/f16 inputs (see attention_cuda_mma.cuh). A thread block owns 64 query
// rows of one head, four warps of 16 rows each, and walks the keys its rows see in tiles of 64:
//   pass 1 — S = Q·Kᵀ on tensor cores into shared memory; the online softmax of each row by a pair of
//            lanes in fp32 (running max, sum, Σ p·s for the entropy); P rounded to the input type;
//            O += P·V on tensor cores with O held in accumulator fragments;
//   pass 2 — S again, P = exp(s − LSE) in fp32, K3 column mass (one atomic per column and tile), K4
//            block sum and max (one atomic pair per tile when the block size is a multiple of 64), K5
//            last rows, K6 top-k, K7 diagonal sums (one atomic per probability) and exact tiles.
// Rows of an accumulator fragment are found with a fragment loaded from a matrix of row numbers, so the
// per-row rescaling needs no assumption about WMMA's register layout.
//
// NOT YET RUN ON A GPU: compiled for sm_80 and sm_90 in CI; tests/unit/kernels/cuda_attention_test.cpp
// (label gpu) compares it with the CPU backend where a device exists.
#include "attention_cuda_mma.cuh"

#include "cuda_check.cuh"

#include <mma.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace attnscope::kernels::cuda_detail {

namespace {

namespace wmma = nvcuda::wmma;

constexpr int kRows = 64;    ///< query rows per thread block
constexpr int kKeyTile = 64; ///< keys per step
constexpr int kThreads = 128;
constexpr int kPad16 = 8; ///< padding of 16-bit shared rows: spreads banks, keeps 32-byte fragment alignment
constexpr int kPad32 = 4; ///< padding of fp32 shared rows, likewise
constexpr unsigned kFullMask = 0xffffffffu;

using Accumulator = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;

__device__ inline void fromFloat(float x, __nv_bfloat16& out) {
    out = __float2bfloat16(x);
}
__device__ inline void fromFloat(float x, __half& out) {
    out = __float2half(x);
}

/// Rows [first, first + 64) of a packed [rows][D] matrix into shared [64][D + kPad16]; rows at or past
/// `limit` become zeros (their products must be 0, never NaN from stale memory).
template <typename T, int D>
__device__ inline void loadRows(T* shared, const T* source, int first, int limit) {
    constexpr int kVectors = D / 8; // 16-byte vectors per row
    for (int i = threadIdx.x; i < kRows * kVectors; i += kThreads) {
        const int r = i / kVectors, c = i % kVectors;
        uint4 value = make_uint4(0u, 0u, 0u, 0u);
        if (first + r < limit)
            value = reinterpret_cast<const uint4*>(source + static_cast<long long>(first + r) * D)[c];
        reinterpret_cast<uint4*>(shared + r * (D + kPad16))[c] = value;
    }
}

/// S = Q·Kᵀ for one warp's 16 rows against the 64 keys in shared memory, unscaled, into `scores`
/// [16][kKeyTile + kPad32].
template <typename T, int D>
__device__ inline void warpScores(const T* queries, const T* keys, float* scores) {
    constexpr int LD = D + kPad16;
#pragma unroll
    for (int n = 0; n < kKeyTile / 16; ++n) {
        Accumulator s;
        wmma::fill_fragment(s, 0.0f);
#pragma unroll
        for (int c = 0; c < D / 16; ++c) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
            wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b; // Kᵀ: K's rows as columns
            wmma::load_matrix_sync(a, queries + c * 16, LD);
            wmma::load_matrix_sync(b, keys + n * 16 * LD + c * 16, LD);
            wmma::mma_sync(s, a, b, s);
        }
        wmma::store_matrix_sync(scores + n * 16, s, kKeyTile + kPad32, wmma::mem_row_major);
    }
}

/// Row r of `rowNumbers` holds r: loaded as an accumulator, element i of a lane's fragment tells the row
/// of that lane's element i.
__device__ inline void fillRowNumbers(float* rowNumbers) {
    for (int i = threadIdx.x; i < 256; i += kThreads)
        rowNumbers[i] = static_cast<float>(i / 16);
}

/// Shared memory of pass 1 for head dim d (16-bit inputs): Q, K, V, S (fp32), P, row numbers and factors.
/// A function of d, so the host can check it against a device's limit.
constexpr std::size_t firstPassBytes(int d) {
    return (2 * kRows + kKeyTile) * (d + kPad16) * 2 + kRows * (kKeyTile + kPad32) * sizeof(float) +
           kRows * (kKeyTile + kPad16) * 2 + (256 + 2 * kRows) * sizeof(float);
}

/// Shared memory of pass 2: Q, K, P (fp32) and the block reductions.
constexpr std::size_t secondPassBytes(int d) {
    return (kRows + kKeyTile) * (d + kPad16) * 2 + kRows * (kKeyTile + kPad32) * sizeof(float) +
           2 * (kThreads / 32) * sizeof(float);
}

template <typename T, int D>
struct FirstPassShared {
    static_assert(sizeof(T) == 2, "the tensor-core kernels take 16-bit inputs");
    static constexpr int LD = D + kPad16, LS = kKeyTile + kPad32, LP = kKeyTile + kPad16;
    static constexpr std::size_t bytes = firstPassBytes(D);
};

/// Pass 1: output, K1 LSE and entropy. Grid (ceil(rows / 64), query heads, batch), 128 threads.
template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    tensorCoreFirstPass(DeviceDims d, const T* q, const T* k, const T* v, float* out, float* lse,
                        float* entropy, const unsigned char* statsHead) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap(); // never launched there: tensorCoresHandle asks for compute capability 8.0
#else
    using Layout = FirstPassShared<T, D>;
    constexpr int LD = Layout::LD, LS = Layout::LS, LP = Layout::LP;
    extern __shared__ __align__(128) unsigned char shared[];
    T* queries = reinterpret_cast<T*>(shared);
    T* keys = queries + kRows * LD;
    T* values = keys + kKeyTile * LD;
    float* scores = reinterpret_cast<float*>(values + kKeyTile * LD);
    T* probabilities = reinterpret_cast<T*>(scores + kRows * LS);
    float* rowNumbers = reinterpret_cast<float*>(probabilities + kRows * LP);
    float* factor = rowNumbers + 256; // [kRows]: this step's rescaling, then 1 / the row's sum

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int h = blockIdx.y, b = blockIdx.z, rowBase = blockIdx.x * kRows;
    const int lastRow = min(rowBase + kRows, d.queryLength) - 1;
    const long long head = static_cast<long long>(b) * d.queryHeads + h;
    const int kvHead = h / (d.queryHeads / d.kvHeads);
    const long long kvBase = (static_cast<long long>(b) * d.kvHeads + kvHead) * d.keyLength * D;

    loadRows<T, D>(queries, q + head * d.queryLength * D, rowBase, d.queryLength);
    fillRowNumbers(rowNumbers);
    int tileBegin, tileEnd;
    keysOfRows(d, rowBase, lastRow, kKeyTile, tileBegin, tileEnd);
    __syncthreads();

    Accumulator rowOf;
    wmma::load_matrix_sync(rowOf, rowNumbers, 16, wmma::mem_row_major);
    Accumulator acc[D / 16];
#pragma unroll
    for (int n = 0; n < D / 16; ++n)
        wmma::fill_fragment(acc[n], 0.0f);

    // A pair of lanes owns each of the warp's 16 rows, half of the tile's keys each.
    const int localRow = warp * 16 + lane / 2, half = lane % 2;
    const int row = rowBase + localRow;
    int begin = 0, end = 0;
    if (row < d.queryLength)
        visibleKeys(d, d.queryOffset + row, begin, end);
    float m = -INFINITY, l = 0.0f, lRounded = 0.0f, weighted = 0.0f;
    const T* warpQueries = queries + warp * 16 * LD;
    float* warpScoresRows = scores + warp * 16 * LS;
    float* scoreRow = scores + localRow * LS;
    T* probabilityRow = probabilities + localRow * LP;

    for (int k0 = tileBegin; k0 < tileEnd; k0 += kKeyTile) {
        __syncthreads(); // the previous step's K and V are no longer read
        loadRows<T, D>(keys, k + kvBase, k0, tileEnd);
        loadRows<T, D>(values, v + kvBase, k0, tileEnd);
        __syncthreads();
        warpScores<T, D>(warpQueries, keys, warpScoresRows);
        __syncwarp();

        float tileMax = -INFINITY;
        for (int j = half * 32; j < half * 32 + 32; ++j) {
            const int key = k0 + j;
            const float s = key >= begin && key < end ? scoreRow[j] * d.scale : -INFINITY;
            scoreRow[j] = s;
            tileMax = fmaxf(tileMax, s);
        }
        tileMax = fmaxf(tileMax, __shfl_xor_sync(kFullMask, tileMax, 1));
        const float mNew = fmaxf(m, tileMax);
        float correction = 1.0f, sum = 0.0f, sumRounded = 0.0f, sumWeighted = 0.0f;
        if (mNew != -INFINITY)
            correction = m == -INFINITY ? 0.0f : expf(m - mNew);
        for (int j = half * 32; j < half * 32 + 32; ++j) {
            const float s = scoreRow[j];
            const float p = s == -INFINITY ? 0.0f : expf(s - mNew);
            T rounded;
            fromFloat(p, rounded);
            probabilityRow[j] = rounded;
            sum += p;
            sumRounded += toFloat(rounded);
            sumWeighted += p > 0.0f ? p * s : 0.0f;
        }
        sum += __shfl_xor_sync(kFullMask, sum, 1);
        sumRounded += __shfl_xor_sync(kFullMask, sumRounded, 1);
        sumWeighted += __shfl_xor_sync(kFullMask, sumWeighted, 1);
        l = l * correction + sum;
        lRounded = lRounded * correction + sumRounded; // normalizes P·V: the weights the mma really used
        weighted = weighted * correction + sumWeighted;
        m = mNew;
        if (half == 0)
            factor[localRow] = correction;
        __syncwarp();

#pragma unroll
        for (int n = 0; n < D / 16; ++n)
#pragma unroll
            for (int i = 0; i < acc[n].num_elements; ++i)
                acc[n].x[i] *= factor[warp * 16 + static_cast<int>(rowOf.x[i])];
#pragma unroll
        for (int kk = 0; kk < kKeyTile / 16; ++kk) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
            wmma::load_matrix_sync(a, probabilities + warp * 16 * LP + kk * 16, LP);
#pragma unroll
            for (int n = 0; n < D / 16; ++n) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> b;
                wmma::load_matrix_sync(b, values + kk * 16 * LD + n * 16, LD);
                wmma::mma_sync(acc[n], a, b, acc[n]);
            }
        }
    }

    __syncwarp();
    if (half == 0)
        factor[localRow] = lRounded > 0.0f ? 1.0f / lRounded : 0.0f;
    __syncwarp();
#pragma unroll
    for (int n = 0; n < D / 16; ++n) {
#pragma unroll
        for (int i = 0; i < acc[n].num_elements; ++i)
            acc[n].x[i] *= factor[warp * 16 + static_cast<int>(rowOf.x[i])];
        // Through shared memory: a fragment stored straight to `out` would write past the last row.
        wmma::store_matrix_sync(warpScoresRows, acc[n], LS, wmma::mem_row_major);
        __syncwarp();
        for (int i = lane; i < 256; i += 32) {
            const int r = rowBase + warp * 16 + i / 16;
            if (r < d.queryLength)
                out[(head * d.queryLength + r) * D + n * 16 + i % 16] =
                    warpScoresRows[(i / 16) * LS + i % 16];
        }
        __syncwarp();
    }
    if (half == 0 && row < d.queryLength && statsHead[h])
        writeRowStatistics(lse, entropy, head * d.queryLength + row, m, l, weighted);
#endif
}

template <typename T, int D>
struct SecondPassShared {
    static_assert(sizeof(T) == 2, "the tensor-core kernels take 16-bit inputs");
    static constexpr int LD = D + kPad16, LS = kKeyTile + kPad32;
    static constexpr std::size_t bytes = secondPassBytes(D);
};

/// Pass 2: P = exp(s − LSE) again, for K3 column mass over rows [massBegin, massEnd), K4 block sums
/// and maxima, K5 last rows, K6 top-k, K7 diagonal sums and exact tiles. Sums are accumulated with atomics
/// (their order, so the last bits, varies run to run).
template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    tensorCoreSecondPass(DeviceDims d, const T* q, const T* k, const unsigned char* statsHead,
                         DeviceStatistics statistics) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap(); // never launched there: tensorCoresHandle asks for compute capability 8.0
#else
    const int h = blockIdx.y;
    if (!statsHead[h])
        return; // block-uniform: no barrier is skipped by part of the block
    using Layout = SecondPassShared<T, D>;
    constexpr int LD = Layout::LD, LS = Layout::LS;
    extern __shared__ __align__(128) unsigned char shared[];
    T* queries = reinterpret_cast<T*>(shared);
    T* keys = queries + kRows * LD;
    float* p = reinterpret_cast<float*>(keys + kKeyTile * LD);
    float* reduction = p + kRows * LS; // [warps] sums, then [warps] maxima

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int b = blockIdx.z, rowBase = blockIdx.x * kRows;
    const int lastRow = min(rowBase + kRows, d.queryLength) - 1;
    const long long head = static_cast<long long>(b) * d.queryHeads + h;
    const int kvHead = h / (d.queryHeads / d.kvHeads);
    const long long kvBase = (static_cast<long long>(b) * d.kvHeads + kvHead) * d.keyLength * D;
    const int blockSize = statistics.blockSize;
    // One (row block, key block) cell per tile: 64-row tiles and 64-key steps start at multiples of 64.
    const bool tileInOneCell = statistics.blockSum && blockSize % kKeyTile == 0;
    const bool rowStatistics =
        statistics.lastRowProbabilities || statistics.diagonalSums || statistics.tileCount > 0;

    loadRows<T, D>(queries, q + head * d.queryLength * D, rowBase, d.queryLength);
    int tileBegin, tileEnd;
    keysOfRows(d, rowBase, lastRow, kKeyTile, tileBegin, tileEnd);

    const int localRow = warp * 16 + lane / 2, half = lane % 2;
    const int row = rowBase + localRow;
    int begin = 0, end = 0;
    float rowLse = -INFINITY;
    if (row < d.queryLength) {
        visibleKeys(d, d.queryOffset + row, begin, end);
        rowLse = statistics.lse[head * d.queryLength + row];
    }
    float* pRow = p + localRow * LS;
    const int topK = statistics.topK;
    TopKeys top;
    top.reset(topK);

    for (int k0 = tileBegin; k0 < tileEnd; k0 += kKeyTile) {
        __syncthreads(); // the previous step's K and P are no longer read
        loadRows<T, D>(keys, k + kvBase, k0, tileEnd);
        __syncthreads();
        warpScores<T, D>(queries + warp * 16 * LD, keys, p + warp * 16 * LS);
        __syncwarp();
        for (int j = half * 32; j < half * 32 + 32; ++j) {
            const int key = k0 + j;
            const bool visible = key >= begin && key < end && rowLse != -INFINITY;
            if (topK > 0 && visible)
                top.insert(topK, pRow[j] * d.scale, key);
            pRow[j] = visible ? expf(pRow[j] * d.scale - rowLse) : 0.0f;
            if (rowStatistics && pRow[j] > 0.0f)
                recordRowStatistics(statistics, d, head, row, key, pRow[j]);
        }
        if (statistics.blockSum && !tileInOneCell) {
            // Runs of keys in the same block: one atomic pair per run of this lane's 32 keys.
            float* sums =
                statistics.blockSum + (head * statistics.blockRows + row / blockSize) * statistics.blockCols;
            float* maxima =
                statistics.blockMax + (head * statistics.blockRows + row / blockSize) * statistics.blockCols;
            int cell = -1;
            float runSum = 0.0f, runMax = 0.0f;
            for (int j = half * 32; j <= half * 32 + 32; ++j) {
                const int key = k0 + j;
                const int next = j < half * 32 + 32 && key < d.keyLength ? key / blockSize : -2;
                if (next != cell) {
                    if (cell >= 0 && runMax > 0.0f) {
                        atomicAdd(sums + cell, runSum);
                        // P >= 0: the bit patterns of non-negative floats order like the values.
                        atomicMax(reinterpret_cast<int*>(maxima + cell), __float_as_int(runMax));
                    }
                    cell = next;
                    runSum = runMax = 0.0f;
                }
                if (next >= 0) {
                    runSum += pRow[j];
                    runMax = fmaxf(runMax, pRow[j]);
                }
            }
        }
        __syncthreads(); // every warp's P is in shared memory
        if (statistics.columnMass && threadIdx.x < kKeyTile && k0 + threadIdx.x < d.keyLength) {
            const int j = threadIdx.x;
            const int from = max(statistics.massBegin - rowBase, 0);
            const int to = min(statistics.massEnd - rowBase, kRows);
            float sum = 0.0f;
            for (int r = from; r < to; ++r)
                sum += p[r * LS + j];
            if (sum > 0.0f)
                atomicAdd(statistics.columnMass + head * d.keyLength + k0 + j, sum);
        }
        if (tileInOneCell) {
            float sum = 0.0f, largest = 0.0f;
            for (int i = threadIdx.x; i < kRows * kKeyTile; i += kThreads) {
                const float x = p[(i / kKeyTile) * LS + i % kKeyTile];
                sum += x;
                largest = fmaxf(largest, x);
            }
            for (int offset = 16; offset > 0; offset >>= 1) {
                sum += __shfl_xor_sync(kFullMask, sum, offset);
                largest = fmaxf(largest, __shfl_xor_sync(kFullMask, largest, offset));
            }
            if (lane == 0) {
                reduction[warp] = sum;
                reduction[kThreads / 32 + warp] = largest;
            }
            __syncthreads();
            if (threadIdx.x == 0) {
                for (int w = 1; w < kThreads / 32; ++w) {
                    sum += reduction[w];
                    largest = fmaxf(largest, reduction[kThreads / 32 + w]);
                }
                if (largest > 0.0f) {
                    const long long cell =
                        (head * statistics.blockRows + rowBase / blockSize) * statistics.blockCols +
                        k0 / blockSize;
                    atomicAdd(statistics.blockSum + cell, sum);
                    atomicMax(reinterpret_cast<int*>(statistics.blockMax + cell), __float_as_int(largest));
                }
            }
        }
    }
    if (topK > 0) {
        top.mergeWithLane(topK, 1); // the two lanes of the row
        if (half == 0 && row < d.queryLength && rowLse != -INFINITY)
            top.write(topK, statistics, head * d.queryLength + row, rowLse);
    }
#endif
}

template <typename T, int D>
KernelStatus launchPasses(const DeviceDims& d, int batch, const void* q, const void* k, const void* v,
                          float* out, const unsigned char* statsHead, const DeviceStatistics& statistics) {
    const dim3 grid((d.queryLength + kRows - 1) / kRows, d.queryHeads, batch);
    constexpr std::size_t firstBytes = FirstPassShared<T, D>::bytes;
    ATTNSCOPE_CUDA_CHECK(cudaFuncSetAttribute(tensorCoreFirstPass<T, D>,
                                              cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              static_cast<int>(firstBytes)));
    tensorCoreFirstPass<T, D><<<grid, kThreads, firstBytes>>>(
        d, static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), out, statistics.lse,
        statistics.entropy, statsHead);
    ATTNSCOPE_CUDA_CHECK(cudaGetLastError());
    if (statistics.secondPass()) {
        constexpr std::size_t secondBytes = SecondPassShared<T, D>::bytes;
        ATTNSCOPE_CUDA_CHECK(cudaFuncSetAttribute(tensorCoreSecondPass<T, D>,
                                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                  static_cast<int>(secondBytes)));
        tensorCoreSecondPass<T, D><<<grid, kThreads, secondBytes>>>(
            d, static_cast<const T*>(q), static_cast<const T*>(k), statsHead, statistics);
        ATTNSCOPE_CUDA_CHECK(cudaGetLastError());
    }
    return KernelStatus::success();
}

template <typename T>
KernelStatus launchForDim(const DeviceDims& d, int batch, const void* q, const void* k, const void* v,
                          float* out, const unsigned char* statsHead, const DeviceStatistics& statistics) {
    switch (d.headDim) {
    case 64:
        return launchPasses<T, 64>(d, batch, q, k, v, out, statsHead, statistics);
    case 80:
        return launchPasses<T, 80>(d, batch, q, k, v, out, statsHead, statistics);
    case 96:
        return launchPasses<T, 96>(d, batch, q, k, v, out, statsHead, statistics);
    case 128:
        return launchPasses<T, 128>(d, batch, q, k, v, out, statsHead, statistics);
    case 256:
        return launchPasses<T, 256>(d, batch, q, k, v, out, statsHead, statistics);
    default:
        return KernelStatus::unsupported("backend cuda: no tensor-core kernel for head dim " +
                                         std::to_string(d.headDim));
    }
}

} // namespace

bool tensorCoresHandle(DType dtype, int headDim) {
    const char* setting = std::getenv("ATTNSCOPE_CUDA_TENSOR_CORES");
    if (setting && std::strcmp(setting, "0") == 0)
        return false;
    if (dtype != DType::BF16 && dtype != DType::F16)
        return false;
    if (headDim != 64 && headDim != 80 && headDim != 96 && headDim != 128 && headDim != 256)
        return false; // the head dims launchForDim instantiates
    const std::size_t bytes = std::max(firstPassBytes(headDim), secondPassBytes(headDim));
    // bf16 WMMA needs sm_80; sm_86/sm_89 parts run the sm_80 code with only 99 KB of shared memory per
    // block, too little for head dim 256: those calls take the CUDA-core kernels.
    int device = 0, major = 0, sharedOptIn = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
        cudaDeviceGetAttribute(&sharedOptIn, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) !=
            cudaSuccess) {
        cudaGetLastError(); // clear it: the CUDA-core path reports the device's state itself
        return false;
    }
    return major >= 8 && bytes <= static_cast<std::size_t>(sharedOptIn);
}

KernelStatus launchTensorCorePasses(DType dtype, const DeviceDims& d, int batch, const void* q, const void* k,
                                    const void* v, float* out, const unsigned char* statsHead,
                                    const DeviceStatistics& statistics) {
    if (dtype == DType::BF16)
        return launchForDim<__nv_bfloat16>(d, batch, q, k, v, out, statsHead, statistics);
    if (dtype == DType::F16)
        return launchForDim<__half>(d, batch, q, k, v, out, statsHead, statistics);
    return KernelStatus::unsupported("backend cuda: tensor cores take bf16 or f16 inputs");
}

} // namespace attnscope::kernels::cuda_detail
