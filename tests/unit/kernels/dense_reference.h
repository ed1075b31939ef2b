// SPDX-License-Identifier: Apache-2.0
// Naive dense attention in double precision: P is materialized, so every statistic has a reference.
#pragma once

#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <vector>

namespace attnscope::test {

/// Contiguous [batch, heads, tokens, dim] inputs in fp32 (already rounded to the tested dtype).
struct DenseInputs {
    std::vector<float> q, k, v;
};

/// Reference outputs laid out like the kernel's: out [b, hq, i, d]; lse and entropy [b, hq, i].
struct DenseReference {
    std::vector<double> out;
    std::vector<double> lse;
    std::vector<double> entropy;
    /// P for every (b, hq): [b, hq, i, j]; rows without visible keys are all zero.
    std::vector<double> probabilities;
};

/// `columnBias` (optional, [keyLength]) is added to every row's logits, as Intervention::columnLogitBias.
DenseReference denseAttention(const kernels::AttentionDims& dims, const DenseInputs& inputs,
                              const std::vector<float>& columnBias = {});

/// Random values k/64 with |k| <= 127: exactly representable in f32, bf16 and f16.
std::vector<float> exactlyRepresentableRandom(std::size_t count, uint32_t seed);

uint16_t encodeBf16(float exactValue);
uint16_t encodeF16(float exactValue);

} // namespace attnscope::test
