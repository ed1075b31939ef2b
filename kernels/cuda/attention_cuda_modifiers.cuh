// SPDX-License-Identifier: Apache-2.0
// K8 masks and the training-free interventions (column logit bias, ACT's post-softmax column scale) on
// the CUDA-core kernels, with the CPU backend's semantics (attention_cpu.cpp): statistics describe the
// biased softmax before calibration; a masked call measures recall and the output's relative error
// against the dense softmax of the same call.
#pragma once

#include "attention_cuda_common.cuh"
#include "cuda_buffer.cuh"

#include "attnscope/kernels/attention.h"

namespace attnscope::kernels::cuda_detail {

/// One value per key, shared by all query heads ([keyLength]) or per head ([queryHeads][keyLength]).
struct DevicePerKey {
    const float* values = nullptr; ///< null = not requested
    int perHead = 0;

    __host__ __device__ explicit operator bool() const { return values != nullptr; }
    /// The value of `key` for query head `h`; `absent` without values or past the last key.
    __device__ float at(const DeviceDims& d, int h, int key, float absent) const {
        if (!values || key >= d.keyLength)
            return absent;
        return values[(perHead ? static_cast<long long>(h) * d.keyLength : 0LL) + key];
    }
};

/// What a call changes in the attention it computes (device pointers; null = not requested).
struct DeviceModifiers {
    DevicePerKey logitBias;   ///< added to the logits
    DevicePerKey columnScale; ///< ACT's post-softmax scale (1 = unscaled)
    int maskKind = 0;         ///< AttentionMask::Kind
    int maskPerHead = 0, measureOnly = 0;
    int maskBlockSize = 0, maskBlockRows = 0, maskBlockCols = 0;
    const unsigned char* blocks = nullptr;  ///< [maskHeads][maskBlockRows][maskBlockCols]
    const unsigned char* columns = nullptr; ///< [maskHeads][keyLength]
    const long long* rowOffsets = nullptr;  ///< [maskHeads * queryLength + 1], rebased to start at 0
    const int* rowKeys = nullptr;
    float* maskRecall = nullptr; ///< [batch * queryHeads * queryLength]
    float* maskOutputError = nullptr;

    __host__ __device__ bool masked() const {
        return maskKind != static_cast<int>(AttentionMask::Kind::None);
    }
    __host__ __device__ bool any() const { return bool(logitBias) || bool(columnScale) || masked(); }
};

__device__ inline unsigned warpOr(unsigned bits) {
    for (int offset = 16; offset > 0; offset >>= 1)
        bits |= __shfl_xor_sync(0xffffffffu, bits, offset);
    return bits;
}

/// Whether the mask keeps key k0 + lane for `row` of query head `h` (1 or 0). Every lane of the warp
/// calls it together (per-row key lists are scanned by the whole warp, 32 entries at a time, at every
/// step — as the CPU backend scans them at every tile: lists are meant to be sparse).
__device__ inline float maskKeeps(const DeviceModifiers& m, const DeviceDims& d, int h, int row, int k0,
                                  int lane) {
    const int key = k0 + lane;
    const long long maskHead = m.maskPerHead ? h : 0;
    switch (static_cast<AttentionMask::Kind>(m.maskKind)) {
    case AttentionMask::Kind::Block:
        if (key >= d.keyLength)
            return 0.0f;
        return m.blocks[(maskHead * m.maskBlockRows + row / m.maskBlockSize) * m.maskBlockCols +
                        key / m.maskBlockSize]
                   ? 1.0f
                   : 0.0f;
    case AttentionMask::Kind::Columns:
        return key < d.keyLength && m.columns[maskHead * d.keyLength + key] ? 1.0f : 0.0f;
    case AttentionMask::Kind::RowKeys: {
        const long long list = maskHead * d.queryLength + row;
        unsigned bits = 0;
        for (long long e = m.rowOffsets[list] + lane; e < m.rowOffsets[list + 1]; e += 32) {
            const int listed = m.rowKeys[e];
            if (listed >= k0 && listed < k0 + 32)
                bits |= 1u << (listed - k0);
        }
        return (warpOr(bits) >> lane) & 1u ? 1.0f : 0.0f;
    }
    case AttentionMask::Kind::None:
        break;
    }
    return 1.0f;
}

/// Uploads a request's mask and intervention arrays; `modifiers` points at them afterwards.
struct ModifierBuffers {
    DeviceBuffer logitBias, columnScale, blocks, columns, rowOffsets, rowKeys, maskRecall, maskOutputError;
    std::size_t resultBytes = 0; ///< bytes of maskRecall (and of maskOutputError)
    std::size_t inputBytes = 0;  ///< bytes of the uploaded mask and intervention arrays

    std::size_t bytes() const { return inputBytes + 2 * resultBytes; }
};

KernelStatus prepareModifiers(const AttentionDims& dims, const ProbeRequest& request,
                              ModifierBuffers& buffers, DeviceModifiers& modifiers);

} // namespace attnscope::kernels::cuda_detail
