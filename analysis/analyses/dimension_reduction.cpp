// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/dimension_reduction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace attnscope::analyses {

namespace {

Status checkPoints(const PointMatrix& points, int minimumRows) {
    if (points.rows < minimumRows)
        return Status::invalidArgument("needs at least " + std::to_string(minimumRows) + " points, got " +
                                       std::to_string(points.rows))
            .atField("points");
    if (points.columns < 1 || points.values.size() != static_cast<std::size_t>(points.rows) *
                                                          static_cast<std::size_t>(points.columns))
        return Status::invalidArgument("the point matrix's size does not match its rows × columns")
            .atField("points");
    for (double value : points.values)
        if (!std::isfinite(value))
            return Status::invalidArgument("a coordinate is not finite").atField("points");
    return Status::ok();
}

/// Eigen-decomposition of the symmetric m × m matrix `a` (destroyed) by cyclic Jacobi rotations:
/// returns the eigenvalues, and the eigenvectors as the columns of `vectors`.
std::vector<double> symmetricEigen(std::vector<double>& a, int m, std::vector<double>& vectors) {
    const auto at = [m](std::vector<double>& x, int r, int c) -> double& {
        return x[static_cast<std::size_t>(r) * m + c];
    };
    vectors.assign(static_cast<std::size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i)
        at(vectors, i, i) = 1.0;
    double scale = 0;
    for (double value : a)
        scale += value * value;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (int p = 0; p < m; ++p)
            for (int q = p + 1; q < m; ++q)
                off += at(a, p, q) * at(a, p, q);
        // Off-diagonal mass negligible against the matrix's: converged (double rounding level).
        if (off <= 1e-30 * scale || off == 0.0)
            break;
        for (int p = 0; p < m; ++p)
            for (int q = p + 1; q < m; ++q) {
                const double apq = at(a, p, q);
                if (apq == 0.0)
                    continue;
                const double theta = (at(a, q, q) - at(a, p, p)) / (2.0 * apq);
                const double t =
                    (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
                const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < m; ++k) { // A ← A·J (columns p and q)
                    const double akp = at(a, k, p), akq = at(a, k, q);
                    at(a, k, p) = c * akp - s * akq;
                    at(a, k, q) = s * akp + c * akq;
                }
                for (int k = 0; k < m; ++k) { // A ← Jᵀ·A (rows p and q)
                    const double apk = at(a, p, k), aqk = at(a, q, k);
                    at(a, p, k) = c * apk - s * aqk;
                    at(a, q, k) = s * apk + c * aqk;
                }
                for (int k = 0; k < m; ++k) { // V ← V·J
                    const double vkp = at(vectors, k, p), vkq = at(vectors, k, q);
                    at(vectors, k, p) = c * vkp - s * vkq;
                    at(vectors, k, q) = s * vkp + c * vkq;
                }
            }
    }
    std::vector<double> values(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i)
        values[static_cast<std::size_t>(i)] = at(a, i, i);
    return values;
}

/// Row i's conditional affinities p_{j|i} ∝ exp(−β d_ij) with β found by bisection so that the
/// distribution's entropy is log(perplexity) (nats), as the reference implementations do.
void calibrateRow(const double* distances, int n, int i, double targetEntropy, double* row) {
    double beta = 1.0, low = -std::numeric_limits<double>::infinity(),
           high = std::numeric_limits<double>::infinity();
    for (int step = 0; step < 100; ++step) {
        double sum = 0, weighted = 0;
        for (int j = 0; j < n; ++j) {
            row[j] = j == i ? 0.0 : std::exp(-distances[j] * beta);
            sum += row[j];
        }
        if (sum == 0.0)
            sum = 1e-8; // every neighbour underflowed: β is far too large, the bisection lowers it
        for (int j = 0; j < n; ++j) {
            row[j] /= sum;
            weighted += distances[j] * row[j];
        }
        const double entropy = std::log(sum) + beta * weighted;
        const double difference = entropy - targetEntropy;
        if (std::fabs(difference) <= 1e-5)
            break;
        if (difference > 0) { // too flat: sharpen
            low = beta;
            beta = std::isinf(high) ? beta * 2.0 : (beta + high) / 2.0;
        } else {
            high = beta;
            beta = std::isinf(low) ? beta / 2.0 : (beta + low) / 2.0;
        }
    }
}

} // namespace

