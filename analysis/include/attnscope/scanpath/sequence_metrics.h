// SPDX-License-Identifier: Apache-2.0
// Scanpath comparison over symbol sequences (AOI ids, grid cells, object indices): string edit
// distance and the Sequence Score of SCANPATH.md §2.3–2.4.
#pragma once

#include <vector>

namespace attnscope::scanpath {

/// AAABBA → ABA: consecutive repeats merged (OGAMA's and ScanGraph's "collapsed" strings).
std::vector<int> collapseRepeats(const std::vector<int>& sequence);

/// Levenshtein distance with unit costs (insert, delete, substitute). O(n·m) time, O(m) memory.
int editDistance(const std::vector<int>& a, const std::vector<int>& b);

/// 1 − editDistance / max(n, m); NaN when both sequences are empty.
double editSimilarity(const std::vector<int>& a, const std::vector<int>& b);

/// Yang et al.'s Sequence Score: Needleman–Wunsch with 0/1 similarity and gap 0, divided by
/// max(n, m) — the longest common subsequence over the longer length. NaN when both are empty.
double sequenceScore(const std::vector<int>& a, const std::vector<int>& b);

/// How a duration becomes a count of repetitions for the time-aware scores.
enum class DurationRounding {
    Round, ///< round(d / bin): ScanMatch (MATLAB and the Python port); a fixation under half a bin vanishes
    Floor, ///< int(d / bin): Gazeformer's SS-time
};

/// Each symbol repeated per its duration in `binMs` bins (SS-time, ScanMatch's temporal binning).
/// `durationsMs` has one entry per symbol; `binMs` must be > 0.
std::vector<int> repeatByDuration(const std::vector<int>& symbols, const std::vector<double>& durationsMs,
                                  double binMs, DurationRounding rounding);

} // namespace attnscope::scanpath
