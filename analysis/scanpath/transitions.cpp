// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/transitions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace attnscope::scanpath {

std::vector<double> TransitionMatrix::probabilities() const {
    const std::size_t n = symbols.size();
    std::vector<double> out(counts);
    for (std::size_t from = 0; from < n; ++from) {
        double total = 0.0;
        for (std::size_t to = 0; to < n; ++to)
            total += counts[from * n + to];
        if (total > 0.0)
            for (std::size_t to = 0; to < n; ++to)
                out[from * n + to] /= total;
    }
    return out;
}

TransitionMatrix aoiTransitions(const std::vector<std::vector<int>>& sequences, bool includeRepeats) {
    std::set<int> seen;
    for (const auto& sequence : sequences)
        seen.insert(sequence.begin(), sequence.end());
    TransitionMatrix matrix;
    matrix.symbols.assign(seen.begin(), seen.end());
    const std::size_t n = matrix.symbols.size();
    matrix.counts.assign(n * n, 0.0);
    const auto index = [&](int symbol) {
        return static_cast<std::size_t>(
            std::lower_bound(matrix.symbols.begin(), matrix.symbols.end(), symbol) - matrix.symbols.begin());
    };
    for (const auto& sequence : sequences)
        for (std::size_t k = 0; k + 1 < sequence.size(); ++k) {
            if (!includeRepeats && sequence[k] == sequence[k + 1])
                continue;
            matrix.counts[index(sequence[k]) * n + index(sequence[k + 1])] += 1.0;
        }
    return matrix;
}

TransitionEntropy transitionEntropy(const TransitionMatrix& matrix) {
    TransitionEntropy result;
    const std::size_t n = matrix.symbols.size();
    result.stationaryNormalized = result.transitionNormalized = std::numeric_limits<double>::quiet_NaN();
    if (n == 0)
        return result;
    std::vector<double> p = matrix.probabilities();
    for (std::size_t i = 0; i < n; ++i) {
        double row = 0.0;
        for (std::size_t j = 0; j < n; ++j)
            row += p[i * n + j];
        if (row == 0.0) // never left (the last fixation's symbol only): gaze restarts anywhere
            for (std::size_t j = 0; j < n; ++j)
                p[i * n + j] = 1.0 / static_cast<double>(n);
    }
    std::vector<double> pi(n, 1.0 / static_cast<double>(n)), next(n);
    for (int iteration = 0; iteration < 100000; ++iteration) {
        // next = π · ½(P + I)
        for (std::size_t j = 0; j < n; ++j)
            next[j] = 0.5 * pi[j];
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
                next[j] += 0.5 * pi[i] * p[i * n + j];
        double change = 0.0, total = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            change += std::abs(next[j] - pi[j]);
            total += next[j];
        }
        for (std::size_t j = 0; j < n; ++j)
            pi[j] = next[j] / total;
        if (change < 1e-14)
            break;
    }
    result.stationary = pi;
    for (std::size_t i = 0; i < n; ++i) {
        if (pi[i] > 0.0)
            result.stationaryEntropy -= pi[i] * std::log2(pi[i]);
        double row = 0.0;
        for (std::size_t j = 0; j < n; ++j)
            if (p[i * n + j] > 0.0)
                row -= p[i * n + j] * std::log2(p[i * n + j]);
        result.transitionEntropy += pi[i] * row;
    }
    const double maximum =
        n > 1 ? std::log2(static_cast<double>(n)) : std::numeric_limits<double>::quiet_NaN();
    result.stationaryNormalized = result.stationaryEntropy / maximum;
    result.transitionNormalized = result.transitionEntropy / maximum;
    return result;
}

} // namespace attnscope::scanpath
