// SPDX-License-Identifier: Apache-2.0
// Written as plain loops with fixed trip counts that GCC vectorizes; target_clones compiles each for
// AVX-512, AVX2 with FMA, and the baseline, and the loader picks one for the running CPU.
#include "tile_math.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define ATTNSCOPE_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#elif defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define ATTNSCOPE_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ATTNSCOPE_MULTIVERSION
#endif

namespace attnscope::kernels::cpu {

namespace {

/// exp(x) for x <= 0 by 2^n * p(f): branch-free so that loops over it vectorize.
inline float expNonPositive(float x) {
    x = x < -87.0f ? -87.0f : x;
    const float t = x * 1.44269504088896341f; // log2(e)
    const float n = std::floor(t);
    const float f = t - n; // [0, 1)
    // 2^f on [0, 1): minimax polynomial, relative error ~2e-7.
    float p = 1.8775767e-3f;
    p = p * f + 8.9893397e-3f;
    p = p * f + 5.5826318e-2f;
    p = p * f + 2.4015361e-1f;
    p = p * f + 6.9315308e-1f;
    p = p * f + 9.9999994e-1f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
}

} // namespace

ATTNSCOPE_MULTIVERSION
void scoreTile(const float* q, int64_t qStride, int rows, const float* kT, int headDim, float* scores) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        float a0[kTileKeys] = {}, a1[kTileKeys] = {}, a2[kTileKeys] = {}, a3[kTileKeys] = {};
        const float *q0 = q + r * qStride, *q1 = q0 + qStride, *q2 = q1 + qStride, *q3 = q2 + qStride;
        for (int c = 0; c < headDim; ++c) {
            const float* k = kT + static_cast<int64_t>(c) * kTileKeys;
            const float b0 = q0[c], b1 = q1[c], b2 = q2[c], b3 = q3[c];
            for (int j = 0; j < kTileKeys; ++j) {
                a0[j] += b0 * k[j];
                a1[j] += b1 * k[j];
                a2[j] += b2 * k[j];
                a3[j] += b3 * k[j];
            }
        }
        std::memcpy(scores + (r + 0) * kTileKeys, a0, sizeof(a0));
        std::memcpy(scores + (r + 1) * kTileKeys, a1, sizeof(a1));
        std::memcpy(scores + (r + 2) * kTileKeys, a2, sizeof(a2));
        std::memcpy(scores + (r + 3) * kTileKeys, a3, sizeof(a3));
    }
    for (; r < rows; ++r) {
        float a[kTileKeys] = {};
        const float* qr = q + r * qStride;
        for (int c = 0; c < headDim; ++c) {
            const float* k = kT + static_cast<int64_t>(c) * kTileKeys;
            for (int j = 0; j < kTileKeys; ++j)
                a[j] += qr[c] * k[j];
        }
        std::memcpy(scores + r * kTileKeys, a, sizeof(a));
    }
}

ATTNSCOPE_MULTIVERSION
void accumulateValues(const float* p, const float* v, int keys, int headDim, float correction, float* out) {
    for (int c = 0; c < headDim; ++c)
        out[c] *= correction;
    int j = 0;
    for (; j + 4 <= keys; j += 4) {
        const float p0 = p[j], p1 = p[j + 1], p2 = p[j + 2], p3 = p[j + 3];
        const float *v0 = v + static_cast<int64_t>(j) * headDim, *v1 = v0 + headDim, *v2 = v1 + headDim,
                    *v3 = v2 + headDim;
        for (int c = 0; c < headDim; ++c)
            out[c] += p0 * v0[c] + p1 * v1[c] + p2 * v2[c] + p3 * v3[c];
    }
    for (; j < keys; ++j) {
        const float pj = p[j];
        const float* vj = v + static_cast<int64_t>(j) * headDim;
        for (int c = 0; c < headDim; ++c)
            out[c] += pj * vj[c];
    }
}

ATTNSCOPE_MULTIVERSION
void accumulateTile(const float* p, const float* v, int rows, int keys, int headDim, const float* correction,
                    float* out) {
    constexpr int kChunk = 32; // output columns held in registers per row
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *p0 = p + static_cast<int64_t>(r) * kTileKeys, *p1 = p0 + kTileKeys, *p2 = p1 + kTileKeys,
                    *p3 = p2 + kTileKeys;
        float *o0 = out + static_cast<int64_t>(r) * headDim, *o1 = o0 + headDim, *o2 = o1 + headDim,
              *o3 = o2 + headDim;
        const float c0 = correction[r], c1 = correction[r + 1], c2 = correction[r + 2],
                    c3 = correction[r + 3];
        for (int c = 0; c < headDim; c += kChunk) {
            const int width = headDim - c < kChunk ? headDim - c : kChunk;
            float a0[kChunk], a1[kChunk], a2[kChunk], a3[kChunk];
            for (int e = 0; e < kChunk; ++e) {
                const bool inside = e < width;
                a0[e] = inside ? o0[c + e] * c0 : 0.0f;
                a1[e] = inside ? o1[c + e] * c1 : 0.0f;
                a2[e] = inside ? o2[c + e] * c2 : 0.0f;
                a3[e] = inside ? o3[c + e] * c3 : 0.0f;
            }
            if (width == kChunk) {
                for (int j = 0; j < keys; ++j) {
                    const float* vj = v + static_cast<int64_t>(j) * headDim + c;
                    const float b0 = p0[j], b1 = p1[j], b2 = p2[j], b3 = p3[j];
                    for (int e = 0; e < kChunk; ++e) {
                        a0[e] += b0 * vj[e];
                        a1[e] += b1 * vj[e];
                        a2[e] += b2 * vj[e];
                        a3[e] += b3 * vj[e];
                    }
                }
            } else {
                for (int j = 0; j < keys; ++j) {
                    const float* vj = v + static_cast<int64_t>(j) * headDim + c;
                    for (int e = 0; e < width; ++e) {
                        a0[e] += p0[j] * vj[e];
                        a1[e] += p1[j] * vj[e];
                        a2[e] += p2[j] * vj[e];
                        a3[e] += p3[j] * vj[e];
                    }
                }
            }
            for (int e = 0; e < width; ++e) {
                o0[c + e] = a0[e];
                o1[c + e] = a1[e];
                o2[c + e] = a2[e];
                o3[c + e] = a3[e];
            }
        }
    }
    for (; r < rows; ++r)
        accumulateValues(p + static_cast<int64_t>(r) * kTileKeys, v, keys, headDim, correction[r],
                         out + static_cast<int64_t>(r) * headDim);
}

ATTNSCOPE_MULTIVERSION
float expShiftSum(const float* x, float* out, int count, float shift) {
    float sum = 0.0f;
    for (int j = 0; j < count; ++j) {
        const float value = x[j] - shift;
        // -inf (masked) maps to 0 exactly; everything else through the polynomial.
        const float e = value < -87.0f ? 0.0f : expNonPositive(value);
        out[j] = e;
        sum += e;
    }
    return sum;
}

ATTNSCOPE_MULTIVERSION
float maxOf(const float* x, int count) {
    float best = -INFINITY;
    for (int j = 0; j < count; ++j)
        best = x[j] > best ? x[j] : best;
    return best;
}

ATTNSCOPE_MULTIVERSION
float weightedSum(const float* p, const float* s, int count) {
    float sum = 0.0f;
    for (int j = 0; j < count; ++j)
        sum += p[j] > 0.0f ? p[j] * s[j] : 0.0f;
    return sum;
}

} // namespace attnscope::kernels::cpu
