// SPDX-License-Identifier: Apache-2.0
// Conversion of bf16/fp16 storage to fp32 for the CPU kernels (internal header).
#pragma once

#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <cstring>

namespace attnscope::kernels::cpu {

inline float bf16ToFloat(uint16_t bits) {
    const uint32_t widened = static_cast<uint32_t>(bits) << 16;
    float value;
    std::memcpy(&value, &widened, sizeof value);
    return value;
}

inline float f16ToFloat(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    uint32_t exponent = (bits >> 10) & 0x1fu;
    uint32_t mantissa = bits & 0x3ffu;
    uint32_t out;
    if (exponent == 0) {
        if (mantissa == 0) {
            out = sign;
        } else { // subnormal: normalise into fp32's wider exponent range
            exponent = 127 - 15 + 1;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                --exponent;
            }
            mantissa &= 0x3ffu;
            out = sign | (exponent << 23) | (mantissa << 13);
        }
    } else if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13); // inf / NaN
    } else {
        out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float value;
    std::memcpy(&value, &out, sizeof value);
    return value;
}

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
