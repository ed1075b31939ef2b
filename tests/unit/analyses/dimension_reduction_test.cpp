// SPDX-License-Identifier: Apache-2.0
// PCA and exact t-SNE on point sets whose answer is known by construction.
#include "attnscope/analyses/dimension_reduction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace attnscope;
using namespace attnscope::analyses;

namespace {

PointMatrix matrix(int rows, int columns, std::vector<double> values) {
    return PointMatrix{rows, columns, std::move(values)};
}

/// `clusters` tight Gaussian clusters of `each` points in `dims` dimensions, centres 10 apart.
PointMatrix clusteredPoints(int clusters, int each, int dims, uint32_t seed) {
    std::mt19937 random(seed);
    std::normal_distribution<double> noise(0.0, 0.3);
    PointMatrix points{clusters * each, dims, {}};
    for (int c = 0; c < clusters; ++c)
        for (int i = 0; i < each; ++i)
            for (int x = 0; x < dims; ++x)
                points.values.push_back((x == c ? 10.0 : 0.0) + noise(random));
    return points;
}

} // namespace

TEST(PrincipalComponents, AxisAlignedCrossHasKnownComponentsAndVariance) {
    // (±2, 0) and (0, ±1): covariance diag(8/3, 2/3), so 0.8 and 0.2 of the variance.
    auto pca = principalComponents(matrix(4, 2, {2, 0, -2, 0, 0, 1, 0, -1}), 2);
    ASSERT_TRUE(pca) << pca.status().toString();
    EXPECT_NEAR(pca->explainedVariance[0], 0.8, 1e-12);
    EXPECT_NEAR(pca->explainedVariance[1], 0.2, 1e-12);
    EXPECT_NEAR(pca->components[0], 1.0, 1e-12); // sign: the largest coordinate is positive
    EXPECT_NEAR(pca->components[1], 0.0, 1e-12);
    EXPECT_NEAR(std::fabs(pca->components[3]), 1.0, 1e-12);
    EXPECT_NEAR(pca->projection.at(0, 0), 2.0, 1e-12);
    EXPECT_NEAR(pca->projection.at(1, 0), -2.0, 1e-12);
    EXPECT_NEAR(pca->projection.at(2, 0), 0.0, 1e-12);
}

TEST(PrincipalComponents, ComponentsAreOrthonormalEigenvectorsInDescendingOrder) {
    std::mt19937 random(7);
    std::normal_distribution<double> normal;
    const int n = 60, m = 6;
    PointMatrix points{n, m, {}};
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < m; ++c) // correlated columns, so the covariance has off-diagonal terms
            points.values.push_back(normal(random) * (c + 1) + (c > 0 ? points.values.back() * 0.5 : 0.0));
    auto pca = principalComponents(points, m);
    ASSERT_TRUE(pca) << pca.status().toString();
    std::vector<double> mean(m, 0.0), covariance(m * m, 0.0);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < m; ++c)
            mean[c] += points.at(r, c) / n;
    double trace = 0;
    for (int p = 0; p < m; ++p) {
        for (int q = 0; q < m; ++q)
            for (int r = 0; r < n; ++r)
                covariance[p * m + q] += (points.at(r, p) - mean[p]) * (points.at(r, q) - mean[q]) / (n - 1);
        trace += covariance[p * m + p];
    }
    double explained = 0;
    for (int k = 0; k < m; ++k) {
        const double* v = &pca->components[k * m];
        const double lambda = pca->explainedVariance[k] * trace;
        for (int p = 0; p < m; ++p) { // C v = λ v
            double cv = 0;
            for (int q = 0; q < m; ++q)
                cv += covariance[p * m + q] * v[q];
            EXPECT_NEAR(cv, lambda * v[p], 1e-9 * trace) << "component " << k;
        }
        for (int l = 0; l < m; ++l) {
            double dot = 0;
            for (int p = 0; p < m; ++p)
                dot += v[p] * pca->components[l * m + p];
            EXPECT_NEAR(dot, k == l ? 1.0 : 0.0, 1e-10);
        }
        if (k > 0) {
            EXPECT_GE(pca->explainedVariance[k - 1], pca->explainedVariance[k]);
        }
        explained += pca->explainedVariance[k];
    }
    EXPECT_NEAR(explained, 1.0, 1e-12);
}

TEST(PrincipalComponents, RefusesBadInput) {
    EXPECT_FALSE(principalComponents(matrix(1, 2, {1, 2}), 1));
    EXPECT_FALSE(principalComponents(matrix(2, 2, {1, 2, 3, 4}), 3));
    EXPECT_FALSE(principalComponents(matrix(2, 2, {1, 2, NAN, 4}), 1));
    EXPECT_FALSE(principalComponents(matrix(2, 2, {1, 2, 3}), 1));
}

TEST(Tsne, KeepsWellSeparatedClustersApartAndIsDeterministic) {
    const PointMatrix points = clusteredPoints(3, 25, 8, 11);
    TsneSettings settings;
    settings.perplexity = 10;
    settings.iterations = 500;
    auto first = tsne(points, settings);
    ASSERT_TRUE(first) << first.status().toString();
    ASSERT_EQ(first->embedding.rows, 75);
    ASSERT_EQ(first->embedding.columns, 2);
    // Every point's nearest neighbour in the embedding is in its own cluster.
    for (int i = 0; i < 75; ++i) {
        int nearest = -1;
        double best = INFINITY;
        for (int j = 0; j < 75; ++j) {
            if (j == i)
                continue;
            const double dx = first->embedding.at(i, 0) - first->embedding.at(j, 0);
            const double dy = first->embedding.at(i, 1) - first->embedding.at(j, 1);
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                nearest = j;
            }
        }
        EXPECT_EQ(nearest / 25, i / 25) << "point " << i;
    }
    EXPECT_TRUE(std::isfinite(first->klDivergence));
    EXPECT_GT(first->klDivergence, 0.0);
    EXPECT_DOUBLE_EQ(first->perplexityUsed, 10.0);
    auto second = tsne(points, settings);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->embedding.values, second->embedding.values) << "no random initialization";
}

