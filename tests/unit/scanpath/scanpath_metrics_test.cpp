// SPDX-License-Identifier: Apache-2.0
// The scanpath metrics against SCANPATH.md's vectors (§2.2–2.5, §6) and hand-computed cases.
#include "attnscope/scanpath/behaviour.h"
#include "attnscope/scanpath/comparison.h"
#include "attnscope/scanpath/geometric_metrics.h"
#include "attnscope/scanpath/scanmatch.h"
#include "attnscope/scanpath/sequence_metrics.h"
#include "attnscope/scanpath/transitions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace attnscope::scanpath;

namespace {

std::vector<int> symbols(const std::string& text) {
    return {text.begin(), text.end()};
}

Scanpath pathOf(const std::vector<std::pair<double, double>>& points,
                const std::vector<double>& durationsMs = {}) {
    Scanpath path;
    for (std::size_t i = 0; i < points.size(); ++i) {
        Fixation f;
        f.x = points[i].first;
        f.y = points[i].second;
        if (i < durationsMs.size())
            f.durationMs = durationsMs[i];
        path.fixations.push_back(f);
    }
    return path;
}

} // namespace

TEST(SequenceMetrics, EditDistanceVectors) {
    EXPECT_EQ(editDistance(symbols("ABCD"), symbols("ACBD")), 2);
    EXPECT_EQ(editDistance(symbols("kitten"), symbols("sitting")), 3);
    EXPECT_EQ(editDistance({}, symbols("abc")), 3);
    EXPECT_EQ(editDistance(symbols("abc"), {}), 3);
    EXPECT_DOUBLE_EQ(editSimilarity(symbols("kitten"), symbols("sitting")), 1.0 - 3.0 / 7.0);
    EXPECT_TRUE(std::isnan(editSimilarity({}, {})));
    EXPECT_EQ(collapseRepeats(symbols("AAABBBA")), symbols("ABA"));
}

TEST(SequenceMetrics, SequenceScoreVectors) {
    EXPECT_DOUBLE_EQ(sequenceScore({1, 2, 3, 4}, {1, 3, 2, 4}), 0.75);
    EXPECT_DOUBLE_EQ(sequenceScore({1, 2, 3}, {1, 2, 3, 4, 5}), 0.6);
    EXPECT_DOUBLE_EQ(sequenceScore({1, 2, 3}, {4, 5}), 0.0);
    EXPECT_DOUBLE_EQ(sequenceScore({}, {4, 5}), 0.0);
    EXPECT_TRUE(std::isnan(sequenceScore({}, {})));
}

TEST(SequenceMetrics, RepeatByDurationRoundsOrFloors) {
    // 100 / 50 = 2; 240 / 50 = 4.8; 20 / 50 = 0.4 (vanishes under both); 75 / 50 = 1.5.
    const std::vector<double> durations{100, 240, 20, 75};
    EXPECT_EQ(repeatByDuration({1, 2, 3, 4}, durations, 50, DurationRounding::Round),
              (std::vector<int>{1, 1, 2, 2, 2, 2, 2, 4, 4}));
    EXPECT_EQ(repeatByDuration({1, 2, 3, 4}, durations, 50, DurationRounding::Floor),
              (std::vector<int>{1, 1, 2, 2, 2, 2, 4}));
}

TEST(ScanMatch, SubstitutionMatrixSpansThresholdMinusTheGridDiagonal) {
    const ScanMatchConfig config; // 12 × 8, T = 3.5
    double lowest = 1e9, highest = -1e9;
    for (int a = 0; a < 96; ++a)
        for (int b = 0; b < 96; ++b) {
            lowest = std::min(lowest, scanMatchSubstitution(a, b, config));
            highest = std::max(highest, scanMatchSubstitution(a, b, config));
        }
    EXPECT_NEAR(lowest, -9.5384, 1e-4);
    EXPECT_DOUBLE_EQ(highest, 3.5);
    EXPECT_DOUBLE_EQ(scanMatchSubstitution(2, 14, config), 2.5); // one row apart
}

