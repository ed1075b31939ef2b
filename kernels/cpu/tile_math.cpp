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

namespace {

void scoreTilePortable(const float* q, int64_t qStride, int rows, const float* kT, int headDim,
                       float* scores) {
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

} // namespace

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

namespace {

void accumulateTilePortable(const float* p, const float* v, int rows, int keys, int headDim,
                            const float* correction, float* out) {
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

#if defined(__x86_64__) && defined(__GNUC__)
// Explicit register tiles (GCC vector extensions): the accumulators stay in registers, which plain
// loops over float arrays do not achieve (GCC keeps such arrays on the stack).
typedef float V16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef float V8 __attribute__((vector_size(32), aligned(4), may_alias));

/// AVX-512: 4 query rows x 64 keys = 16 zmm accumulators; one key row of kT (4 zmm) per step.
__attribute__((target("avx512f,fma"))) void scoreTileAvx512(const float* q, int64_t qStride, int rows,
                                                            const float* kT, int headDim, float* scores) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        V16 a[4][4] = {};
        const float* qr = q + r * qStride;
        for (int c = 0; c < headDim; ++c) {
            const V16* k = reinterpret_cast<const V16*>(kT + static_cast<int64_t>(c) * kTileKeys);
            const V16 k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3];
            for (int i = 0; i < 4; ++i) {
                const float b = qr[i * qStride + c];
                a[i][0] += b * k0;
                a[i][1] += b * k1;
                a[i][2] += b * k2;
                a[i][3] += b * k3;
            }
        }
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j)
                *reinterpret_cast<V16*>(scores + (r + i) * kTileKeys + 16 * j) = a[i][j];
    }
    if (r < rows)
        scoreTilePortable(q + r * qStride, qStride, rows - r, kT, headDim, scores + r * kTileKeys);
}

/// AVX2: 2 rows x 32 keys = 8 ymm accumulators, twice per 64-key tile.
__attribute__((target("avx2,fma"))) void scoreTileAvx2(const float* q, int64_t qStride, int rows,
                                                       const float* kT, int headDim, float* scores) {
    int r = 0;
    for (; r + 2 <= rows; r += 2)
        for (int half = 0; half < 2; ++half) {
            V8 a[2][4] = {};
            const float* qr = q + r * qStride;
            for (int c = 0; c < headDim; ++c) {
                const V8* k =
                    reinterpret_cast<const V8*>(kT + static_cast<int64_t>(c) * kTileKeys + 32 * half);
                const V8 k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3];
                for (int i = 0; i < 2; ++i) {
                    const float b = qr[i * qStride + c];
                    a[i][0] += b * k0;
                    a[i][1] += b * k1;
                    a[i][2] += b * k2;
                    a[i][3] += b * k3;
                }
            }
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 4; ++j)
                    *reinterpret_cast<V8*>(scores + (r + i) * kTileKeys + 32 * half + 8 * j) = a[i][j];
        }
    if (r < rows)
        scoreTilePortable(q + r * qStride, qStride, rows - r, kT, headDim, scores + r * kTileKeys);
}

/// AVX-512: 4 rows x 64 output columns = 16 zmm accumulators; one value row (4 zmm) per key.
__attribute__((target("avx512f,fma"))) void accumulateTileAvx512(const float* p, const float* v, int rows,
                                                                 int keys, int headDim,
                                                                 const float* correction, float* out) {
    if (headDim % 64 != 0) {
        accumulateTilePortable(p, v, rows, keys, headDim, correction, out);
        return;
    }
    int r = 0;
    for (; r + 4 <= rows; r += 4)
        for (int c = 0; c < headDim; c += 64) {
            V16 a[4][4];
            for (int i = 0; i < 4; ++i) {
                const V16* o =
                    reinterpret_cast<const V16*>(out + (r + i) * static_cast<int64_t>(headDim) + c);
                const float scale = correction[r + i];
                for (int j = 0; j < 4; ++j)
                    a[i][j] = o[j] * scale;
            }
            for (int key = 0; key < keys; ++key) {
                const V16* vk = reinterpret_cast<const V16*>(v + static_cast<int64_t>(key) * headDim + c);
                const V16 v0 = vk[0], v1 = vk[1], v2 = vk[2], v3 = vk[3];
                for (int i = 0; i < 4; ++i) {
                    const float b = p[(r + i) * kTileKeys + key];
                    a[i][0] += b * v0;
                    a[i][1] += b * v1;
                    a[i][2] += b * v2;
                    a[i][3] += b * v3;
                }
            }
            for (int i = 0; i < 4; ++i) {
                V16* o = reinterpret_cast<V16*>(out + (r + i) * static_cast<int64_t>(headDim) + c);
                for (int j = 0; j < 4; ++j)
                    o[j] = a[i][j];
            }
        }
    if (r < rows)
        accumulateTilePortable(p + r * kTileKeys, v, rows - r, keys, headDim, correction + r,
                               out + r * static_cast<int64_t>(headDim));
}

