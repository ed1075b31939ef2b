// SPDX-License-Identifier: Apache-2.0
// The always-built CPU implementation: row-wise online softmax in fp32, one pass over the keys.
//
// It never stores a row of probabilities: each logit updates a running maximum m, the running sum
// l = sum exp(s - m) and the running output, so memory is O(headDim) per row whatever the length.
// Entropy comes from the same pass: H = LSE - (sum_j e^{s_j - m} s_j) / l.
#include "element_load.h"

#include "attnscope/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnscope::kernels {

namespace {

using cpu::loadRow;

/// First and one-past-last visible key for a row at absolute position `position`.
struct KeyRange {
    int64_t begin = 0;
    int64_t end = 0;
};

KeyRange visibleKeys(const AttentionDims& dims, int64_t position) {
    KeyRange range{0, dims.keyLength};
    if (dims.causal)
        range.end = std::min<int64_t>(range.end, position + 1);
    if (dims.slidingWindow > 0)
        range.begin = std::max<int64_t>(0, position - dims.slidingWindow + 1);
    range.end = std::max(range.end, range.begin);
    return range;
}

void attendRow(const AttentionDims& dims, const float* query, const TensorView& k, const TensorView& v,
               int64_t kBase, int64_t vBase, KeyRange keys, float scale, float* output, float& lse,
               float& entropy, std::vector<float>& keyRow, std::vector<float>& accumulator) {
    const int d = dims.headDim;
    float runningMax = -std::numeric_limits<float>::infinity();
    double runningSum = 0.0;
    double runningWeightedLogit = 0.0;
    std::fill(accumulator.begin(), accumulator.end(), 0.0f);

    for (int64_t j = keys.begin; j < keys.end; ++j) {
        loadRow(k.data, k.dtype, kBase + j * k.stride[2], d, keyRow.data());
        float logit = 0.0f;
        for (int c = 0; c < d; ++c)
            logit += query[c] * keyRow[c];
        logit *= scale;
        if (logit > runningMax) {
            // Rescale what was accumulated under the old maximum.
            const float correction = std::isinf(runningMax) ? 0.0f : std::exp(runningMax - logit);
            runningSum *= correction;
            runningWeightedLogit *= correction;
            for (int c = 0; c < d; ++c)
                accumulator[c] *= correction;
            runningMax = logit;
        }
        const float weight = std::exp(logit - runningMax);
        runningSum += weight;
        runningWeightedLogit += static_cast<double>(weight) * logit;
        loadRow(v.data, v.dtype, vBase + j * v.stride[2], d, keyRow.data());
        for (int c = 0; c < d; ++c)
            accumulator[c] += weight * keyRow[c];
    }

    if (runningSum <= 0.0) { // no visible key
        std::fill(output, output + d, 0.0f);
        lse = -std::numeric_limits<float>::infinity();
        entropy = 0.0f;
        return;
    }
    const float inverse = static_cast<float>(1.0 / runningSum);
    for (int c = 0; c < d; ++c)
        output[c] = accumulator[c] * inverse;
    const double logSum = runningMax + std::log(runningSum);
    lse = static_cast<float>(logSum);
    entropy = static_cast<float>(std::max(0.0, logSum - runningWeightedLogit / runningSum));
}

KernelStatus attentionCpu(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                          const TensorView& v, const OutputView& out, const ProbeRequest& request,
                          ProbeResult& result) {
    const int64_t rows = static_cast<int64_t>(dims.batch) * dims.queryHeads * dims.queryLength;
    result.rowLogSumExp.assign(request.rowLogSumExp ? rows : 0, 0.0f);
    result.rowEntropy.assign(request.rowEntropy ? rows : 0, 0.0f);

    const float scale = dims.scale > 0.0f ? dims.scale : 1.0f / std::sqrt(static_cast<float>(dims.headDim));
    const int group = dims.queryHeads / dims.kvHeads;
    std::vector<float> query(dims.headDim), keyRow(dims.headDim), accumulator(dims.headDim);

    int64_t row = 0;
    for (int b = 0; b < dims.batch; ++b) {
        for (int h = 0; h < dims.queryHeads; ++h) {
            const int kvHead = h / group;
            const int64_t kBase = b * k.stride[0] + kvHead * k.stride[1];
            const int64_t vBase = b * v.stride[0] + kvHead * v.stride[1];
            for (int i = 0; i < dims.queryLength; ++i, ++row) {
                loadRow(q.data, q.dtype, b * q.stride[0] + h * q.stride[1] + i * q.stride[2], dims.headDim,
                        query.data());
                float* output = out.data + b * out.stride[0] + h * out.stride[1] + i * out.stride[2];
                float lse = 0.0f, entropy = 0.0f;
                attendRow(dims, query.data(), k, v, kBase, vBase, visibleKeys(dims, dims.queryOffset + i),
                          scale, output, lse, entropy, keyRow, accumulator);
                if (request.rowLogSumExp)
                    result.rowLogSumExp[row] = lse;
                if (request.rowEntropy)
                    result.rowEntropy[row] = entropy;
            }
        }
    }
    return KernelStatus::success();
}

} // namespace

KernelStatus attention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                       const TensorView& v, const OutputView& out, const ProbeRequest& request,
                       ProbeResult& result, Backend backend) {
    if (auto status = validateAttention(dims, q, k, v, out); !status.ok())
        return status;
    switch (backend) {
    case Backend::Cpu:
        return attentionCpu(dims, q, k, v, out, request, result);
    case Backend::Cuda:
        return KernelStatus::unsupported("backend cuda: the CUDA attention kernel is not part of this "
                                         "build yet; use the CPU backend");
    }
    return KernelStatus::invalid("backend: unknown value");
}

} // namespace attnscope::kernels
