// SPDX-License-Identifier: Apache-2.0
// Wu et al.'s retrieval score (METHODS.md 3a) on constructed traces with hand-known answers.
#include "attnscope/analyses/retrieval.h"

#include <gtest/gtest.h>

using namespace attnscope::analyses;

namespace {

/// Prompt 10 11 [20 21 22] 12 13 with the needle at [2, 5); two heads (one layer).
NeedleTrace sample(std::vector<int32_t> generated, std::vector<std::vector<int32_t>> topKeys) {
    return {{10, 11, 20, 21, 22, 12, 13}, 2, 5, std::move(generated), std::move(topKeys)};
}

} // namespace

TEST(Retrieval, CopyPasteStepsOverNeedleLength) {
    // Head 0 points at the token it emits, inside the needle, every step: 3/3. Head 1 points inside the
    // needle but at the wrong token once, and outside once: 1/3.
    auto result = retrievalScores({sample({20, 21, 22}, {{2, 2}, {3, 0}, {4, 6}})}, 1, 2);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_EQ(result->accepted, 1);
    EXPECT_DOUBLE_EQ(result->scores[0], 1.0);
    EXPECT_NEAR(result->scores[1], 1.0 / 3.0, 1e-12);
    EXPECT_EQ(result->retrievalHeads, 2);
}

TEST(Retrieval, RepeatedStepsCountAgainAsInTheReferenceCode) {
    auto result = retrievalScores({sample({20, 20, 21, 22}, {{2, 6}, {2, 6}, {3, 6}, {4, 6}})}, 1, 2);
    ASSERT_TRUE(result);
    EXPECT_NEAR(result->scores[0], 4.0 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(result->scores[1], 0.0);
    EXPECT_EQ(result->retrievalHeads, 1);
}

TEST(Retrieval, SamplesWithAWrongAnswerAreNotAccumulated) {
    // The second sample answers 30 31 22: ROUGE-1 recall 1/3 <= 0.5, so only the first counts.
    auto result = retrievalScores(
        {sample({20, 21, 22}, {{2, 2}, {3, 3}, {4, 4}}), sample({30, 31, 22}, {{0, 0}, {0, 0}, {0, 0}})}, 1,
        2);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->samples, 2);
    EXPECT_EQ(result->accepted, 1);
    EXPECT_DOUBLE_EQ(result->scores[0], 1.0);
    EXPECT_DOUBLE_EQ(result->scores[1], 1.0);
}

TEST(Retrieval, NeedleAtTheVeryStartAndEnd) {
    NeedleTrace start{{20, 21, 5, 6}, 0, 2, {20, 21}, {{0}, {1}}};
    NeedleTrace end{{5, 6, 20, 21}, 2, 4, {20, 21}, {{2}, {3}}};
    auto result = retrievalScores({start, end}, 1, 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->accepted, 2);
    EXPECT_DOUBLE_EQ(result->scores[0], 1.0);
}

TEST(Retrieval, RougeRecallCountsMultisets) {
    EXPECT_DOUBLE_EQ(rouge1Recall({1, 1, 2}, {1, 2}), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(rouge1Recall({1, 2}, {2, 1, 1}), 1.0);
    EXPECT_DOUBLE_EQ(rouge1Recall({}, {1}), 0.0);
}

TEST(Retrieval, InconsistentTracesNameTheSample) {
    auto bad = retrievalScores({sample({20}, {})}, 1, 2);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().toString().find("samples[0].topKeys"), std::string::npos);
    NeedleTrace outside{{1, 2}, 1, 5, {1}, {{0, 0}}};
    EXPECT_FALSE(retrievalScores({outside}, 1, 2));
}
