// SPDX-License-Identifier: Apache-2.0
// What the CUDA attention kernels share: the problem's dimensions as the device sees them, the input
// element conversions and the visibility rule (causal, query offset, sliding window) of the CPU backend.
#pragma once

#include "../common/top_k_insert.h"
#include "attnscope/kernels/attention.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace attnscope::kernels::cuda_detail {

/// AttentionDims as passed to the kernels (Q, K, V, out packed as [batch, heads, tokens, headDim]).
struct DeviceDims {
    int queryHeads, kvHeads, queryLength, keyLength, headDim;
    int causal;
    long long queryOffset;
    float scale;
    int window;
};

__device__ inline float toFloat(float x) {
    return x;
}
__device__ inline float toFloat(__nv_bfloat16 x) {
    return __bfloat162float(x);
}
__device__ inline float toFloat(__half x) {
    return __half2float(x);
}

/// Visible keys [begin, end) of the row at absolute position `position` (as the CPU backend).
__device__ inline void visibleKeys(const DeviceDims& d, long long position, int& begin, int& end) {
    long long first = 0, last = d.keyLength;
    if (d.causal)
        last = min(last, position + 1);
    if (d.window > 0) // a window past the last key sees nothing (first = last = keyLength)
        first = min(static_cast<long long>(d.keyLength), max(0LL, position - d.window + 1));
    last = max(last, first);
    begin = static_cast<int>(first);
    end = static_cast<int>(last);
}

/// The keys any of the rows [firstRow, lastRow] sees: begins and ends grow with the row (causal,
/// window), so the union is [begin of the first row, end of the last), its begin rounded down to a
/// multiple of `tile`.
__device__ inline void keysOfRows(const DeviceDims& d, int firstRow, int lastRow, int tile, int& begin,
                                  int& end) {
    int unused;
    visibleKeys(d, d.queryOffset + firstRow, begin, unused);
    visibleKeys(d, d.queryOffset + lastRow, unused, end);
    begin = begin / tile * tile;
}

/// K1 LSE and the entropy of a row from its online-softmax state: running max m, sum of exp l and sum
/// of exp · logit `weighted`. A row that sees no key has LSE −inf and entropy 0; the entropy is clamped
/// at 0 as on the CPU (rounding can leave a one-hot row a hair below).
__device__ inline void writeRowStatistics(float* lse, float* entropy, long long rowIndex, float m, float l,
                                          float weighted) {
    const float logZ = l > 0.0f ? m + logf(l) : -INFINITY;
    if (lse)
        lse[rowIndex] = logZ;
    if (entropy)
        entropy[rowIndex] = l > 0.0f ? fmaxf(0.0f, logZ - weighted / l) : 0.0f;
}

/// Where the statistics of one call go (device pointers; null = not requested). Everything but the
/// output, LSE and entropy comes from the second pass, which recomputes P_ij = exp(s_ij − LSE_i).
struct DeviceStatistics {
    float* lse = nullptr;     ///< [heads * rows]; needed by the second pass when it runs
    float* entropy = nullptr; ///< [heads * rows]
    float* columnMass = nullptr;
    int massBegin = 0, massEnd = 0;
    float* blockSum = nullptr; ///< [heads, blockRows, blockCols]; blockMax likewise
    float* blockMax = nullptr;
    int blockSize = 0, blockRows = 0, blockCols = 0;
    float* lastRowProbabilities = nullptr; ///< K5: [heads, lastRows, keyLength]
    int lastRows = 0;
    float* diagonalSums = nullptr; ///< K7: [heads, diagonalCount], offset o at o + diagonalOrigin
    int diagonalCount = 0, diagonalOrigin = 0, diagonalBegin = 0, diagonalEnd = 0;
    int topK = 0;           ///< K6: keys per row (at most kMaxTopK)
    int* topKeys = nullptr; ///< [heads * rows * topK], -1 where fewer keys are visible
    float* topProbabilities = nullptr;
    const TileRequest* tiles = nullptr; ///< exact tiles: requests, and where each tile's data starts
    const long long* tileOffsets = nullptr;
    float* tileData = nullptr;
    int tileCount = 0;

