// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/sparse_interventions.h"

#include "flex_estimates.h"
#include "torch_guard.h"

#include <algorithm>
#include <sstream>

namespace attnscope::analyses {

namespace {

Expected<std::vector<uint8_t>> flexPrefillMasks(const runtime::LayerQueryKey& layer,
                                                const SparsityParameters& p) {
    const kernels::AttentionDims& dims = layer.dims;
    const int tokens = dims.keyLength, heads = dims.queryHeads, group = dims.queryHeads / dims.kvHeads;
    const int rows = std::min(p.flexBlock, tokens);
    const int64_t blocks = (tokens + p.flexBlock - 1) / p.flexBlock;
    if (tokens <= std::max(2 * p.flexBlock, p.flexMinBudget)) { // the reference runs these dense
        std::vector<uint8_t> dense;
        dense.reserve(static_cast<std::size_t>(heads * blocks * blocks));
        for (int h = 0; h < heads; ++h)
            for (int64_t I = 0; I < blocks; ++I)
                for (int64_t J = 0; J < blocks; ++J)
                    dense.push_back(J <= I ? 1 : 0);
        return dense;
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<float> last, runtime::lastRowProbabilities(layer, rows));
    std::vector<uint8_t> masks;
    masks.reserve(static_cast<std::size_t>(heads * blocks * blocks));
    Status status = runtime::guardTorch("FlexPrefill estimates", [&] {
        at::NoGradGuard noGrad;
        const auto options = at::TensorOptions().dtype(at::kFloat);
        // Views of the kernel's own arrays (contiguous [heads, tokens, d]); nothing is written to them.
        at::Tensor queries =
            at::from_blob(const_cast<void*>(layer.queries.data), {heads, tokens, dims.headDim}, options);
        at::Tensor keys =
            at::from_blob(const_cast<void*>(layer.keys.data), {dims.kvHeads, tokens, dims.headDim}, options);
        for (int h = 0; h < heads; ++h) {
            std::vector<double> estimated, blockEstimate;
            detail::flexEstimates(queries[h], keys[h / group], dims.scale, p.flexBlock, estimated,
                                  blockEstimate);
            const FlexPrefillHead head =
                flexPrefillDecision(last.data() + static_cast<std::size_t>(h) * rows * tokens, rows,
                                    estimated, blockEstimate, tokens, p);
            masks.insert(masks.end(), head.blockMask.begin(), head.blockMask.end());
        }
    });
    ATTNSCOPE_TRY(status);
    return masks;
}

} // namespace

std::string describeFlexPrefill(const SparsityParameters& p) {
    std::ostringstream text;
    text << "FlexPrefill, gamma " << p.flexGamma << ", tau " << p.flexTau << ", block " << p.flexBlock
         << ", budget " << p.flexMinBudget << "-"
         << (p.flexMaxBudget > 0 ? std::to_string(p.flexMaxBudget) : "none");
    return text.str();
}

runtime::SparsePrefill flexPrefillIntervention(const SparsityParameters& parameters) {
    runtime::SparsePrefill prefill;
    prefill.blockSize = parameters.flexBlock;
    prefill.description = describeFlexPrefill(parameters);
    prefill.blockMasks = [parameters](const runtime::LayerQueryKey& layer) {
        return flexPrefillMasks(layer, parameters);
    };
    return prefill;
}

std::string describeSnapKv(int capacity, int window, int kernel, bool maxPool) {
    std::ostringstream text;
    text << "SnapKV, capacity " << capacity << ", window " << window << ", kernel " << kernel << ", "
         << (maxPool ? "max" : "average") << " pooling";
    return text.str();
}

runtime::KvSelection snapKvIntervention(int capacity, int window, int kernel, bool maxPool) {
    runtime::KvSelection selection;
    selection.observationWindow = window;
    selection.description = describeSnapKv(capacity, window, kernel, maxPool);
    selection.keepKeys = [capacity, kernel, maxPool](const runtime::HeadIndex&, const float* windowRows,
                                                     int rows, int promptLength) {
        return snapKvKeep(windowRows, rows, promptLength, capacity, kernel, maxPool);
    };
    return selection;
}

} // namespace attnscope::analyses
