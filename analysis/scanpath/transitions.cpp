// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/transitions.h"

#include <algorithm>
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

} // namespace attnscope::scanpath
