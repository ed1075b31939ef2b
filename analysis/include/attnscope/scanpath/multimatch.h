// SPDX-License-Identifier: Apache-2.0
// MultiMatch (Jarodzka et al. 2010; Dewhurst et al. 2012), SCANPATH.md §2.1: scanpaths as saccade
// vectors, optionally simplified, aligned on vector differences, compared on five dimensions.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/scanpath.h"

namespace attnscope::scanpath {

/// MultiMatch's parameters. Simplification is off by default (as in multimatch_gaze); the original
/// toolbox used 45° and 10 % of the screen diagonal.
struct MultiMatchConfig {
    double screenWidth = 1280.0; ///< pixels; the similarities are normalized by the screen diagonal
    double screenHeight = 720.0;
    bool simplify = false;
    double directionThresholdDeg = 0.0; ///< TDir: merge successive saccades turning by less than this
    double durationThresholdS = 0.0;    ///< TDur: ... when the fixation between them is shorter than this
    double amplitudeThresholdPx = 0.0;  ///< TAmp: merge saccades shorter than this
};

/// The five similarities, each in [0, 1] (1 = identical); NaN when either scanpath has fewer than 3
/// fixations, and the duration NaN when a scanpath has no durations.
struct MultiMatchResult {
    double vector = kMissing;
    double direction = kMissing;
    double length = kMissing;
    double position = kMissing;
    double duration = kMissing;
    /// Saccade pairs on the alignment path.
    int alignedPairs = 0;
};

/// InvalidArgument naming the field when the configuration cannot be used.
Status checkMultiMatchConfig(const MultiMatchConfig& config);

/// MultiMatch between two scanpaths. Follows multimatch_gaze (whose values match the MATLAB toolbox):
/// the alignment is the cheapest monotone path through the saccade-difference matrix (a dynamic
/// programme; the reference runs Dijkstra on the same graph), and each dimension is the median over
/// the aligned pairs. Where the reference would fail (a simplification that leaves one saccade, an
/// angle cosine rounding past 1, a simplification loop that never meets its stop test) this stops or
/// clamps instead; docs/scanpath.md lists these. Simplification needs durations.
Expected<MultiMatchResult> multiMatch(const Scanpath& a, const Scanpath& b, const MultiMatchConfig& config);

} // namespace attnscope::scanpath
