// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/kernel_self_check.h"

#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/kernel_status.h"

#include <chrono>
#include <cmath>
#include <random>

namespace attnscope::runtime {

namespace {

/// LSE of one causal row in double precision, straight from the definition.
double referenceLse(const std::vector<float>& q, const std::vector<float>& k, int row, int headDim) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    std::vector<double> logits(row + 1);
    double maximum = -INFINITY;
    for (int j = 0; j <= row; ++j) {
        double dot = 0;
        for (int c = 0; c < headDim; ++c)
            dot += static_cast<double>(q[static_cast<std::size_t>(row) * headDim + c]) *
                   k[static_cast<std::size_t>(j) * headDim + c];
        logits[j] = dot * scale;
        maximum = std::max(maximum, logits[j]);
    }
    double sum = 0;
    for (double logit : logits)
        sum += std::exp(logit - maximum);
    return maximum + std::log(sum);
}

} // namespace

Expected<std::vector<SelfCheckRow>> runKernelSelfCheck(const SelfCheckOptions& options,
                                                       const Progress& progress) {
    if (options.lengths.empty() || options.queryHeads < 1 || options.kvHeads < 1 ||
        options.queryHeads % options.kvHeads != 0 || options.headDim < 1)
        return Status::invalidArgument(
            "self-check options: need lengths, and query heads a multiple of KV heads");
    std::mt19937 generator(1234);
    std::normal_distribution<float> normal;
    std::vector<SelfCheckRow> rows;

    double totalWork = 0, doneWork = 0;
    for (int length : options.lengths)
        totalWork += static_cast<double>(length) * length;

    for (int length : options.lengths) {
        const int d = options.headDim;
        const int group = options.queryHeads / options.kvHeads;
        // One head's Q and one KV head's K/V; each query head of a group reuses them with its own Q.
        std::vector<float> q(static_cast<std::size_t>(length) * d), k(q.size()), v(q.size()), out(q.size());
        SelfCheckRow row{length, 0.0, 0.0, 0.0};

        for (int head = 0; head < options.queryHeads; ++head) {
            if (head % group == 0)
                for (auto* tensor : {&k, &v})
                    for (float& value : *tensor)
                        value = normal(generator);
            for (float& value : q)
                value = normal(generator);

            kernels::AttentionDims dims;
            dims.queryLength = dims.keyLength = length;
            dims.headDim = d;
            dims.causal = true;
            const int64_t strides[4] = {static_cast<int64_t>(length) * d, static_cast<int64_t>(length) * d, d,
                                        1};
            auto view = [&](const std::vector<float>& data) {
                kernels::TensorView view{data.data(), kernels::DType::F32, {}};
                std::copy(strides, strides + 4, view.stride);
                return view;
            };
            kernels::OutputView outView{out.data(), {strides[0], strides[1], strides[2], strides[3]}};
            kernels::ProbeResult result;
            kernels::ProbeRequest request;
            request.rowLogSumExp = true;
            const auto start = std::chrono::steady_clock::now();
            ATTNSCOPE_TRY(statusFromKernel(
                kernels::attention(dims, view(q), view(k), view(v), outView, request, result),
                "self-check attention"));
            row.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

            for (int sample : {0, length / 2, length - 1}) {
                const double error = std::fabs(result.rowLogSumExp[sample] - referenceLse(q, k, sample, d));
                row.maxLseError = std::max(row.maxLseError, error);
            }
            doneWork += static_cast<double>(length) * length / options.queryHeads;
            ATTNSCOPE_TRY(progress.update(static_cast<float>(doneWork / totalWork),
                                          "attention N=" + std::to_string(length)));
        }
        if (row.maxLseError > options.tolerance)
            return Status::internal("kernel self-check failed at N=" + std::to_string(length) +
                                    ": LSE error " + std::to_string(row.maxLseError) + " exceeds " +
                                    std::to_string(options.tolerance));
        const double flops = 4.0 * length * static_cast<double>(length) * d * options.queryHeads / 2.0;
        row.gflops = row.seconds > 0 ? flops / row.seconds / 1e9 : 0.0;
        rows.push_back(row);
    }
    return rows;
}

} // namespace attnscope::runtime
