// SPDX-License-Identifier: Apache-2.0
// Fixation density maps and the MIT saliency benchmark's map metrics (SCANPATH.md §2.6): NSS, AUC-Judd,
// CC, KL and SIM — for comparing where two scanpaths (or a model's priority map and people) look.
#pragma once

#include "attnscope/scanpath/scanpath.h"

#include <vector>

namespace attnscope::scanpath {

/// A map over the screen on a grid of square cells (a downsampled image: the metrics do not need pixels).
struct SaliencyMap {
    int columns = 0, rows = 0;
    double cellPx = 1.0;        ///< screen pixels per cell side
    std::vector<double> values; ///< row-major, rows × columns

    double at(int column, int row) const { return values[static_cast<std::size_t>(row) * columns + column]; }
    /// The cell holding screen point (x, y), clamped to the map.
    std::size_t cellOf(double x, double y) const;
};

/// Parameters of a density map.
struct DensityMapConfig {
    double screenWidth = 0.0, screenHeight = 0.0;
    double sigmaPx = 200.0 / 6.0;  ///< the Gaussian's σ in screen pixels (PyGaze's 200 px kernel / 6)
    bool durationWeighted = false; ///< each fixation counts its duration (ms) instead of 1
    int maxCells = 256;            ///< the longer side's cells; smaller screens get one cell per pixel
};

/// Fixations of `paths` accumulated per cell and blurred by a Gaussian (separable, truncated at 3σ,
/// edges not renormalized). Empty map (0 × 0) when the screen size is not positive.
SaliencyMap fixationDensity(const std::vector<const Scanpath*>& paths, const DensityMapConfig& config);

/// NSS: the mean over the fixated cells (each once) of (S − μ) / σ, σ with ddof = 1 (SCANPATH.md's
/// default). NaN when there is no fixation or the map is constant.
double normalizedScanpathSaliency(const SaliencyMap& map, const std::vector<const Scanpath*>& fixations);

/// AUC-Judd: thresholds at the fixated cells' values (each cell once), true positives i / N_f, false
/// positives (#{S ≥ t_i} − i) / (N − N_f), endpoints (0, 0) and (1, 1), trapezoid rule; no jitter. NaN
/// when no cell or every cell is fixated.
double aucJudd(const SaliencyMap& map, const std::vector<const Scanpath*>& fixations);

/// CC: Pearson's correlation of two maps of the same size (NaN otherwise, or for a constant map).
double correlationCoefficient(const SaliencyMap& a, const SaliencyMap& b);

/// KL = Σ Q ln(ε + Q / (P + ε)) with P and Q normalized to sum 1 and ε = 2.2204e-16 (MATLAB's eps);
/// `reference` is Q (the human map). NaN for different sizes or an all-zero map.
double klDivergence(const SaliencyMap& predicted, const SaliencyMap& reference);

/// SIM = Σ min(P, Q) of the sum-normalized maps. NaN for different sizes or an all-zero map.
double similarity(const SaliencyMap& a, const SaliencyMap& b);

} // namespace attnscope::scanpath