/// AVX2: 2 rows x 32 output columns = 8 ymm accumulators.
__attribute__((target("avx2,fma"))) void accumulateTileAvx2(const float* p, const float* v, int rows,
                                                            int keys, int headDim, const float* correction,
                                                            float* out) {
    if (headDim % 32 != 0) {
        accumulateTilePortable(p, v, rows, keys, headDim, correction, out);
        return;
    }
    int r = 0;
    for (; r + 2 <= rows; r += 2)
        for (int c = 0; c < headDim; c += 32) {
            V8 a[2][4];
            for (int i = 0; i < 2; ++i) {
                const V8* o = reinterpret_cast<const V8*>(out + (r + i) * static_cast<int64_t>(headDim) + c);
                const float scale = correction[r + i];
                for (int j = 0; j < 4; ++j)
                    a[i][j] = o[j] * scale;
            }
            for (int key = 0; key < keys; ++key) {
                const V8* vk = reinterpret_cast<const V8*>(v + static_cast<int64_t>(key) * headDim + c);
                const V8 v0 = vk[0], v1 = vk[1], v2 = vk[2], v3 = vk[3];
                for (int i = 0; i < 2; ++i) {
                    const float b = p[(r + i) * kTileKeys + key];
                    a[i][0] += b * v0;
                    a[i][1] += b * v1;
                    a[i][2] += b * v2;
                    a[i][3] += b * v3;
                }
            }
            for (int i = 0; i < 2; ++i) {
                V8* o = reinterpret_cast<V8*>(out + (r + i) * static_cast<int64_t>(headDim) + c);
                for (int j = 0; j < 4; ++j)
                    o[j] = a[i][j];
            }
        }
    if (r < rows)
        accumulateTilePortable(p + r * kTileKeys, v, rows - r, keys, headDim, correction + r,
                               out + r * static_cast<int64_t>(headDim));
}
#endif

using ScoreTileFn = void (*)(const float*, int64_t, int, const float*, int, float*);
using AccumulateTileFn = void (*)(const float*, const float*, int, int, int, const float*, float*);

/// The widest implementation the running CPU supports, chosen once.
struct Dispatch {
    ScoreTileFn score = scoreTilePortable;
    AccumulateTileFn accumulate = accumulateTilePortable;
    Dispatch() {
#if defined(__x86_64__) && defined(__GNUC__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) {
            score = scoreTileAvx512;
            accumulate = accumulateTileAvx512;
        } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            score = scoreTileAvx2;
            accumulate = accumulateTileAvx2;
        }
#endif
    }
};

const Dispatch& dispatch() {
    static const Dispatch instance;
    return instance;
}

} // namespace

void scoreTile(const float* q, int64_t qStride, int rows, const float* kT, int headDim, float* scores) {
    dispatch().score(q, qStride, rows, kT, headDim, scores);
}

void accumulateTile(const float* p, const float* v, int rows, int keys, int headDim, const float* correction,
                    float* out) {
    dispatch().accumulate(p, v, rows, keys, headDim, correction, out);
}

const char* tileKernelName() {
    const Dispatch& d = dispatch();
#if defined(__x86_64__) && defined(__GNUC__)
    if (d.score == scoreTileAvx512)
        return "avx512";
    if (d.score == scoreTileAvx2)
        return "avx2";
#endif
    (void)d;
    return "portable";
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
float expShiftSumWeighted(const float* x, float* out, int count, float shift, float& weighted) {
    float sum = 0.0f, product = 0.0f;
    for (int j = 0; j < count; ++j) {
        const float value = x[j] - shift;
        const bool masked = value < -87.0f;
        const float e = masked ? 0.0f : expNonPositive(value);
        out[j] = e;
        sum += e;
        product += masked ? 0.0f : e * x[j];
    }
    weighted = product;
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
