// SPDX-License-Identifier: Apache-2.0
// FlexPrefill's pooled estimates (METHODS.md section 5), shared by the sparsity analysis and the sparse
// prefill intervention. Internal to analysis.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace attnscope::analyses::detail {

/// For one query head with queries and (its KV head's) keys [T, d] fp32: ā over key blocks of `block`
/// tokens for the mean query of the last block, and the block-causal softmax of block-mean queries against
/// block-mean keys ([blocks * blocks], row-major).
void flexEstimates(const at::Tensor& headQueries, const at::Tensor& headKeys, float scale, int block,
                   std::vector<double>& estimated, std::vector<double>& blockEstimate);

} // namespace attnscope::analyses::detail
