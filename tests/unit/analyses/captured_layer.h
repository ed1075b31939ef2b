// SPDX-License-Identifier: Apache-2.0
// One causal attention layer run through the real kernel with a probe, with its queries and keys in a
// runtime::QueryKeyCapture and the dense double-precision P beside it (the tests' ground truth).
#pragma once

#include "../kernels/dense_reference.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/forward.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace attnscope::test {

struct CapturedLayer {
    kernels::AttentionDims dims;
    runtime::QueryKeyCapture capture;
    kernels::ProbeResult probe;
    DenseReference reference;
    /// P of query head h, row i, key j.
    double p(int h, int i, int j) const {
        return reference
            .probabilities[(static_cast<std::size_t>(h) * dims.queryLength + i) * dims.keyLength + j];
    }
    /// The scaled logit the kernel saw (for reference computations of logit-based methods).
    double logit(int h, int i, int j) const {
        const int group = dims.queryHeads / dims.kvHeads, d = dims.headDim;
        double dot = 0;
        for (int x = 0; x < d; ++x)
            dot += static_cast<double>(
                       capture.queries[(static_cast<std::size_t>(h) * dims.queryLength + i) * d + x]) *
                   capture.keys[(static_cast<std::size_t>(h / group) * dims.keyLength + j) * d + x];
        return dot / std::sqrt(static_cast<double>(d));
    }
};

/// Random exactly-representable inputs; queries multiplied by `sharpness` to make peaked rows.
inline CapturedLayer runCapturedLayer(int tokens, int queryHeads, int kvHeads,
                                      const kernels::ProbeRequest& request, uint32_t seed,
                                      float sharpness = 4.0f, int headDim = 16) {
    CapturedLayer layer;
    kernels::AttentionDims& dims = layer.dims;
    dims.queryHeads = queryHeads;
    dims.kvHeads = kvHeads;
    dims.queryLength = dims.keyLength = tokens;
    dims.headDim = headDim;
    DenseInputs inputs{
        exactlyRepresentableRandom(static_cast<std::size_t>(queryHeads) * tokens * headDim, seed),
        exactlyRepresentableRandom(static_cast<std::size_t>(kvHeads) * tokens * headDim, seed + 1),
        exactlyRepresentableRandom(static_cast<std::size_t>(kvHeads) * tokens * headDim, seed + 2)};
    for (float& value : inputs.q)
        value *= sharpness;
    layer.reference = denseAttention(dims, inputs);
    std::vector<float> out(inputs.q.size());
    auto view = [&](const std::vector<float>& data, int heads) {
        return kernels::TensorView{data.data(),
                                   kernels::DType::F32,
                                   {static_cast<int64_t>(heads) * tokens * headDim,
                                    static_cast<int64_t>(tokens) * headDim, headDim, 1}};
    };
    const kernels::KernelStatus status =
        kernels::attention(dims, view(inputs.q, queryHeads), view(inputs.k, kvHeads), view(inputs.v, kvHeads),
                           kernels::OutputView{out.data(),
                                               {static_cast<int64_t>(queryHeads) * tokens * headDim,
                                                static_cast<int64_t>(tokens) * headDim, headDim, 1}},
                           request, layer.probe);
    EXPECT_TRUE(status.ok()) << status.message;
    runtime::QueryKeyCapture& c = layer.capture;
    c.queryHeads = queryHeads;
    c.kvHeads = kvHeads;
    c.queryLength = c.keyLength = tokens;
    c.headDim = headDim;
    c.scale = 1.0f / std::sqrt(static_cast<float>(headDim));
    c.queries = inputs.q;
    c.keys = inputs.k;
    return layer;
}

} // namespace attnscope::test
