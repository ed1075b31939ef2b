// SPDX-License-Identifier: Apache-2.0
// Every scanpath metric at once, with the parameters recorded: what `attnscope-cli scanpath compare`
// prints and the studio's metric panel shows.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/multimatch.h"
#include "attnscope/scanpath/scanmatch.h"
#include "attnscope/scanpath/scanpath.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace attnscope::scanpath {

/// Which symbols the sequence metrics (Sequence Score, edit distance) compare.
enum class Alphabet {
    Grid, ///< the ScanMatch grid's cells (xBins × yBins over the screen)
    Aoi,  ///< the fixations' AOI ids (-1 for none), as recorded (Data Viewer) or assigned
};

/// The parameters of a comparison. The screen is the MultiMatch screen; the ScanMatch screen and grid
/// follow it unless set apart.
struct ComparisonConfig {
    MultiMatchConfig multiMatch;
    ScanMatchConfig scanMatch;
    Alphabet alphabet = Alphabet::Grid;
    bool collapseRepeats = false; ///< sequence metrics on collapsed strings (AAB → AB)
    /// The density maps' Gaussian σ in pixels (PyGaze's 200 / 6 by default; ~1° of visual angle when the
    /// geometry is known) and whether fixations weigh by duration. The screen is the MultiMatch screen.
    double mapSigmaPx = 200.0 / 6.0;
    bool mapDurationWeighted = false;
};

/// Map metrics between two scanpaths (SCANPATH.md §2.6): A's fixation density as the prediction, B as
/// the reference.
struct MapComparison {
    double cc = kMissing;      ///< Pearson's correlation of the two density maps
    double sim = kMissing;     ///< histogram intersection of the normalized maps
    double kl = kMissing;      ///< KL(B's map ‖ A's map), B as Q
    double nss = kMissing;     ///< A's map at B's fixations
    double aucJudd = kMissing; ///< A's map ranking B's fixated cells
};

/// All metrics between two scanpaths. Similarities are in [0, 1] (1 = same); distances in pixels.
struct Comparison {
    MultiMatchResult multiMatch;
    double scanMatch = kMissing;
    double sequenceScore = kMissing;
    int editDistance = 0;
    double editSimilarity = kMissing;
    double dtw = kMissing;
    double frechet = kMissing;
    double hausdorff = kMissing;
    double eyenalysis = kMissing;
    MapComparison maps;
};

/// The symbol sequence the sequence metrics use.
std::vector<int> alphabetSequence(const Scanpath& path, const ComparisonConfig& config);

/// Compares `a` with `b`. ScanMatch's temporal binning needs durations; everything else works
/// without (MultiMatch's duration is then NaN).
Expected<Comparison> compareScanpaths(const Scanpath& a, const Scanpath& b, const ComparisonConfig& config);

/// The mean of each metric over every pair of `paths` (NaN values skipped): how consistent viewers
/// of one stimulus are, the ceiling a predicted scanpath is judged against. Needs ≥ 2 paths.
Expected<Comparison> meanPairwiseComparison(const std::vector<Scanpath>& paths,
                                            const ComparisonConfig& config);

/// JSON forms (NaN as null).
nlohmann::json comparisonToJson(const Comparison& comparison);
nlohmann::json comparisonConfigToJson(const ComparisonConfig& config);

} // namespace attnscope::scanpath