TEST(ScanMatch, SpecVectors) {
    const ScanMatchConfig config;
    const std::vector<int> a{0, 1, 2, 13};
    EXPECT_DOUBLE_EQ(scanMatchScore(a, a, config), 1.0);
    EXPECT_NEAR(scanMatchScore(a, {0, 1, 14, 13}, config), 13.0 / 14.0, 1e-12);
    ScanMatchConfig port = config;
    port.pythonPortCompat = true;
    EXPECT_NEAR(scanMatchScore(a, {0, 1, 14, 13}, port), 13.0 / 14.0, 1e-12); // gap 0: the two agree
}

TEST(ScanMatch, GapSemanticsDifferBetweenMatlabAndThePort) {
    ScanMatchConfig config;
    config.gap = -1.0;
    // F(1,1) = 3.5; MATLAB ends at F(1,2) = max(F(0,1) + S(0,1), F(1,1) + g) = max(-1 + 2.5, 2.5) = 2.5.
    EXPECT_NEAR(scanMatchScore({0}, {0, 1}, config), 2.5 / 7.0, 1e-12);
    // The port takes the largest cell, F(1,1) = 3.5.
    config.pythonPortCompat = true;
    EXPECT_NEAR(scanMatchScore({0}, {0, 1}, config), 3.5 / 7.0, 1e-12);
}

TEST(ScanMatch, BinsScanpathsOnTheScreenGridWithTemporalBinning) {
    ScanMatchConfig config;
    config.tempBinMs = 50.0;
    // 1024 × 768 in 12 × 8 bins: a bin is 85.33 × 96 px. (10, 10) → 0; (100, 100) → row 1, col 1 = 13.
    const Scanpath path = pathOf({{10, 10}, {100, 100}, {2000, -5}}, {100, 60, 30});
    auto sequence = scanMatchSequence(path, config);
    ASSERT_TRUE(sequence) << sequence.status().toString();
    // Off-screen (2000, -5) clamps to the top-right bin 11; 30 ms rounds to 1 bin, 60 to 1, 100 to 2.
    EXPECT_EQ(*sequence, (std::vector<int>{0, 0, 13, 11}));
    auto same = scanMatch(path, path, config);
    ASSERT_TRUE(same);
    EXPECT_DOUBLE_EQ(*same, 1.0);

    const Scanpath noDurations = pathOf({{10, 10}, {100, 100}});
    auto refused = scanMatchSequence(noDurations, config);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "temp_bin_ms");
    config.xBins = 0;
    EXPECT_EQ(scanMatchSequence(path, config).status().field(), "bins");
}

TEST(GeometricMetrics, SpecVectors) {
    const std::vector<Point> p{{0, 0}, {1, 0}, {2, 0}};
    const std::vector<Point> q{{0, 1}, {1, 1}, {2, 1}, {3, 1}};
    // SCANPATH.md §2.5 writes "2+√2 ≈ 4.4142": the value is 3 + √2 (three unit pairs and one diagonal).
    EXPECT_NEAR(dynamicTimeWarping(p, q), 3.0 + std::sqrt(2.0), 1e-12);
    EXPECT_NEAR(discreteFrechet(p, q), std::sqrt(2.0), 1e-12);
    EXPECT_NEAR(hausdorff(p, q), std::sqrt(2.0), 1e-12);
    EXPECT_NEAR(eyenalysis(p, q), (6.0 + std::sqrt(2.0)) / 4.0, 1e-12);
    EXPECT_DOUBLE_EQ(dynamicTimeWarping(p, p), 0.0);
    EXPECT_DOUBLE_EQ(discreteFrechet(q, q), 0.0);
    EXPECT_TRUE(std::isnan(dynamicTimeWarping({}, q)));
    EXPECT_TRUE(std::isnan(discreteFrechet(p, {})));
}

TEST(Behaviour, OatSpecVector) {
    const BehaviouralStats stats = behaviouralStats({3, 3, 5, 3, 7}, 7);
    EXPECT_DOUBLE_EQ(stats.correct, 1.0);
    EXPECT_DOUBLE_EQ(stats.length, 5.0);
    EXPECT_DOUBLE_EQ(stats.refix, 0.2);
    EXPECT_DOUBLE_EQ(stats.search, 0.6);
    EXPECT_DOUBLE_EQ(stats.revisit, 0.2);
    EXPECT_DOUBLE_EQ(behaviouralStats({3, 3, 5, 3, 7}, 3).correct, 0.0);
    EXPECT_TRUE(std::isnan(behaviouralStats({}, 1).length));
}

