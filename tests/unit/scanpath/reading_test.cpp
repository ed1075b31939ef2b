// SPDX-License-Identifier: Apache-2.0
// Reading gaze against attention: SCANPATH.md §6 items 4 and 5, word alignment, rank statistics
// against values computed independently (numerical integration of Student's t), and the predictions.
#include "attnscope/scanpath/reading.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope::scanpath;

TEST(Reading, WordsAndTokenAlignmentFromOffsets) {
    const std::string text = "  The cat\nsat. ";
    const auto words = splitWords(text);
    ASSERT_EQ(words.size(), 3u);
    EXPECT_EQ(words[0].text, "The");
    EXPECT_EQ(words[1].begin, 6u);
    EXPECT_EQ(words[2].text, "sat.");
    // BOS (empty), "The", " cat" (its space belongs to no word), "\n", "sat", ".".
    const std::vector<std::pair<std::size_t, std::size_t>> offsets{{0, 0},  {2, 5},   {5, 9},
                                                                   {9, 10}, {10, 13}, {13, 14}};
    EXPECT_EQ(tokenWords(words, offsets), (std::vector<int>{-1, 0, 1, -1, 2, 2}));
}

TEST(Reading, SubwordMergeSpecVector) {
    // ["un", "##believ", "##able"] with [.1, .2, .3]: one word.
    const std::vector<double> values{0.1, 0.2, 0.3};
    const std::vector<int> words{0, 0, 0};
    EXPECT_NEAR(mergeToWords(values, words, 1, MergeFunction::Sum)[0], 0.6, 1e-12);
    EXPECT_DOUBLE_EQ(mergeToWords(values, words, 1, MergeFunction::Max)[0], 0.3);
    EXPECT_NEAR(mergeToWords(values, words, 1, MergeFunction::Mean)[0], 0.2, 1e-12);
    EXPECT_DOUBLE_EQ(mergeToWords(values, words, 1, MergeFunction::First)[0], 0.1);
    const auto withGap = mergeToWords({1.0, 2.0}, {0, 2}, 3, MergeFunction::Sum);
    EXPECT_TRUE(std::isnan(withGap[1])); // a word no token maps to
}

TEST(Reading, RolloutOfIdentityIsIdentityAndOfTwoLayersMultiplies) {
    const std::vector<double> identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
    EXPECT_EQ(attentionRollout({identity}, 3), identity);
    EXPECT_EQ(attentionRollout({identity, identity, identity}, 3), identity);
    // A = [[1, 0], [1, 0]]: Ã = [[1, 0], [.5, .5]]; Ã·Ã = [[1, 0], [.75, .25]].
    const std::vector<double> toFirst{1, 0, 1, 0};
    const auto rolled = attentionRollout({toFirst, toFirst}, 2);
    EXPECT_DOUBLE_EQ(rolled[2], 0.75);
    EXPECT_DOUBLE_EQ(rolled[3], 0.25);
    EXPECT_EQ(columnSums(rolled, 2), (std::vector<double>{1.75, 0.25}));
    EXPECT_EQ(columnSums(rolled, 2, {1}), (std::vector<double>{0.75, 0.25}));
}

TEST(Reading, RanksAndCorrelations) {
    EXPECT_EQ(averageRanks({10, 20, 20, 5}), (std::vector<double>{2, 3.5, 3.5, 1}));
    // With ties, Spearman is Pearson on average ranks: 4.5 / sqrt(22.5); the no-ties formula would say 0.8.
    EXPECT_NEAR(spearman({1, 2, 2, 3}, {1, 2, 3, 4}), 4.5 / std::sqrt(22.5), 1e-12);
    EXPECT_NEAR(spearman({1, 2, 3, 4}, {10, 100, 1000, 10000}), 1.0, 1e-12);
    EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 6}), 1.0, 1e-12);
    EXPECT_NEAR(pearson({1, 2, std::nan(""), 3}, {3, 2, 100, 1}), -1.0, 1e-12); // NaN pairs dropped
    EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
    // Two-sided p of r over n pairs, against numerical integration of Student's t density.
    EXPECT_NEAR(correlationPValue(0.5, 10), 0.1411133, 1e-6);
    EXPECT_NEAR(correlationPValue(0.9, 5), 0.0373860, 1e-6);
    EXPECT_TRUE(std::isnan(correlationPValue(0.5, 2)));
    // Fisher: two p = 0.05 give χ² = 11.98 on 4 degrees of freedom, p = e^{-x/2}(1 + x/2).
    const auto [chi2, p] = fisherCombined({0.05, 0.05});
    EXPECT_NEAR(chi2, 11.982929, 1e-6);
    EXPECT_NEAR(p, 0.0174787, 1e-6);
}

TEST(Reading, PredictedReadingSkipsTheLeastRelevantWords) {
    // Sorted finite relevance 1, 2, 3, 5: the 0.2 quantile is 1.6, so word 0 is skipped.
    const Scanpath path = predictReading({1, 5, 3, std::nan(""), 2});
    ASSERT_EQ(path.fixations.size(), 3u);
    EXPECT_EQ(path.fixations[0].word, 1);
    EXPECT_EQ(path.fixations[1].word, 2);
    EXPECT_EQ(path.fixations[2].word, 4);
    EXPECT_DOUBLE_EQ(path.fixations[0].durationMs, 500.0);
    EXPECT_DOUBLE_EQ(path.fixations[1].durationMs, 300.0);
    EXPECT_DOUBLE_EQ(path.fixations[2].durationMs, 200.0);
    EXPECT_DOUBLE_EQ(path.fixations[2].startMs, 800.0);
    ReadingPredictionConfig all;
    all.skipQuantile = 0.0;
    EXPECT_EQ(predictReading({1, 5, 3}, all).fixations.size(), 3u);
}

TEST(Reading, WinnerTakeAllWithInhibitionOfReturn) {
    const std::vector<std::pair<double, double>> line{{0, 0}, {100, 0}, {200, 0}, {300, 0}};
    WtaConfig config;
    config.iorRadius = 50;
    config.recovery = 1.0;
    const auto order = [](const Scanpath& path) {
        std::vector<int> units;
        for (const Fixation& f : path.fixations)
            units.push_back(f.aoi);
        return units;
    };
    EXPECT_EQ(order(predictWinnerTakeAll({1, 5, 3, 4}, line, config)), (std::vector<int>{1, 3, 2, 0}));
    config.iorRadius = 150; // fixating unit 1 inhibits 0, 1 and 2
    EXPECT_EQ(order(predictWinnerTakeAll({1, 5, 3, 4}, line, config)), (std::vector<int>{1, 3}));
    config.iorRadius = 150;
    config.targetUnit = 1; // search mode stops on the target
    EXPECT_EQ(order(predictWinnerTakeAll({1, 5, 3, 4}, line, config)), (std::vector<int>{1}));
    // Half-strength inhibition lets a strong unit be refixated: 5 → 2.5 → 1.25 > 1, then 0.625 < 1.
    WtaConfig soft;
    soft.iorRadius = 10;
    soft.iorStrength = 0.5;
    soft.recovery = 1.0;
    soft.fixations = 4;
    EXPECT_EQ(order(predictWinnerTakeAll({5, 1}, {{0, 0}, {500, 0}}, soft)), (std::vector<int>{0, 0, 0, 1}));
    EXPECT_DOUBLE_EQ(predictWinnerTakeAll({5, 1}, {{0, 0}, {500, 0}}, soft).fixations[3].x, 500.0);
}
