// SPDX-License-Identifier: Apache-2.0
// What the CUDA attention kernels share: the problem's dimensions as the device sees them, the input
// element conversions and the visibility rule (causal, query offset, sliding window) of the CPU backend.
#pragma once

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
    if (d.window > 0)
        first = max(0LL, position - d.window + 1);
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

} // namespace attnscope::kernels::cuda_detail