Expected<PrincipalComponents> principalComponents(const PointMatrix& points, int components,
                                                  const Progress& progress) {
    ATTNSCOPE_TRY(checkPoints(points, 2));
    const int n = points.rows, m = points.columns;
    if (components < 1 || components > m)
        return Status::invalidArgument("asks for " + std::to_string(components) + " components of " +
                                       std::to_string(m) + "-dimensional points")
            .atField("components");
    std::vector<double> mean(static_cast<std::size_t>(m), 0.0);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < m; ++c)
            mean[static_cast<std::size_t>(c)] += points.at(r, c) / n;
    std::vector<double> covariance(static_cast<std::size_t>(m) * m, 0.0);
    std::vector<double> centred(static_cast<std::size_t>(m));
    for (int r = 0; r < n; ++r) {
        if (r % 1024 == 0)
            ATTNSCOPE_TRY(progress.update(0.8f * static_cast<float>(r) / n, "principal components"));
        for (int c = 0; c < m; ++c)
            centred[static_cast<std::size_t>(c)] = points.at(r, c) - mean[static_cast<std::size_t>(c)];
        for (int p = 0; p < m; ++p)
            for (int q = p; q < m; ++q)
                covariance[static_cast<std::size_t>(p) * m + q] +=
                    centred[static_cast<std::size_t>(p)] * centred[static_cast<std::size_t>(q)];
    }
    for (int p = 0; p < m; ++p)
        for (int q = p; q < m; ++q) {
            double& upper = covariance[static_cast<std::size_t>(p) * m + q];
            upper /= n - 1;
            covariance[static_cast<std::size_t>(q) * m + p] = upper;
        }
    std::vector<double> vectors;
    const std::vector<double> values = symmetricEigen(covariance, m, vectors);
    std::vector<int> order(static_cast<std::size_t>(m));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)];
    });
    double total = 0;
    for (double value : values)
        total += std::max(value, 0.0);

    PrincipalComponents result;
    result.components.resize(static_cast<std::size_t>(components) * m);
    for (int k = 0; k < components; ++k) {
        const int column = order[static_cast<std::size_t>(k)];
        int largest = 0;
        for (int c = 1; c < m; ++c)
            if (std::fabs(vectors[static_cast<std::size_t>(c) * m + column]) >
                std::fabs(vectors[static_cast<std::size_t>(largest) * m + column]))
                largest = c;
        const double sign = vectors[static_cast<std::size_t>(largest) * m + column] < 0 ? -1.0 : 1.0;
        for (int c = 0; c < m; ++c)
            result.components[static_cast<std::size_t>(k) * m + c] =
                sign * vectors[static_cast<std::size_t>(c) * m + column];
        result.explainedVariance.push_back(
            total > 0 ? std::max(values[static_cast<std::size_t>(column)], 0.0) / total : 0.0);
    }
    result.projection.rows = n;
    result.projection.columns = components;
    result.projection.values.assign(static_cast<std::size_t>(n) * components, 0.0);
    for (int r = 0; r < n; ++r)
        for (int k = 0; k < components; ++k) {
            double dot = 0;
            for (int c = 0; c < m; ++c)
                dot += (points.at(r, c) - mean[static_cast<std::size_t>(c)]) *
                       result.components[static_cast<std::size_t>(k) * m + c];
            result.projection.values[static_cast<std::size_t>(r) * components + k] = dot;
        }
    return result;
}

