// SPDX-License-Identifier: Apache-2.0
// FlexPrefill's pattern decision and block mask (METHODS.md 5), SnapKV's kept keys (8a) and
// TokenSelect's soft vote (8b): pure functions over probabilities and pooled estimates.
#include "attnscope/analyses/sparsity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace attnscope::analyses {

namespace {

/// Indices of the `count` largest values (ties to the lower index), ascending.
std::vector<int> topIndices(const std::vector<double>& values, int count) {
    std::vector<int> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    count = std::clamp(count, 0, static_cast<int>(values.size()));
    std::partial_sort(order.begin(), order.begin() + count, order.end(), [&](int a, int b) {
        return values[a] > values[b] || (values[a] == values[b] && a < b);
    });
    order.resize(static_cast<std::size_t>(count));
    std::sort(order.begin(), order.end());
    return order;
}

/// How many of the largest entries it takes to reach `gamma` of the mass (at least 1).
int cumulativeCount(std::vector<double> values, double gamma) {
    std::sort(values.begin(), values.end(), std::greater<>());
    const double total = std::accumulate(values.begin(), values.end(), 0.0);
    double sum = 0;
    int count = 0;
    for (double v : values) {
        if (sum >= gamma * total - 1e-12 && count > 0)
            break;
        sum += v;
        ++count;
    }
    return std::max(count, 1);
}

double kl(const std::vector<double>& p, const std::vector<double>& q) {
    double sum = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i] > 0)
            sum += p[i] * std::log(p[i] / q[i]);
    return sum;
}

} // namespace

FlexPrefillHead flexPrefillDecision(const float* lastRows, int lastRowCount,
                                    const std::vector<double>& estimated,
                                    const std::vector<double>& blockEstimate, int tokens,
                                    const SparsityParameters& parameters) {
    FlexPrefillHead head;
    const int n = tokens, B = parameters.flexBlock, nb = (tokens + B - 1) / B;
    head.blocks = nb;
    head.blockMask.assign(static_cast<std::size_t>(nb) * nb, 0);
    auto set = [&](int i, int j) {
        if (i >= 0 && i < nb && j >= 0 && j <= i)
            head.blockMask[static_cast<std::size_t>(i) * nb + j] = 1;
    };
    const int rows = std::min(lastRowCount, std::min(B, n));
    if (n <= std::max(2 * B, parameters.flexMinBudget) || rows <= 0) {
        head.dense = true;
        for (int i = 0; i < nb; ++i)
            for (int j = 0; j <= i; ++j)
                set(i, j);
    } else {
        // Token-level vertical and slash profiles of the last block's rows (each sums to 1).
        std::vector<double> vertical(static_cast<std::size_t>(n), 0.0),
            slash(static_cast<std::size_t>(n), 0.0);
        for (int r = 0; r < rows; ++r) {
            const float* row = lastRows + static_cast<std::size_t>(lastRowCount - rows + r) * n;
            const int i = n - rows + r;
            for (int j = 0; j <= i; ++j) {
                vertical[static_cast<std::size_t>(j)] += row[j] / rows;
                slash[static_cast<std::size_t>(i - j)] += row[j] / rows;
            }
        }
        std::vector<double> trueBlocks(static_cast<std::size_t>(nb), 0.0), slashBlocks(trueBlocks);
        for (int j = 0; j < n; ++j) {
            trueBlocks[static_cast<std::size_t>(j / B)] += vertical[static_cast<std::size_t>(j)];
            slashBlocks[static_cast<std::size_t>(j / B)] += slash[static_cast<std::size_t>(j)];
        }
        std::vector<double> mid(trueBlocks.size());
        for (std::size_t k = 0; k < mid.size(); ++k)
            mid[k] = 0.5 * (estimated[k] + trueBlocks[k]);
        head.divergence = std::sqrt(std::max(0.0, 0.5 * kl(estimated, mid) + 0.5 * kl(trueBlocks, mid)));
        head.queryAware = head.divergence < parameters.flexTau;
        // Budgets in blocks, rounded up as the reference does (math.ceil(min_budget / block_size)).
        const int low = (parameters.flexMinBudget + B - 1) / B;
        const int high = parameters.flexMaxBudget > 0 ? (parameters.flexMaxBudget + B - 1) / B : nb;
        auto budget = [&](const std::vector<double>& profile) {
            // The reference divides by 128 whatever the block size (a documented quirk). The minimum first,
            // then the maximum, so that a maximum below the minimum wins rather than being undefined.
            return std::min(
                nb, std::min(high, std::max(low, cumulativeCount(profile, parameters.flexGamma) / 128 + 1)));
        };
        head.verticalBlocks = head.queryAware ? std::min(nb, low) : budget(vertical);
        head.slashBlocks = head.queryAware ? std::min(nb, low) : budget(slash);
        // Force the first key block and the main diagonal, then the top scores.
        trueBlocks[0] = std::numeric_limits<double>::infinity();
        slashBlocks[0] = std::numeric_limits<double>::infinity();
        for (int j : topIndices(trueBlocks, std::max(1, head.verticalBlocks)))
            for (int i = j; i < nb; ++i)
                set(i, j);
        for (int o : topIndices(slashBlocks, std::max(1, head.slashBlocks)))
            for (int i = o; i < nb; ++i)
                set(i, i - o);
        if (head.queryAware && blockEstimate.size() == head.blockMask.size()) {
            std::vector<int> order(blockEstimate.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(),
                             [&](int a, int b) { return blockEstimate[a] > blockEstimate[b]; });
            // The reference's score_cover_idx: the largest cells while their running sum stays within
            // γ·(N/B); the cell that would cross it is left out.
            double mass = 0;
            for (int cell : order) {
                mass += blockEstimate[static_cast<std::size_t>(cell)];
                if (mass > parameters.flexGamma * nb)
                    break;
                set(cell / nb, cell % nb);
            }
        }
    }
    head.activeBlocks = static_cast<int>(std::count(head.blockMask.begin(), head.blockMask.end(), 1));
    head.computationalRatio =
        nb ? static_cast<double>(head.activeBlocks) / (static_cast<double>(nb) * nb) : 1;
    return head;
}

