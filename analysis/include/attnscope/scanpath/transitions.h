// SPDX-License-Identifier: Apache-2.0
// AOI transition matrices (SCANPATH.md §5.2, GazePlotter's view): how often gaze moves from one area of
// interest to another, with "no AOI" as a symbol of its own.
#pragma once

#include <vector>

namespace attnscope::scanpath {

/// Counts of transitions between symbols: rows FROM, columns TO, in the order of `symbols` (ascending,
/// so -1, "no AOI", comes first when present).
struct TransitionMatrix {
    std::vector<int> symbols;
    std::vector<double> counts; ///< symbols.size()² row-major

    double count(std::size_t from, std::size_t to) const { return counts[from * symbols.size() + to]; }
    /// Row-normalized: P(next = to | current = from); a row without transitions stays 0.
    std::vector<double> probabilities() const;
};

/// The transitions of every consecutive pair in each sequence (not across sequences). Without
/// `includeRepeats`, a fixation followed by one on the same symbol (an immediate refixation) is not a
/// transition: the matrix's diagonal stays 0.
TransitionMatrix aoiTransitions(const std::vector<std::vector<int>>& sequences, bool includeRepeats = false);

} // namespace attnscope::scanpath
