// SPDX-License-Identifier: Apache-2.0
// ScanMatch (Cristino et al. 2010), SCANPATH.md §2.2: scanpaths binned on a grid, optionally repeated
// per duration, aligned by Needleman–Wunsch with a distance-based substitution matrix.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/scanpath.h"
#include "attnscope/scanpath/sequence_metrics.h"

#include <vector>

namespace attnscope::scanpath {

/// ScanMatch's parameters. Defaults are MATLAB's `ScanMatch_Struct` (1024×768 screen, 12×8 bins,
/// threshold 3.5, gap 0, no temporal binning).
struct ScanMatchConfig {
    double screenWidth = 1024.0;
    double screenHeight = 768.0;
    int xBins = 12;
    int yBins = 8;
    double threshold = 3.5; ///< T in S_ab = T − dist_ab (bin units); the score divides by it
    double gap = 0.0;       ///< linear gap value g (≤ 0 penalizes)
    double tempBinMs = 0.0; ///< > 0: each fixation repeated per its duration in bins of this length
    DurationRounding rounding = DurationRounding::Round;
    /// false: MATLAB's semantics (F(i,0) = g·i, score from the final cell). true: the Python port's
    /// (F(i,0) = g·(i+1), score from the largest cell of F); the two agree when gap = 0.
    bool pythonPortCompat = false;
};

/// InvalidArgument naming the field when the configuration cannot be used (bins < 1, a screen or
/// threshold that is not positive and finite, a negative bin length).
Status checkScanMatchConfig(const ScanMatchConfig& config);

/// S_ab = T − (Euclidean distance between bins a and b in bin units).
double scanMatchSubstitution(int a, int b, const ScanMatchConfig& config);

/// The bin sequence ScanMatch aligns: each fixation's grid bin, repeated per duration when
/// tempBinMs > 0 (then every fixation needs a duration).
Expected<std::vector<int>> scanMatchSequence(const Scanpath& path, const ScanMatchConfig& config);

/// The score of two bin sequences: F / (T · max(n, m)); NaN when both are empty.
double scanMatchScore(const std::vector<int>& a, const std::vector<int>& b, const ScanMatchConfig& config);

/// The most symbol pairs an alignment visits (a few seconds of work); longer inputs are refused.
constexpr double kMaxAlignedPairs = 4e8;

/// ScanMatch between two scanpaths. Refuses sequences whose alignment would visit more than
/// kMaxAlignedPairs pairs (InvalidArgument naming temp_bin_ms).
Expected<double> scanMatch(const Scanpath& a, const Scanpath& b, const ScanMatchConfig& config);

} // namespace attnscope::scanpath