FlexPrefillHead flexPrefillHead(const float* lastRows, int lastRowCount, const std::vector<double>& estimated,
                                const std::vector<double>& blockEstimate, const BlockGrid& grid,
                                const SparsityParameters& parameters) {
    FlexPrefillHead head =
        flexPrefillDecision(lastRows, lastRowCount, estimated, blockEstimate, grid.tokens, parameters);
    const int nb = head.blocks;
    head.mask = blockMaskMetrics(grid, head.blockMask);
    if (nb > 0) {
        double kept = 0, total = 0;
        for (int j = 0; j < nb; ++j) {
            const double mass = grid.sumAt(nb - 1, j);
            total += mass;
            kept += head.blockMask[static_cast<std::size_t>(nb - 1) * nb + j] ? mass : 0.0;
        }
        head.lastBlockRecall = total > 0 ? kept / total : 1.0;
    }
    return head;
}

std::vector<int> snapKvKeep(const float* windowRows, int window, int promptLength, int capacity, int kernel,
                            bool maxPool) {
    std::vector<int> keep;
    if (promptLength <= capacity || window >= promptLength) {
        keep.resize(static_cast<std::size_t>(std::max(promptLength, 0)));
        std::iota(keep.begin(), keep.end(), 0);
        return keep;
    }
    const int prefix = promptLength - window;
    std::vector<double> votes(static_cast<std::size_t>(prefix), 0.0);
    for (int r = 0; r < window; ++r)
        for (int j = 0; j < prefix; ++j)
            votes[static_cast<std::size_t>(j)] += windowRows[static_cast<std::size_t>(r) * promptLength + j];
    // Stride 1, padding kernel / 2: average pooling counts the zero padding (PyTorch's default), max
    // pooling ignores it.
    std::vector<double> pooled(votes.size(), 0.0);
    const int half = kernel / 2;
    for (int j = 0; j < prefix; ++j) {
        double acc = maxPool ? -std::numeric_limits<double>::infinity() : 0.0;
        for (int t = j - half; t <= j + half; ++t)
            if (t >= 0 && t < prefix)
                acc = maxPool ? std::max(acc, votes[static_cast<std::size_t>(t)])
                              : acc + votes[static_cast<std::size_t>(t)];
        pooled[static_cast<std::size_t>(j)] = maxPool ? acc : acc / kernel;
    }
    keep = topIndices(pooled, capacity - window);
    for (int j = prefix; j < promptLength; ++j)
        keep.push_back(j);
    return keep;
}

std::vector<int> tokenSelectVote(const std::vector<std::vector<double>>& scores, int budget) {
    if (scores.empty())
        return {};
    std::vector<double> votes(scores.front().size(), 0.0);
    for (const std::vector<double>& head : scores) {
        const double top = *std::max_element(head.begin(), head.end());
        double total = 0;
        for (double s : head)
            total += std::exp(s - top);
        for (std::size_t j = 0; j < head.size(); ++j)
            votes[j] += std::exp(head[j] - top) / total;
    }
    return topIndices(votes, budget);
}

} // namespace attnscope::analyses
