// SPDX-License-Identifier: Apache-2.0
// Dimension reduction of a point set for the joint query/key view: principal components and exact
// t-SNE. Pure functions over a row-major matrix of doubles; no LibTorch, no Qt.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"

#include <vector>

namespace attnscope::analyses {

/// `rows` points of `columns` coordinates, row-major.
struct PointMatrix {
    int rows = 0, columns = 0;
    std::vector<double> values;
    double at(int r, int c) const { return values[static_cast<std::size_t>(r) * columns + c]; }
};

/// The leading principal components of a point set.
struct PrincipalComponents {
    PointMatrix projection;                ///< points × components: the centred points on the components
    std::vector<double> components;        ///< components × columns, unit vectors, in order of variance
    std::vector<double> explainedVariance; ///< per component, its fraction of the total variance
};

/// The first `components` principal components (covariance eigenvectors, by cyclic Jacobi rotations in
/// double). Deterministic: each component's sign is chosen so that its largest-magnitude coordinate is
/// positive. Errors: fewer than 2 points, `components` outside [1, columns], non-finite values,
/// cancellation.
Expected<PrincipalComponents> principalComponents(const PointMatrix& points, int components,
                                                  const Progress& progress = {});

/// Exact t-SNE (van der Maaten & Hinton 2008) with scikit-learn's optimizer (method "exact"):
/// perplexity-calibrated Gaussian affinities, symmetrized; early exaggeration 12 for the first 250
/// iterations with momentum 0.5, then 0.8, each phase starting with zero update and unit gains;
/// per-coordinate gains; learning rate max(n / 12 / 4, 50); one degree of freedom; initialization from
/// the principal components scaled to a standard deviation of 1e-4 in the first (deterministic: no
/// random seed). O(n²) memory and time per iteration.
struct TsneSettings {
    int dimensions = 2;
    double perplexity = 30;
    int iterations = 1000; ///< including the 250 of early exaggeration
    int maxPoints = 5000;  ///< refused above: the exact method keeps two n × n matrices
};

struct TsneResult {
    PointMatrix embedding;     ///< points × dimensions
    double klDivergence = 0;   ///< KL(P || Q) of the final embedding
    double perplexityUsed = 0; ///< the perplexity, lowered to (n − 1) / 3 for small sets (as openTSNE does)
};

/// The conditional affinities p_{j|i} (row i over j, row-major n × n, zero diagonal) whose entropy is
/// log(perplexity) nats per row to 1e-5, as t-SNE calibrates them. Errors as tsne's.
Expected<std::vector<double>> conditionalAffinities(const PointMatrix& points, double perplexity);

/// KL(P‖Q) of an embedding (points × dimensions) for symmetric affinities P (n × n, summing to 1), with
/// t-SNE's Student-t Q of one degree of freedom.
double tsneKlDivergence(const std::vector<double>& p, const PointMatrix& embedding);

/// Runs t-SNE on `points`. Reports progress per iteration and stops when cancelled. Errors: fewer than
/// 4 points, more than settings.maxPoints, non-finite values, bad settings.
Expected<TsneResult> tsne(const PointMatrix& points, const TsneSettings& settings,
                          const Progress& progress = {});

} // namespace attnscope::analyses
