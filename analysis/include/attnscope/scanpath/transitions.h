// SPDX-License-Identifier: Apache-2.0
// AOI transition matrices (SCANPATH.md §5.2, GazePlotter's view): how often gaze moves from one area of
// interest to another, with "no AOI" as a symbol of its own; and the chain's entropies.
#pragma once

#include <cstddef>
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

/// Gaze transition entropy (Krejtz et al. 2015) of the Markov chain whose transition matrix is the
/// row-normalized counts.
struct TransitionEntropy {
    std::vector<double> stationary; ///< π with π = πP and Σ π = 1, per symbol
    double stationaryEntropy = 0.0; ///< H_s = −Σ π_i log2 π_i (bits): how spread attention is
    double transitionEntropy = 0.0; ///< H_t = −Σ_i π_i Σ_j p_ij log2 p_ij (bits): how predictable moves are
    double stationaryNormalized = 0.0; ///< H_s / log2 n (NaN for fewer than 2 symbols)
    double transitionNormalized = 0.0; ///< H_t / log2 n (NaN for fewer than 2 symbols)
};

/// π by power iteration on the lazy chain ½(P + I), which has P's stationary distributions and converges
/// for periodic chains too, from the uniform start (which picks one when the chain has several closed
/// classes). A symbol never left (a row without transitions: it only ended a sequence) gets a uniform
/// row, as gaze restarts anywhere — a self-loop would make it absorb all the mass. Empty for an empty
/// matrix.
TransitionEntropy transitionEntropy(const TransitionMatrix& matrix);

} // namespace attnscope::scanpath
