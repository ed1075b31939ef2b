// SPDX-License-Identifier: Apache-2.0
// Loading rows of any supported dtype as fp32 for the CPU kernels (internal header).
#pragma once

#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/half.h"

#include <cstdint>
#include <cstring>

namespace attnscope::kernels::cpu {

/// Copies `count` contiguous elements of any supported dtype into fp32.
inline void loadRow(const void* base, DType dtype, int64_t offset, int count, float* dst) {
    switch (dtype) {
    case DType::F32:
        std::memcpy(dst, static_cast<const float*>(base) + offset, sizeof(float) * count);
        return;
    case DType::BF16: {
        const auto* src = static_cast<const uint16_t*>(base) + offset;
        for (int i = 0; i < count; ++i)
            dst[i] = bf16ToFloat(src[i]);
        return;
    }
    case DType::F16: {
        const auto* src = static_cast<const uint16_t*>(base) + offset;
        for (int i = 0; i < count; ++i)
            dst[i] = f16ToFloat(src[i]);
        return;
    }
    }
}

} // namespace attnscope::kernels::cpu