TEST(Tsne, AffinityRowsHaveTheAskedPerplexity) {
    const PointMatrix points = clusteredPoints(3, 12, 5, 21);
    auto p = conditionalAffinities(points, 5.0);
    ASSERT_TRUE(p) << p.status().toString();
    const int n = points.rows;
    for (int i = 0; i < n; ++i) {
        double sum = 0, entropy = 0;
        for (int j = 0; j < n; ++j) {
            const double value = (*p)[static_cast<std::size_t>(i) * n + j];
            sum += value;
            if (value > 0)
                entropy -= value * std::log(value);
        }
        EXPECT_EQ((*p)[static_cast<std::size_t>(i) * n + i], 0.0);
        EXPECT_NEAR(sum, 1.0, 1e-12);
        EXPECT_NEAR(entropy, std::log(5.0), 1e-5) << "row " << i;
    }
}

TEST(Tsne, OptimizationLowersTheDivergenceFarBelowItsStart) {
    // Five clusters in 10-D: the PCA start (scaled to 1e-4) sees almost nothing; KL(P‖Q) must fall well
    // below the start's. A learning rate of zero, a sign error or runaway gains would not.
    const PointMatrix points = clusteredPoints(5, 12, 10, 33);
    const int n = points.rows;
    TsneSettings settings;
    settings.perplexity = 8;
    auto conditional = conditionalAffinities(points, settings.perplexity);
    ASSERT_TRUE(conditional);
    std::vector<double> p(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            p[static_cast<std::size_t>(i) * n + j] = ((*conditional)[static_cast<std::size_t>(i) * n + j] +
                                                      (*conditional)[static_cast<std::size_t>(j) * n + i]) /
                                                     (2.0 * n);
    auto pca = principalComponents(points, 2);
    ASSERT_TRUE(pca);
    PointMatrix start = pca->projection;
    double variance = 0;
    for (int i = 0; i < n; ++i)
        variance += start.at(i, 0) * start.at(i, 0) / n;
    for (double& value : start.values)
        value *= 1e-4 / std::sqrt(variance);
    const double startKl = tsneKlDivergence(p, start);
    auto result = tsne(points, settings);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_NEAR(result->klDivergence, tsneKlDivergence(p, result->embedding), 1e-6);
    EXPECT_LT(result->klDivergence, 0.5 * startKl) << "start " << startKl;
}

TEST(Tsne, ReachesScikitLearnsDivergenceOnTheSameData) {
    // Four clusters in 6-D given by a formula, so scikit-learn sees the same points:
    //   X = [[(6 if k == i % 4 else 0) + 0.5 sin(1.3 i + 0.7 k) + 0.3 cos(0.37 i k + 1) for k in range(6)]
    //        for i in range(60)]
    //   TSNE(n_components=2, perplexity=10, method="exact", init="pca", learning_rate="auto",
    //        n_iter=1000, random_state=0).fit(X).kl_divergence_ = 0.0343301 (scikit-learn 1.2.1, Debian 12)
    PointMatrix points{60, 6, {}};
    for (int i = 0; i < 60; ++i)
        for (int k = 0; k < 6; ++k)
            points.values.push_back((k == i % 4 ? 6.0 : 0.0) + 0.5 * std::sin(1.3 * i + 0.7 * k) +
                                    0.3 * std::cos(0.37 * i * k + 1.0));
    TsneSettings settings;
    settings.perplexity = 10;
    auto result = tsne(points, settings);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_NEAR(result->klDivergence, 0.0343301, 0.02 * 0.0343301); // measured: 0.0343466
}

TEST(Tsne, ThreeDimensionsAndSmallSetsLowerThePerplexity) {
    const PointMatrix points = clusteredPoints(2, 5, 4, 3);
    TsneSettings settings;
    settings.dimensions = 3;
    settings.iterations = 300;
    auto result = tsne(points, settings);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_EQ(result->embedding.columns, 3);
    EXPECT_DOUBLE_EQ(result->perplexityUsed, 3.0); // (10 − 1) / 3
}

TEST(Tsne, RefusesBadSettingsAndStopsWhenCancelled) {
    const PointMatrix points = clusteredPoints(2, 10, 3, 5);
    TsneSettings settings;
    settings.maxPoints = 19;
    auto tooMany = tsne(points, settings);
    ASSERT_FALSE(tooMany);
    EXPECT_EQ(tooMany.status().field(), "points");
    settings = {};
    settings.dimensions = 4;
    EXPECT_EQ(tsne(points, settings).status().field(), "dimensions");
    settings = {};
    settings.perplexity = 0.5;
    EXPECT_EQ(tsne(points, settings).status().field(), "perplexity");
    settings = {};
    settings.iterations = 100;
    EXPECT_EQ(tsne(points, settings).status().field(), "iterations");
    EXPECT_FALSE(tsne(matrix(3, 1, {1, 2, 3}), {}));

    CancelToken cancel;
    cancel.requestCancel();
    auto cancelled = tsne(points, {}, Progress({}, cancel));
    ASSERT_FALSE(cancelled);
    EXPECT_TRUE(cancelled.status().isCancelled());
}