namespace {

Status checkTsneSettings(const PointMatrix& points, const TsneSettings& settings) {
    ATTNSCOPE_TRY(checkPoints(points, 4));
    if (settings.dimensions < 1 || settings.dimensions > 3)
        return Status::invalidArgument("t-SNE embeds in 1 to 3 dimensions, not " +
                                       std::to_string(settings.dimensions))
            .atField("dimensions");
    if (!(settings.perplexity >= 1.0) || !std::isfinite(settings.perplexity))
        return Status::invalidArgument("the perplexity must be at least 1").atField("perplexity");
    if (settings.iterations < 250 || settings.iterations > 100000)
        return Status::invalidArgument("t-SNE needs 250 to 100000 iterations (250 are early exaggeration)")
            .atField("iterations");
    if (points.rows > settings.maxPoints)
        return Status::invalidArgument("exact t-SNE of " + std::to_string(points.rows) +
                                       " points keeps two " + std::to_string(points.rows) + " × " +
                                       std::to_string(points.rows) + " matrices; at most " +
                                       std::to_string(settings.maxPoints) + " points (sample fewer tokens)")
            .atField("points");
    return Status::ok();
}

/// Row i's conditional affinities into `row` (n entries).
void affinityRow(const PointMatrix& points, int i, double targetEntropy, std::vector<double>& distances,
                 double* row) {
    const int n = points.rows, m = points.columns;
    for (int j = 0; j < n; ++j) {
        double d2 = 0;
        for (int c = 0; c < m; ++c) {
            const double delta = points.at(i, c) - points.at(j, c);
            d2 += delta * delta;
        }
        distances[static_cast<std::size_t>(j)] = d2;
    }
    calibrateRow(distances.data(), n, i, targetEntropy, row);
}

} // namespace

Expected<std::vector<double>> conditionalAffinities(const PointMatrix& points, double perplexity) {
    TsneSettings settings;
    settings.perplexity = perplexity;
    settings.maxPoints = std::max(points.rows, 4);
    ATTNSCOPE_TRY(checkTsneSettings(points, settings));
    const int n = points.rows;
    std::vector<double> p(static_cast<std::size_t>(n) * n), distances(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        affinityRow(points, i, std::log(perplexity), distances, &p[static_cast<std::size_t>(i) * n]);
    return p;
}

double tsneKlDivergence(const std::vector<double>& p, const PointMatrix& embedding) {
    constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
    const int n = embedding.rows, dims = embedding.columns;
    std::vector<double> num(static_cast<std::size_t>(n) * n, 0.0);
    double z = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            if (i != j) {
                double d2 = 0;
                for (int c = 0; c < dims; ++c)
                    d2 += std::pow(embedding.at(i, c) - embedding.at(j, c), 2);
                num[static_cast<std::size_t>(i) * n + j] = 1.0 / (1.0 + d2);
                z += num[static_cast<std::size_t>(i) * n + j];
            }
    double kl = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            const std::size_t ij = static_cast<std::size_t>(i) * n + j;
            if (i != j && p[ij] > 0)
                kl += p[ij] * std::log(p[ij] / std::max(num[ij] / std::max(z, kEpsilon), kEpsilon));
        }
    return kl;
}

