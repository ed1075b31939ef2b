// SPDX-License-Identifier: Apache-2.0
// Distances between scanpaths as point sequences (SCANPATH.md §2.5). Smaller is more similar.
#pragma once

#include "attnscope/scanpath/scanpath.h"

#include <vector>

namespace attnscope::scanpath {

/// A fixation's position.
struct Point {
    double x = 0.0;
    double y = 0.0;
};

/// The fixations' positions in order.
std::vector<Point> positions(const Scanpath& path);

/// Exact dynamic time warping: D(i,j) = |p_i − q_j| + min(D(i−1,j), D(i,j−1), D(i−1,j−1)), D(0,0) = 0;
/// returns D(n,m). NaN when either sequence is empty. (The reference used fastdtw, an approximation.)
double dynamicTimeWarping(const std::vector<Point>& p, const std::vector<Point>& q);

/// Discrete Fréchet distance (Eiter–Mannila). NaN when either sequence is empty.
double discreteFrechet(const std::vector<Point>& p, const std::vector<Point>& q);

/// Symmetric Hausdorff distance. NaN when either sequence is empty.
double hausdorff(const std::vector<Point>& p, const std::vector<Point>& q);

/// Eyenalysis (Mathôt et al. 2012): (Σ_j min_i d + Σ_i min_j d) / max(n, m), Euclidean d. NaN when
/// either sequence is empty.
double eyenalysis(const std::vector<Point>& p, const std::vector<Point>& q);

} // namespace attnscope::scanpath