TEST(Behaviour, MeanAndDelta) {
    const BehaviouralStats a = behaviouralStats({1, 2, 3}, 3); // correct, 3, search 1
    const BehaviouralStats b =
        behaviouralStats({1, 1, 2, 1}, 3); // wrong, 4, refix 1/4, revisit 1/4, search 1/2
    const BehaviouralStats mean = meanBehaviour({a, b});
    EXPECT_DOUBLE_EQ(mean.correct, 0.5);
    EXPECT_DOUBLE_EQ(mean.length, 3.5);
    EXPECT_DOUBLE_EQ(mean.search, 0.75);
    EXPECT_DOUBLE_EQ(mean.refix, 0.125);
    EXPECT_DOUBLE_EQ(mean.revisit, 0.125);
    EXPECT_DOUBLE_EQ(behaviouralDelta(mean, mean), 0.0);
    BehaviouralStats model = mean;
    model.length = 3.5 * 1.5; // +50 % in one of five statistics
    EXPECT_NEAR(behaviouralDelta(model, mean), 0.1, 1e-12);
    EXPECT_TRUE(std::isnan(behaviouralDelta(mean, a))); // a's refix is 0: the ratio is undefined
}

TEST(Aoi, GridCellsAndBoxes) {
    const AoiGrid grid{14, 6, 2559, 1600}; // the STI Amazon collage layout
    EXPECT_EQ(grid.cellAt(0, 0), 0);
    EXPECT_EQ(grid.cellAt(2558, 1599), 83);
    EXPECT_EQ(grid.cellAt(200, 300), 1 * 14 + 1); // cells are 182.8 × 266.7
    EXPECT_EQ(grid.cellAt(-50, 5000), 5 * 14);    // clamped to the border
    EXPECT_NEAR(grid.cellCentreX(15), 1.5 * 2559 / 14, 1e-9);

    const std::vector<AoiBox> boxes{{7, 0, 0, 10, 10, "a"}, {9, 20, 0, 30, 10, "b"}};
    EXPECT_EQ(aoiAt(boxes, 5, 5, OffAoi::None), 7);
    EXPECT_EQ(aoiAt(boxes, 16, 5, OffAoi::None), -1);
    EXPECT_EQ(aoiAt(boxes, 16, 5, OffAoi::Nearest), 9); // centres at 5 and 25
    EXPECT_EQ(aoiAt({}, 16, 5, OffAoi::Nearest), -1);
}

TEST(ScanMatch, RefusesBinnedSequencesTooLongToAlign) {
    ScanMatchConfig config;
    config.tempBinMs = 1.0;
    // Two fixations of 10^4 s each: 2·10^7 one-millisecond bins would be 4·10^14 pairs.
    const Scanpath hours = pathOf({{10, 10}, {500, 500}}, {1e7, 1e7});
    auto refused = scanMatch(hours, hours, config);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "temp_bin_ms");
    EXPECT_NE(refused.status().message().find("too long"), std::string::npos);
    // A duration past any integer type (fuzz_gaze: the message once converted it with undefined behaviour).
    refused = scanMatch(pathOf({{10, 10}, {500, 500}}, {1e300, 1e300}), hours, config);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "temp_bin_ms");
    // 3·10^4 bins each (9·10^8 pairs) also exceed the alignment bound.
    const Scanpath long_ = pathOf({{10, 10}, {500, 500}}, {15000, 15000});
    refused = scanMatch(long_, long_, config);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.status().message().find("4·10^8"), std::string::npos);
}

TEST(Comparison, RefusesWhatItCannotCompare) {
    const Scanpath a = pathOf({{10, 10}, {300, 40}, {600, 400}}),
                   b = pathOf({{20, 15}, {320, 60}, {580, 380}});
    ComparisonConfig config;
    config.mapSigmaPx = 0.0;
    auto refused = compareScanpaths(a, b, config);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "map_sigma");
    config = {};
    config.alphabet = Alphabet::Aoi; // these fixations carry no area of interest
    refused = compareScanpaths(a, b, config);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "alphabet");
    Scanpath withAreas = a;
    withAreas.fixations[1].aoi = 4;
    auto compared = compareScanpaths(withAreas, b, config);
    ASSERT_TRUE(compared) << compared.status().toString();
    EXPECT_EQ(compared->editDistance, 1); // [-1, 4, -1] against [-1, -1, -1]
}