    bool secondPass() const {
        return columnMass || blockSum || lastRowProbabilities || diagonalSums || tileCount > 0 || topK > 0;
    }
};

/// K5, K7 and exact tiles from one probability of the second pass (p > 0: a visible key of a row that
/// sees something). `row` is the row of this call, `key` the key index, `head` = batch * heads + h.
__device__ inline void recordRowStatistics(const DeviceStatistics& s, const DeviceDims& d, long long head,
                                           int row, int key, float p) {
    if (s.lastRowProbabilities && row >= d.queryLength - s.lastRows)
        s.lastRowProbabilities[(head * s.lastRows + row - (d.queryLength - s.lastRows)) * d.keyLength + key] =
            p;
    if (s.diagonalSums && row >= s.diagonalBegin && row < s.diagonalEnd)
        atomicAdd(s.diagonalSums + head * s.diagonalCount + (d.queryOffset + row - key) + s.diagonalOrigin,
                  p);
    for (int t = 0; t < s.tileCount; ++t) {
        const TileRequest tile = s.tiles[t];
        if (row >= tile.rowBegin && row < tile.rowEnd && key >= tile.colBegin && key < tile.colEnd) {
            const int width = tile.colEnd - tile.colBegin;
            s.tileData[s.tileOffsets[t] +
                       (head * (tile.rowEnd - tile.rowBegin) + row - tile.rowBegin) * width + key -
                       tile.colBegin] = p;
        }
    }
}

constexpr int kMaxTopK = 32; ///< the largest K6 request the CUDA kernels take

/// A thread's running K6 top-k of (logit, key), best first: descending logit, ties to the lower key —
/// the CPU backend's order (it scans keys in ascending order and only a larger logit moves ahead).
struct TopKeys {
    float logit[kMaxTopK];
    int32_t key[kMaxTopK];

    __device__ void reset(int k) {
        for (int t = 0; t < k; ++t) {
            logit[t] = -INFINITY;
            key[t] = -1;
        }
    }
    /// Keys must arrive in ascending order per thread.
    __device__ void insert(int k, float value, int index) { insertTopK(value, index, logit, key, k); }
    /// Merges with the list of lane (this lane ^ laneMask); every lane of the warp must call it. Both
    /// partners end with the same list.
    __device__ void mergeWithLane(int k, int laneMask) {
        float otherLogit[kMaxTopK];
        int32_t otherKey[kMaxTopK];
        for (int t = 0; t < k; ++t) {
            otherLogit[t] = __shfl_xor_sync(0xffffffffu, logit[t], laneMask);
            otherKey[t] = __shfl_xor_sync(0xffffffffu, key[t], laneMask);
        }
        float mergedLogit[kMaxTopK];
        int32_t mergedKey[kMaxTopK];
        int a = 0, b = 0;
        for (int t = 0; t < k; ++t) {
            const bool takeOwn =
                otherKey[b] < 0 || (key[a] >= 0 && (logit[a] > otherLogit[b] ||
                                                    (logit[a] == otherLogit[b] && key[a] < otherKey[b])));
            mergedLogit[t] = takeOwn ? logit[a] : otherLogit[b];
            mergedKey[t] = takeOwn ? key[a] : otherKey[b];
            a += takeOwn;
            b += !takeOwn;
        }
        for (int t = 0; t < k; ++t) {
            logit[t] = mergedLogit[t];
            key[t] = mergedKey[t];
        }
    }
    /// Writes the row's keys and their probabilities exp(logit − LSE).
    __device__ void write(int k, const DeviceStatistics& s, long long rowIndex, float lse) const {
        for (int t = 0; t < k; ++t) {
            s.topKeys[rowIndex * k + t] = key[t];
            s.topProbabilities[rowIndex * k + t] = key[t] < 0 ? 0.0f : expf(logit[t] - lse);
        }
    }
};

} // namespace attnscope::kernels::cuda_detail
