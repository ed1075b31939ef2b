// SPDX-License-Identifier: Apache-2.0
// Tobii Pro Lab exports (SCANPATH.md §5.1): sample rows collapsed into fixations, units read from the
// header, AOI hit columns, detection through readGaze, and refusals.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/scanpath/tobii_pro_lab.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace attnscope;
using namespace attnscope::scanpath;

namespace {

std::string seed() {
    auto content = readWholeFile(std::string(ATTNSCOPE_FUZZ_CORPUS_DIR) + "/gaze/tobii.tsv");
    EXPECT_TRUE(content.hasValue());
    return content.hasValue() ? *content : std::string();
}

} // namespace

TEST(TobiiProLab, SampleRowsCollapseIntoFixations) {
    const std::string text = seed();
    EXPECT_TRUE(isTobiiProLabExport(text));
    const auto recording = parseTobiiProLab(text, "t.tsv");
    ASSERT_TRUE(recording.hasValue()) << recording.status().toString();
    EXPECT_EQ(recording->sampleRows, 10);
    EXPECT_EQ(recording->aoiNames, (std::vector<std::string>{"Title", "Button"}));
    ASSERT_EQ(recording->scanpaths.size(), 2u);
    const Scanpath& first = recording->scanpaths[0];
    EXPECT_EQ(first.subjectId, "P1");
    EXPECT_EQ(first.trialId, "Rec1");
    EXPECT_EQ(first.stimulusId, "page");
    ASSERT_EQ(first.fixations.size(), 2u);
    // The first sample of fixation 1 has no point: the point and AOI come from the next; the start from
    // the first (μs → ms).
    EXPECT_DOUBLE_EQ(first.fixations[0].x, 100);
    EXPECT_DOUBLE_EQ(first.fixations[0].y, 120);
    EXPECT_DOUBLE_EQ(first.fixations[0].durationMs, 200);
    EXPECT_DOUBLE_EQ(first.fixations[0].startMs, 1016);
    EXPECT_EQ(first.fixations[0].aoi, 0);
    EXPECT_EQ(first.fixations[1].aoi, 1);
    EXPECT_DOUBLE_EQ(first.fixations[1].startMs, 1250);
    const Scanpath& second = recording->scanpaths[1];
    ASSERT_EQ(second.fixations.size(), 2u);
    EXPECT_EQ(second.fixations[0].aoi, -1); // in no AOI
    EXPECT_DOUBLE_EQ(second.fixations[1].x, 600);
    EXPECT_TRUE(second.hasDurations());
}

TEST(TobiiProLab, MillisecondTimestampsAndDetectionThroughReadGaze) {
    std::string text = seed();
    text.replace(text.find("[\u03bcs]"), std::string("[\u03bcs]").size(), "[ms]");
    const auto recording = parseTobiiProLab(text, "t.tsv");
    ASSERT_TRUE(recording.hasValue()) << recording.status().toString();
    EXPECT_DOUBLE_EQ(recording->scanpaths[0].fixations[0].startMs, 1016000);

    const std::filesystem::path file = std::filesystem::temp_directory_path() / "attnscope_tobii_export.tsv";
    std::ofstream(file) << seed();
    const auto gaze = readGaze(file.string());
    ASSERT_TRUE(gaze.hasValue()) << gaze.status().toString();
    EXPECT_EQ(gaze->format, "tobii-pro-lab");
    EXPECT_EQ(gaze->scanpaths.size(), 2u);
    EXPECT_EQ(gaze->areas.size(), 2u);
}

TEST(TobiiProLab, RefusalsNameTheFileLineAndColumn) {
    const std::string header =
        "Eye movement type\tEye movement type index\tFixation point X\tFixation point Y\n";
    const auto index = parseTobiiProLab(header + "Fixation\tfirst\t1\t2\n", "t.tsv");
    ASSERT_FALSE(index.hasValue());
    EXPECT_EQ(index.status().file(), "t.tsv");
    EXPECT_EQ(index.status().field(), "line 2, column Eye movement type index");
    const auto point = parseTobiiProLab(header + "Fixation\t1\tleft\t2\n", "t.tsv");
    ASSERT_FALSE(point.hasValue());
    EXPECT_EQ(point.status().field(), "line 2, column Fixation point X");
    const auto missing = parseTobiiProLab("Eye movement type index\tFixation point X\n", "t.tsv");
    ASSERT_FALSE(missing.hasValue());
    EXPECT_NE(missing.status().message().find("lacks Tobii Pro Lab's Eye movement type, Fixation point Y"),
              std::string::npos)
        << missing.status().message();
    const auto unit = parseTobiiProLab("Recording timestamp [s]\t" + header, "t.tsv");
    ASSERT_FALSE(unit.hasValue());
    EXPECT_NE(unit.status().message().find("unknown unit 's'"), std::string::npos);
    EXPECT_FALSE(parseTobiiProLab("", "t.tsv").hasValue());
    EXPECT_FALSE(isTobiiProLabExport("x\ty\n1\t2\n"));
}