Expected<TsneResult> tsne(const PointMatrix& points, const TsneSettings& settings, const Progress& progress) {
    ATTNSCOPE_TRY(checkTsneSettings(points, settings));
    const int n = points.rows, m = points.columns, dims = settings.dimensions;
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    TsneResult result;
    result.perplexityUsed = std::min(settings.perplexity, (n - 1) / 3.0);

    // Affinities: calibrated rows, then P = (P + Pᵀ) / Σ.
    Progress affinities = progress.subRange(0.0f, 0.1f, "t-SNE affinities");
    std::vector<double> p(nn), distances(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        affinityRow(points, i, std::log(result.perplexityUsed), distances,
                    &p[static_cast<std::size_t>(i) * n]);
        if (i % 64 == 0)
            ATTNSCOPE_TRY(affinities.update(static_cast<float>(i) / n));
    }
    double total = 0;
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
            const double symmetric =
                p[static_cast<std::size_t>(i) * n + j] + p[static_cast<std::size_t>(j) * n + i];
            p[static_cast<std::size_t>(i) * n + j] = p[static_cast<std::size_t>(j) * n + i] = symmetric;
            total += 2 * symmetric;
        }
    constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
    for (double& value : p)
        value = std::max(value / std::max(total, kEpsilon), kEpsilon);
    for (int i = 0; i < n; ++i)
        p[static_cast<std::size_t>(i) * n + i] = 0.0;

    // Initialization: the principal components, scaled to a standard deviation of 1e-4 in the first.
    ATTNSCOPE_ASSIGN_OR_RETURN(PrincipalComponents pca, principalComponents(points, std::min(dims, m)));
    std::vector<double> y(static_cast<std::size_t>(n) * dims, 0.0);
    double variance = 0;
    for (int i = 0; i < n; ++i)
        variance += pca.projection.at(i, 0) * pca.projection.at(i, 0) / n;
    const double initScale = variance > 0 ? 1e-4 / std::sqrt(variance) : 1.0;
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < pca.projection.columns; ++c)
            y[static_cast<std::size_t>(i) * dims + c] = pca.projection.at(i, c) * initScale;

    constexpr double kExaggeration = 12.0;
    constexpr int kExplorationIterations = 250;
    const double learningRate = std::max(n / kExaggeration / 4.0, 50.0);
    std::vector<double> num(nn), gradient(y.size()), update(y.size(), 0.0), gains(y.size(), 1.0);
    Progress optimizing = progress.subRange(0.1f, 1.0f, "t-SNE optimization");
    double z = 0;
    const auto computeQ = [&] {
        z = 0;
        for (int i = 0; i < n; ++i)
            for (int j = i + 1; j < n; ++j) {
                double d2 = 0;
                for (int c = 0; c < dims; ++c) {
                    const double delta =
                        y[static_cast<std::size_t>(i) * dims + c] - y[static_cast<std::size_t>(j) * dims + c];
                    d2 += delta * delta;
                }
                const double q = 1.0 / (1.0 + d2);
                num[static_cast<std::size_t>(i) * n + j] = num[static_cast<std::size_t>(j) * n + i] = q;
                z += 2 * q;
            }
        z = std::max(z, kEpsilon);
    };
    for (int iteration = 0; iteration < settings.iterations; ++iteration) {
        const bool exploring = iteration < kExplorationIterations;
        if (iteration == kExplorationIterations) { // scikit-learn starts each phase's descent afresh
            std::fill(update.begin(), update.end(), 0.0);
            std::fill(gains.begin(), gains.end(), 1.0);
        }
        const double exaggeration = exploring ? kExaggeration : 1.0, momentum = exploring ? 0.5 : 0.8;
        computeQ();
        std::fill(gradient.begin(), gradient.end(), 0.0);
        for (int i = 0; i < n; ++i)
            for (int j = i + 1; j < n; ++j) {
                const std::size_t ij = static_cast<std::size_t>(i) * n + j;
                const double q = std::max(num[ij] / z, kEpsilon);
                const double weight = 4.0 * (exaggeration * p[ij] - q) * num[ij];
                for (int c = 0; c < dims; ++c) {
                    const double delta =
                        y[static_cast<std::size_t>(i) * dims + c] - y[static_cast<std::size_t>(j) * dims + c];
                    gradient[static_cast<std::size_t>(i) * dims + c] += weight * delta;
                    gradient[static_cast<std::size_t>(j) * dims + c] -= weight * delta;
                }
            }
        double gradientNorm = 0;
        for (std::size_t k = 0; k < y.size(); ++k) {
            gradientNorm += gradient[k] * gradient[k];
            gains[k] = update[k] * gradient[k] < 0.0 ? gains[k] + 0.2 : std::max(gains[k] * 0.8, 0.01);
            update[k] = momentum * update[k] - learningRate * gains[k] * gradient[k];
            y[k] += update[k];
        }
        if (iteration % 10 == 0)
            ATTNSCOPE_TRY(optimizing.update(static_cast<float>(iteration) / settings.iterations));
        // scikit-learn's min_grad_norm: the embedding has stopped moving.
        if (!exploring && std::sqrt(gradientNorm) < 1e-7)
            break;
    }
    result.embedding.rows = n;
    result.embedding.columns = dims;
    result.embedding.values = std::move(y);
    result.klDivergence = tsneKlDivergence(p, result.embedding);
    return result;
}

} // namespace attnscope::analyses