TEST(Transitions, CountsMovesBetweenAreasWithNoAoiAsASymbol) {
    // [1, 1, 2, -1, 2] and [2, 1]: moves 1→1 (a refixation), 1→2, 2→-1, -1→2, and 2→1 in the second.
    const TransitionMatrix moves = aoiTransitions({{1, 1, 2, -1, 2}, {2, 1}});
    ASSERT_EQ(moves.symbols, (std::vector<int>{-1, 1, 2}));
    EXPECT_EQ(moves.count(1, 1), 0.0); // refixations are not transitions by default
    EXPECT_EQ(moves.count(1, 2), 1.0);
    EXPECT_EQ(moves.count(2, 0), 1.0);
    EXPECT_EQ(moves.count(0, 2), 1.0);
    EXPECT_EQ(moves.count(2, 1), 1.0);
    const auto p = moves.probabilities();
    EXPECT_DOUBLE_EQ(p[2 * 3 + 0], 0.5); // from 2: to -1 once, to 1 once
    EXPECT_DOUBLE_EQ(p[2 * 3 + 1], 0.5);
    EXPECT_EQ(aoiTransitions({{1, 1, 2, -1, 2}}, true).count(1, 1), 1.0);
    EXPECT_TRUE(aoiTransitions({}).symbols.empty());
}

TEST(ScanpathMetrics, GazeTransitionEntropyOfKnownChains) {
    // A → B always; B → A or B by halves: π = (⅓, ⅔), H_s = log2 3 − ⅔, H_t = ⅔ · 1 bit.
    const TransitionMatrix chain = aoiTransitions({{0, 1, 0, 1, 1, 0, 1, 1}}, true);
    ASSERT_EQ(chain.symbols, (std::vector<int>{0, 1}));
    ASSERT_EQ(chain.counts, (std::vector<double>{0, 3, 2, 2}));
    const TransitionEntropy e = transitionEntropy(chain);
    // Counts 2 and 2 out of B: the halves; 3 out of A, all to B.
    EXPECT_NEAR(e.stationary[0], 1.0 / 3, 1e-12);
    EXPECT_NEAR(e.stationary[1], 2.0 / 3, 1e-12);
    EXPECT_NEAR(e.stationaryEntropy, std::log2(3.0) - 2.0 / 3, 1e-12);
    EXPECT_NEAR(e.transitionEntropy, 2.0 / 3, 1e-12);
    EXPECT_NEAR(e.transitionNormalized, 2.0 / 3, 1e-12); // log2 2 = 1

    // A periodic chain (A → B, B → A or C, C → B): plain power iteration from the uniform start oscillates
    // between (⅙, ⅔, ⅙) and (⅓, ⅓, ⅓); the lazy chain settles on π = (¼, ½, ¼).
    const TransitionEntropy periodic = transitionEntropy(aoiTransitions({{0, 1, 0, 1, 2, 1, 2, 1, 0}}));
    EXPECT_NEAR(periodic.stationary[0], 0.25, 1e-12);
    EXPECT_NEAR(periodic.stationary[1], 0.5, 1e-12);
    EXPECT_NEAR(periodic.stationaryEntropy, 1.5, 1e-12);
    EXPECT_NEAR(periodic.transitionEntropy, 0.5, 1e-12);

    // C only ends the sequence: its row becomes uniform. π0 = π2/3, π1 = π0 + π2/3, π2 = π1 + π2/3:
    // π = (⅙, ⅓, ½).
    const TransitionEntropy restart = transitionEntropy(aoiTransitions({{0, 1, 2}}));
    EXPECT_NEAR(restart.stationary[0], 1.0 / 6, 1e-12);
    EXPECT_NEAR(restart.stationary[1], 1.0 / 3, 1e-12);
    EXPECT_NEAR(restart.stationary[2], 0.5, 1e-12);
    EXPECT_TRUE(transitionEntropy(TransitionMatrix{}).stationary.empty());
    EXPECT_TRUE(std::isnan(transitionEntropy(aoiTransitions({{4, 4}}, true)).stationaryNormalized));
}
