// SPDX-License-Identifier: Apache-2.0
// Fixation density maps and the map metrics of SCANPATH.md §2.6 on hand-computed cases.
#include "attnscope/scanpath/saliency_maps.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope::scanpath;

namespace {

SaliencyMap mapOf(int columns, int rows, std::vector<double> values) {
    SaliencyMap map;
    map.columns = columns;
    map.rows = rows;
    map.values = std::move(values);
    return map;
}

/// A scanpath with fixations at the centres of the given cells of a map with 1-pixel cells.
Scanpath fixationsAt(const std::vector<std::pair<int, int>>& cells) {
    Scanpath path;
    for (const auto& [column, row] : cells) {
        Fixation f;
        f.x = column + 0.5;
        f.y = row + 0.5;
        path.fixations.push_back(f);
    }
    return path;
}

} // namespace

TEST(SaliencyMaps, NssOfAHandComputedMap) {
    // Values 0, 0, 0, 1: mean 0.25, sample sd 0.5; the fixated cell scores (1 − 0.25) / 0.5.
    const SaliencyMap map = mapOf(2, 2, {0, 0, 0, 1});
    const Scanpath onPeak = fixationsAt({{1, 1}, {1, 1}}); // a cell fixated twice counts once
    EXPECT_DOUBLE_EQ(normalizedScanpathSaliency(map, {&onPeak}), 1.5);
    const Scanpath offPeak = fixationsAt({{0, 0}});
    EXPECT_DOUBLE_EQ(normalizedScanpathSaliency(map, {&offPeak}), -0.5);
    EXPECT_TRUE(std::isnan(normalizedScanpathSaliency(mapOf(2, 1, {3, 3}), {&offPeak}))); // constant map
}

TEST(SaliencyMaps, AucJuddOfAHandComputedMap) {
    // Values 0.1, 0.4, 0.35, 0.8 with fixations on 0.8 and 0.35: ROC (0,0) (0,.5) (.5,1) (1,1) → 0.875.
    const SaliencyMap map = mapOf(4, 1, {0.1, 0.4, 0.35, 0.8});
    const Scanpath fixations = fixationsAt({{3, 0}, {2, 0}});
    EXPECT_DOUBLE_EQ(aucJudd(map, {&fixations}), 0.875);
    const Scanpath best = fixationsAt({{3, 0}, {1, 0}}); // the two highest cells: a perfect ranking
    EXPECT_DOUBLE_EQ(aucJudd(map, {&best}), 1.0);
    const Scanpath all = fixationsAt({{0, 0}, {1, 0}, {2, 0}, {3, 0}});
    EXPECT_TRUE(std::isnan(aucJudd(map, {&all})));
}

TEST(SaliencyMaps, CcKlAndSim) {
    const SaliencyMap a = mapOf(3, 1, {1, 2, 3}), negated = mapOf(3, 1, {-1, -2, -3});
    EXPECT_DOUBLE_EQ(correlationCoefficient(a, a), 1.0);
    EXPECT_DOUBLE_EQ(correlationCoefficient(a, negated), -1.0);
    // P = (.5, .5), Q = (1, 0): KL = 1 · ln(ε + 1 / .5) = ln 2.
    EXPECT_NEAR(klDivergence(mapOf(2, 1, {1, 1}), mapOf(2, 1, {1, 0})), std::log(2.0), 1e-12);
    EXPECT_NEAR(klDivergence(a, a), 0.0, 1e-12);
    EXPECT_DOUBLE_EQ(similarity(a, a), 1.0);
    EXPECT_DOUBLE_EQ(similarity(mapOf(2, 1, {1, 0}), mapOf(2, 1, {0, 1})), 0.0);
    EXPECT_DOUBLE_EQ(similarity(mapOf(2, 1, {1, 1}), mapOf(2, 1, {1, 0})), 0.5);
    EXPECT_TRUE(std::isnan(similarity(a, mapOf(2, 1, {1, 1}))));      // sizes differ
    EXPECT_TRUE(std::isnan(klDivergence(a, mapOf(3, 1, {0, 0, 0})))); // nothing to normalize
}

TEST(SaliencyMaps, DensityIsAGaussianAroundEachFixation) {
    DensityMapConfig config;
    config.screenWidth = 64;
    config.screenHeight = 32;
    config.sigmaPx = 3.0;
    const Scanpath one = fixationsAt({{20, 10}});
    const SaliencyMap map = fixationDensity({&one}, config);
    ASSERT_EQ(map.columns, 64);
    ASSERT_EQ(map.rows, 32);
    EXPECT_DOUBLE_EQ(map.cellPx, 1.0);
    // The peak on the fixation, symmetric around it, one unit of mass in all (the kernel fits inside).
    double total = 0.0, peak = 0.0;
    for (const double v : map.values)
        total += v, peak = std::max(peak, v);
    EXPECT_NEAR(total, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(map.at(20, 10), peak);
    EXPECT_NEAR(map.at(17, 10), map.at(23, 10), 1e-15);
    EXPECT_NEAR(map.at(20, 7), map.at(20, 13), 1e-15);
    // One σ away along an axis: e^{-1/2} of the peak (the discrete kernel's own ratio).
    EXPECT_NEAR(map.at(23, 10) / peak, std::exp(-0.5), 1e-12);
    // A large screen is binned: at most 256 cells on the longer side.
    config.screenWidth = 2559;
    config.screenHeight = 1600;
    config.sigmaPx = 33.3;
    const SaliencyMap binned = fixationDensity({&one}, config);
    EXPECT_EQ(binned.columns, 256);
    EXPECT_LE(binned.rows, 161);
    EXPECT_EQ(fixationDensity({&one}, DensityMapConfig{}).values.size(), 0u); // no screen, no map
}

TEST(SaliencyMaps, EmptyMapsAndComparisonsThatCannotBeMade) {
    const Scanpath one = fixationsAt({{1, 1}});
    EXPECT_TRUE(std::isnan(aucJudd(SaliencyMap{}, {&one})));
    EXPECT_TRUE(std::isnan(normalizedScanpathSaliency(SaliencyMap{}, {&one})));
}
