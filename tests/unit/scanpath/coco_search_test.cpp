// SPDX-License-Identifier: Apache-2.0
// COCO-Search18's trial list (SCANPATH.md §5.1): parallel X/Y/T lists into fixations, target boxes,
// detection through readGaze beside STI's object, and refusals that name the JSON path.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/coco_search.h"
#include "attnscope/scanpath/scanpath_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace attnscope;
using namespace attnscope::scanpath;

namespace {

const std::string kSeed = std::string(ATTNSCOPE_FUZZ_CORPUS_DIR) + "/gaze/coco_search18.json";

} // namespace

TEST(CocoSearch, TrialsBecomeScanpathsWithTargets) {
    const auto text = readWholeFile(kSeed);
    ASSERT_TRUE(text.hasValue());
    EXPECT_TRUE(looksLikeCocoSearch(*text));
    const auto trials = parseCocoSearch(*text, "c.json");
    ASSERT_TRUE(trials.hasValue()) << trials.status().toString();
    ASSERT_EQ(trials->size(), 3u);
    const SearchTrial& first = (*trials)[0];
    EXPECT_EQ(first.scanpath.stimulusId, "000000478726.jpg");
    EXPECT_EQ(first.scanpath.subjectId, "2");
    EXPECT_EQ(first.scanpath.trialId, "bottle/present");
    ASSERT_EQ(first.scanpath.fixations.size(), 3u);
    EXPECT_DOUBLE_EQ(first.scanpath.fixations[2].x, 120);
    EXPECT_DOUBLE_EQ(first.scanpath.fixations[1].durationMs, 180);
    EXPECT_DOUBLE_EQ(first.scanpath.fixations[2].startMs, 430); // 250 + 180 from the first fixation
    ASSERT_EQ(first.target.size(), 1u);
    EXPECT_DOUBLE_EQ(first.target[0].right, 140);
    EXPECT_DOUBLE_EQ(first.target[0].bottom, 170);
    EXPECT_EQ(first.target[0].label, "bottle");
    EXPECT_TRUE(first.target[0].contains(first.scanpath.fixations[2].x, first.scanpath.fixations[2].y));
    EXPECT_EQ((*trials)[2].scanpath.subjectId, "7");
    EXPECT_DOUBLE_EQ(first.scanpath.screenWidth, kCocoSearchWidth); // the set's display, 1680 × 1050
    EXPECT_TRUE((*trials)[2].target.empty());                       // target-absent trials have no box

    // Through readGaze: the list is told apart from STI's object by its first character.
    const auto gaze = readGaze(kSeed);
    ASSERT_TRUE(gaze.hasValue()) << gaze.status().toString();
    EXPECT_EQ(gaze->format, "coco-search18");
    ASSERT_EQ(gaze->scanpaths.size(), 3u);
    ASSERT_EQ(gaze->areas.size(), 3u);
    EXPECT_EQ(gaze->areas[0].size(), 1u);
    EXPECT_FALSE(looksLikeCocoSearch("  {\"1.jpg\": {}}"));
    EXPECT_TRUE(looksLikeCocoSearch("\xEF\xBB\xBF\n[]")); // a byte-order mark first
    const auto unsignedSubject = parseCocoSearch(
        R"([{"name": "a.jpg", "subject": 18446744073709551615, "X": [1], "Y": [1]}])", "c.json");
    ASSERT_TRUE(unsignedSubject.hasValue());
    EXPECT_EQ((*unsignedSubject)[0].scanpath.subjectId, "18446744073709551615");
}

TEST(CocoSearch, RefusalsNameTheJsonPath) {
    const auto expectRefused = [](const std::string& text, const std::string& field,
                                  const std::string& message) {
        const auto trials = parseCocoSearch(text, "c.json");
        ASSERT_FALSE(trials.hasValue()) << text;
        EXPECT_EQ(trials.status().file(), "c.json");
        EXPECT_EQ(trials.status().field(), field) << text;
        EXPECT_NE(trials.status().message().find(message), std::string::npos) << trials.status().message();
    };
    expectRefused(R"([{"name": "a.jpg", "X": [1, 2], "Y": [1]}])", "[0].Y", "has 1 values; X has 2");
    expectRefused(
        R"([{"name": "a.jpg", "X": [1, 2], "Y": [1, 2]}, {"name": "b.jpg", "X": [1, "2"], "Y": [1, 2]}])",
        "[1].X[1]", "finite number");
    expectRefused(R"([{"name": "a.jpg", "X": [1], "Y": [1], "T": [-5]}])", "[0].T[0]", "negative");
    expectRefused(R"([{"name": "a.jpg", "X": [1, 2], "Y": [1, 2], "T": [1e308, 1e308]}])", "[0].T[1]",
                  "add up");
    expectRefused(R"([{"name": "a.jpg", "X": [1], "Y": [1], "bbox": [1, 2, 3]}])", "[0].bbox",
                  "[x, y, width");
    expectRefused(R"([{"X": [1], "Y": [1]}])", "[0].name", "missing");
    expectRefused(R"([{"name": "a.jpg", "subject": [2], "X": [1], "Y": [1]}])", "[0].subject", "string");
    EXPECT_FALSE(parseCocoSearch("[]", "c.json").hasValue());
    EXPECT_FALSE(parseCocoSearch("[1, ", "c.json").hasValue());
    EXPECT_FALSE(parseCocoSearch("{}", "c.json").hasValue());
}
