// SPDX-License-Identifier: Apache-2.0
// The CPU kernel's inner loops on 64-key tiles, compiled for several instruction sets and picked at
// run time (AVX-512, AVX2+FMA, baseline x86-64) (internal header).
#pragma once

#include <cstdint>

namespace attnscope::kernels::cpu {

/// Keys per tile. Tiles of keys are stored transposed, [headDim][kTileKeys], so the inner loops run
/// over contiguous keys.
constexpr int kTileKeys = 64;

/// scores[r][j] = sum_c q[r][c] * kT[c][j] for r < rows, j < kTileKeys. q rows are `qStride` apart.
void scoreTile(const float* q, int64_t qStride, int rows, const float* kT, int headDim, float* scores);

/// out[c] = out[c] * correction + sum_j p[j] * v[j][c] for j < keys (v rows contiguous, headDim apart).
void accumulateValues(const float* p, const float* v, int keys, int headDim, float correction, float* out);

/// out[j] = exp(x[j] - shift) for j < count (out may be x); returns the sum. Accurate to a few ulp for
/// x - shift in [-87, 0]; smaller arguments (and -inf) give 0.
float expShiftSum(const float* x, float* out, int count, float shift);

/// Like expShiftSum, and also sum_j out[j] * x[j] (masked -inf entries contribute 0): the entropy's
/// running term, in the same pass.
float expShiftSumWeighted(const float* x, float* out, int count, float shift, float& weighted);

/// The largest of x[0..count).
float maxOf(const float* x, int count);

/// For r < rows: out[r][c] = out[r][c] * correction[r] + sum_j p[r][j] * v[j][c], j < keys. p rows are
/// kTileKeys apart, out rows headDim apart. Rows share the loads of V (four at a time).
void accumulateTile(const float* p, const float* v, int rows, int keys, int headDim, const float* correction,
                    float* out);

/// Which inner loops run here: "avx512", "avx2" or "portable".
const char* tileKernelName();

/// sum_j p[j] * s[j], ignoring entries where p is 0 (s may be -inf there).
float weightedSum(const float* p, const float* s, int count);

} // namespace attnscope::kernels::cpu
