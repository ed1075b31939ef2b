// SPDX-License-Identifier: Apache-2.0
#include "dense_reference.h"

#include "../../support/format_writers.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace attnscope::test {

DenseReference denseAttention(const kernels::AttentionDims& dims, const DenseInputs& in,
                              const std::vector<float>& columnBias) {
    const int B = dims.batch, Hq = dims.queryHeads, Hkv = dims.kvHeads;
    const int M = dims.queryLength, N = dims.keyLength, D = dims.headDim;
    const double scale = dims.scale > 0 ? dims.scale : 1.0 / std::sqrt(static_cast<double>(D));
    DenseReference ref;
    ref.out.assign(static_cast<std::size_t>(B) * Hq * M * D, 0.0);
    ref.lse.assign(static_cast<std::size_t>(B) * Hq * M, -std::numeric_limits<double>::infinity());
    ref.entropy.assign(static_cast<std::size_t>(B) * Hq * M, 0.0);
    ref.probabilities.assign(static_cast<std::size_t>(B) * Hq * M * N, 0.0);

    for (int b = 0; b < B; ++b)
        for (int h = 0; h < Hq; ++h) {
            const int kvh = h / (Hq / Hkv);
            for (int i = 0; i < M; ++i) {
                const int64_t position = dims.queryOffset + i;
                std::vector<double> logits(N, -std::numeric_limits<double>::infinity());
                double maxLogit = -std::numeric_limits<double>::infinity();
                for (int j = 0; j < N; ++j) {
                    const bool masked = (dims.causal && j > position) ||
                                        (dims.slidingWindow > 0 && position - j >= dims.slidingWindow);
                    if (masked)
                        continue;
                    double dot = 0;
                    for (int c = 0; c < D; ++c)
                        dot += static_cast<double>(
                                   in.q[((static_cast<std::size_t>(b) * Hq + h) * M + i) * D + c]) *
                               in.k[((static_cast<std::size_t>(b) * Hkv + kvh) * N + j) * D + c];
                    logits[j] = dot * scale + (columnBias.empty() ? 0.0 : columnBias[j]);
                    maxLogit = std::max(maxLogit, logits[j]);
                }
                const std::size_t row = (static_cast<std::size_t>(b) * Hq + h) * M + i;
                if (std::isinf(maxLogit))
                    continue;
                double sum = 0;
                for (int j = 0; j < N; ++j)
                    if (!std::isinf(logits[j]))
                        sum += std::exp(logits[j] - maxLogit);
                ref.lse[row] = maxLogit + std::log(sum);
                double entropy = 0;
                for (int j = 0; j < N; ++j) {
                    if (std::isinf(logits[j]))
                        continue;
                    const double p = std::exp(logits[j] - ref.lse[row]);
                    ref.probabilities[row * N + j] = p;
                    if (p > 0)
                        entropy -= p * std::log(p);
                    for (int c = 0; c < D; ++c)
                        ref.out[row * D + c] +=
                            p * in.v[((static_cast<std::size_t>(b) * Hkv + kvh) * N + j) * D + c];
                }
                ref.entropy[row] = entropy;
            }
        }
    return ref;
}

std::vector<float> exactlyRepresentableRandom(std::size_t count, uint32_t seed) {
    std::mt19937 generator(seed);
    std::uniform_int_distribution<int> distribution(-127, 127);
    std::vector<float> values(count);
    for (float& value : values)
        value = static_cast<float>(distribution(generator)) / 64.0f;
    return values;
}

uint16_t encodeBf16(float exactValue) {
    uint32_t bits;
    std::memcpy(&bits, &exactValue, sizeof bits);
    return static_cast<uint16_t>(bits >> 16); // exact for values with <= 8 significant bits
}

uint16_t encodeF16(float exactValue) {
    return floatToHalf(exactValue);
}

} // namespace attnscope::test
