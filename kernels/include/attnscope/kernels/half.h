// SPDX-License-Identifier: Apache-2.0
// IEEE binary16 and bfloat16 to fp32, exact (every half value is representable in fp32), and back with
// round-to-nearest-even.
#pragma once

#include <cstdint>
#include <cstring>

namespace attnscope::kernels {

/// bfloat16 is the upper half of an fp32.
inline float bf16ToFloat(uint16_t bits) {
    const uint32_t widened = static_cast<uint32_t>(bits) << 16;
    float value;
    std::memcpy(&value, &widened, sizeof value);
    return value;
}

/// IEEE binary16, including subnormals, infinities and NaN.
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

/// fp32 to bfloat16, rounding to nearest even; NaN stays NaN.
inline uint16_t floatToBf16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return static_cast<uint16_t>((bits >> 16) | 0x40u); // quiet NaN
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>(bits >> 16);
}

/// fp32 to IEEE binary16, rounding to nearest even, with subnormals and overflow to infinity.
inline uint16_t floatToF16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u)
        return static_cast<uint16_t>(sign | 0x7e00u); // NaN
    if (magnitude >= 0x477ff000u)                     // rounds past 65504
        return static_cast<uint16_t>(sign | 0x7c00u);
    if (magnitude < 0x38800000u) { // below 2^-14: subnormal or zero
        if (magnitude < 0x33000000u)
            return sign;
        const uint32_t exponent = magnitude >> 23, mantissa = (magnitude & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - exponent; // 14 + (113 - exponent - 1) ... 24 - (exponent - 102)
        uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1u), midpoint = 1u << (shift - 1);
        if (rest > midpoint || (rest == midpoint && (half & 1u)))
            ++half;
        return static_cast<uint16_t>(sign | half);
    }
    uint32_t rounded = magnitude + 0xfffu + ((magnitude >> 13) & 1u);
    return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

} // namespace attnscope::kernels
