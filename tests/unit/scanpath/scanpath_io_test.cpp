// SPDX-License-Identifier: Apache-2.0
// The gaze importers on real recordings (../shared/data/eyetracking) and on damaged text, and
// MultiMatch against the MATLAB toolbox's values for the multimatch_gaze recordings.
#include "attnscope/scanpath/behaviour.h"
#include "attnscope/scanpath/multimatch.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/scanpath/sequence_metrics.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>

using namespace attnscope;
using namespace attnscope::scanpath;
namespace fs = std::filesystem;

namespace {

const fs::path kEyetracking = fs::path(ATTNSCOPE_SHARED_DATA_DIR) / "eyetracking";

#define REQUIRE_SHARED(path)                                                                                 \
    if (!fs::exists(path))                                                                                   \
    GTEST_SKIP() << "shared data not found at " << (path)

Scanpath readMultimatch(const std::string& name) {
    auto table = readFixationTable((kEyetracking / "multimatch" / name).string(), multimatchTableFormat());
    EXPECT_TRUE(table) << table.status().toString();
    if (!table || table->scanpaths.size() != 1)
        return {};
    return table->scanpaths.front();
}

/// The five similarities, each to the MATLAB toolbox's five decimals.
void expectSimilarities(const MultiMatchResult& result, const std::array<double, 5>& matlab) {
    EXPECT_NEAR(result.vector, matlab[0], 1e-5);
    EXPECT_NEAR(result.direction, matlab[1], 1e-5);
    EXPECT_NEAR(result.length, matlab[2], 1e-5);
    EXPECT_NEAR(result.position, matlab[3], 1e-5);
    EXPECT_NEAR(result.duration, matlab[4], 1e-5);
}

} // namespace

TEST(ScanpathImport, MultimatchTsvRecordings) {
    REQUIRE_SHARED(kEyetracking / "multimatch");
    const Scanpath first = readMultimatch("segment_10_sub-19.tsv");
    const Scanpath second = readMultimatch("segment_10_sub-01.tsv");
    ASSERT_EQ(first.fixations.size(), 28u);
    ASSERT_EQ(second.fixations.size(), 36u);
    // The first row: 556, 213.1, 0.093 s.
    EXPECT_DOUBLE_EQ(first.fixations[0].x, 556.0);
    EXPECT_DOUBLE_EQ(first.fixations[0].y, 213.1);
    EXPECT_NEAR(first.fixations[0].durationMs, 93.0, 1e-9);
    EXPECT_TRUE(first.hasDurations());
}

TEST(MultiMatch, MatchesTheMatlabToolboxWithoutSimplification) {
    REQUIRE_SHARED(kEyetracking / "multimatch");
    const Scanpath first = readMultimatch("segment_10_sub-19.tsv");
    const Scanpath second = readMultimatch("segment_10_sub-01.tsv");
    MultiMatchConfig config; // screen 1280 × 720
    auto result = multiMatch(first, second, config);
    ASSERT_TRUE(result) << result.status().toString();
    expectSimilarities(*result, {0.99082, 0.69902, 0.98927, 0.94767, 0.65563});
}

TEST(MultiMatch, MatchesTheMatlabToolboxWithSimplification) {
    REQUIRE_SHARED(kEyetracking / "multimatch");
    const Scanpath first = readMultimatch("segment_10_sub-19.tsv");
    const Scanpath second = readMultimatch("segment_10_sub-01.tsv");
    MultiMatchConfig config;
    config.simplify = true;
    config.directionThresholdDeg = 45.0;
    config.durationThresholdS = 0.3;
    config.amplitudeThresholdPx = 146.8;
    auto result = multiMatch(first, second, config);
    ASSERT_TRUE(result) << result.status().toString();
    expectSimilarities(*result, {0.95076, 0.95638, 0.94082, 0.94491, 0.78261});
    EXPECT_LT(result->alignedPairs, 36); // simplification merged saccades
}

TEST(MultiMatch, IdenticalShortAndDurationlessScanpaths) {
    Scanpath path;
    for (const auto& [x, y, d] : {std::tuple{100.0, 100.0, 200.0},
                                  {400.0, 120.0, 250.0},
                                  {420.0, 500.0, 180.0},
                                  {90.0, 480.0, 300.0}}) {
        Fixation f;
        f.x = x, f.y = y, f.durationMs = d;
        path.fixations.push_back(f);
    }
    auto same = multiMatch(path, path, {});
    ASSERT_TRUE(same);
    for (const double similarity :
         {same->vector, same->direction, same->length, same->position, same->duration})
        EXPECT_DOUBLE_EQ(similarity, 1.0);
    EXPECT_EQ(same->alignedPairs, 3);

    Scanpath two = path;
    two.fixations.resize(2);
    auto tooShort = multiMatch(path, two, {});
    ASSERT_TRUE(tooShort);
    EXPECT_TRUE(std::isnan(tooShort->vector));

    Scanpath noDurations = path;
    for (Fixation& f : noDurations.fixations)
        f.durationMs = kMissing;
    auto durationless = multiMatch(path, noDurations, {});
    ASSERT_TRUE(durationless);
    EXPECT_DOUBLE_EQ(durationless->position, 1.0);
    EXPECT_TRUE(std::isnan(durationless->duration));
    MultiMatchConfig simplify;
    simplify.simplify = true;
    EXPECT_EQ(multiMatch(path, noDurations, simplify).status().field(), "simplify");
    simplify.screenWidth = 0;
    EXPECT_EQ(multiMatch(path, path, simplify).status().field(), "screen");
}

TEST(ScanpathImport, DataViewerReportGroupsByParticipantAndTrial) {
    const std::string report =
        "RECORDING_SESSION_LABEL,TRIAL_INDEX,CURRENT_FIX_INDEX,CURRENT_FIX_X,CURRENT_FIX_Y,CURRENT_FIX_START,"
        "CURRENT_FIX_DURATION,CURRENT_FIX_INTEREST_AREA_ID\n"
        "\"s01\",1,1,512.5,384.0,0,220,3\n"
        "\"s01\",1,2,.,.,240,90,.\n" // a fixation without a position: skipped
        "\"s01\",1,3,600.0,390.5,350,180,.\n"
        "\"s01\",2,1,100,100,0,250,1\r\n"
        "\"s02\",1,1,\"300,5\",200,0,300,2\n"; // a quoted field holding the delimiter is one field
    auto table = parseFixationTable(report, dataViewerTableFormat(), "report.csv");
    ASSERT_FALSE(table); // "300,5" is not a number: the error names the line and column
    EXPECT_EQ(table.status().file(), "report.csv");
    EXPECT_EQ(table.status().field(), "line 6, column CURRENT_FIX_X");

    std::string fixed = report;
    fixed.replace(fixed.find("\"300,5\""), 7, "\"300.5\"");
    table = parseFixationTable(fixed, dataViewerTableFormat(), "report.csv");
    ASSERT_TRUE(table) << table.status().toString();
    EXPECT_EQ(table->skippedRows, 1);
    ASSERT_EQ(table->scanpaths.size(), 3u);
    const Scanpath& first = table->scanpaths[0];
    EXPECT_EQ(first.subjectId, "s01");
    EXPECT_EQ(first.trialId, "1");
    ASSERT_EQ(first.fixations.size(), 2u);
    EXPECT_DOUBLE_EQ(first.fixations[0].x, 512.5);
    EXPECT_DOUBLE_EQ(first.fixations[0].durationMs, 220.0);
    EXPECT_EQ(first.fixations[0].aoi, 3);
    EXPECT_EQ(first.fixations[1].aoi, -1);
    EXPECT_EQ(table->scanpaths[1].trialId, "2");
    EXPECT_EQ(table->scanpaths[2].subjectId, "s02");
    EXPECT_DOUBLE_EQ(table->scanpaths[2].fixations[0].x, 300.5);
}

TEST(ScanpathImport, TableRefusalsNameTheFileAndField) {
    const TableFormat format = pygazeTableFormat();
    const auto refusal = [&](const std::string& text) {
        auto table = parseFixationTable(text, format, "gaze.csv");
        EXPECT_FALSE(table) << text;
        EXPECT_EQ(table.status().file(), "gaze.csv");
        return table ? std::string() : table.status().field();
    };
    EXPECT_EQ(refusal(""), "");                               // no header
    EXPECT_EQ(refusal("A,B,Duration\n1,2,3\n"), "line 1");    // no X column
    EXPECT_EQ(refusal("X,Y,Duration\n1,2\n"), "line 2");      // too few fields
    EXPECT_EQ(refusal("X,Y\n1,\"2\n"), "line 2");             // unterminated quote
    EXPECT_EQ(refusal("X;Y\n1;2e999\n"), "line 2, column Y"); // not finite
    auto whitespace = parseFixationTable("# a comment\nX Y Duration\n1 2 3\n\n4 5 6\n", format, "gaze.txt");
    ASSERT_TRUE(whitespace) << whitespace.status().toString();
    EXPECT_EQ(whitespace->scanpaths.at(0).fixations.size(), 2u);
    EXPECT_FALSE(tableFormatByName("tobii"));
}

TEST(ScanpathImport, EyeLinkAscBlocksEyesAndInterestAreas) {
    const std::string asc = "** CONVERTED FROM test.edf\n"
                            "MSG\t1000 DISPLAY_COORDS 0 0 1279 1023\n"
                            "START\t2000 \tLEFT\tRIGHT\tSAMPLES\tEVENTS\n"
                            "MSG\t2001 TRIALID T7\n"
                            "MSG\t2002 -3 !V IAREA RECTANGLE 1 100 100 300 200 the word\n"
                            "SFIX L   2010\n"
                            "EFIX L   2010\t2250\t241\t  512.3\t  384.1\t   1234\n"
                            "EFIX R   2012\t2248\t237\t  515.0\t  380.0\t   1200\n"
                            "EFIX L   2300\t2500\t201\t  .\t  .\t   0\n"
                            "EFIX L   2550\t2800\t251\t  700.0\t  390.0\t   1100\n"
                            "END\t2900 \tSAMPLES\tEVENTS\tRES\t 38.54\t 31.12\n"
                            "START\t3000 \tRIGHT\tSAMPLES\tEVENTS\n"
                            "EFIX R   3010\t3200\t191\t  10.0\t  20.0\t   900\n"
                            "END\t3300\n";
    auto recording = parseEyeLinkAsc(asc, "test.asc");
    ASSERT_TRUE(recording) << recording.status().toString();
    ASSERT_EQ(recording->scanpaths.size(), 2u);
    const Scanpath& first = recording->scanpaths[0];
    EXPECT_EQ(first.trialId, "T7");
    EXPECT_DOUBLE_EQ(first.screenWidth, 1280.0);
    EXPECT_DOUBLE_EQ(first.screenHeight, 1024.0);
    ASSERT_EQ(first.fixations.size(), 2u); // the left eye; the missing-position fixation skipped
    EXPECT_DOUBLE_EQ(first.fixations[0].x, 512.3);
    EXPECT_DOUBLE_EQ(first.fixations[0].durationMs, 241.0);
    EXPECT_DOUBLE_EQ(first.fixations[1].startMs, 2550.0);
    EXPECT_EQ(first.fixations[0].eye, Eye::Left);
    ASSERT_EQ(recording->interestAreas[0].size(), 1u);
    EXPECT_EQ(recording->interestAreas[0][0].label, "the word");
    EXPECT_DOUBLE_EQ(recording->interestAreas[0][0].right, 300.0);
    EXPECT_EQ(recording->scanpaths[1].trialId, "2");
    // Through readGaze, EyeLink fixations carry the interest area that holds them: (512, 384) is outside
    // the area 100..300 × 100..200.
    const fs::path written = fs::temp_directory_path() / "attnscope_scanpath_areas.asc";
    std::ofstream(written)
        << "START 1\nMSG 2 !V IAREA RECTANGLE 7 100 100 300 200 word\nEFIX L 3 9 6 150 150 1\n"
           "EFIX L 10 20 10 512 384 1\nEND 30\n";
    auto gaze = readGaze(written.string());
    ASSERT_TRUE(gaze) << gaze.status().toString();
    EXPECT_EQ(gaze->scanpaths.at(0).fixations.at(0).aoi, 7);
    EXPECT_EQ(gaze->scanpaths.at(0).fixations.at(1).aoi, -1);
    EXPECT_EQ(gaze->scanpaths.at(0).subjectId, "attnscope_scanpath_areas"); // the recording's file name
    EXPECT_EQ(recording->scanpaths[1].fixations.size(), 1u);

    auto right = parseEyeLinkAsc(asc, "test.asc", Eye::Right);
    ASSERT_TRUE(right);
    ASSERT_EQ(right->scanpaths[0].fixations.size(), 1u);
    EXPECT_DOUBLE_EQ(right->scanpaths[0].fixations[0].x, 515.0);

    std::string broken = asc;
    broken.replace(broken.find("512.3"), 5, "5x2.3");
    auto refused = parseEyeLinkAsc(broken, "test.asc");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().file(), "test.asc");
    EXPECT_EQ(refused.status().field(), "line 7, EFIX x");
    EXPECT_FALSE(parseEyeLinkAsc("MSG 1 hello\n", "empty.asc"));
    // An interest area with four numbers (fuzz_gaze: read past the line's words).
    auto shortArea =
        parseEyeLinkAsc("START 1\nMSG 2 !V IAREA RECTANGLE 1 2 3 4\nEFIX L 3 4 1 5 6 7\nEND 9\n", "a.asc");
    ASSERT_FALSE(shortArea);
    EXPECT_EQ(shortArea.status().field(), "line 2, IAREA RECTANGLE");
}

TEST(ScanpathImport, StiAmazonVisualSearchSet) {
    const fs::path file = kEyetracking / "sti-amazon" / "Amazon.json";
    REQUIRE_SHARED(file);
    auto images = readStiAmazon(file.string());
    ASSERT_TRUE(images) << images.status().toString();
    ASSERT_EQ(images->size(), 100u);
    const StiImage& first = images->front(); // "1.jpg" sorts first
    EXPECT_EQ(first.image, "1.jpg");
    EXPECT_DOUBLE_EQ(first.width, 2559.0);
    EXPECT_DOUBLE_EQ(first.height, 1600.0);
    ASSERT_EQ(first.targets.size(), 1u);
    EXPECT_DOUBLE_EQ(first.targets[0].left, 2184.0);
    EXPECT_DOUBLE_EQ(first.targets[0].bottom, 262.0);
    ASSERT_EQ(first.scanpaths.size(), 6u);
    EXPECT_EQ(first.scanpaths[0].subjectId, "1");
    ASSERT_EQ(first.scanpaths[0].fixations.size(), 39u);
    EXPECT_DOUBLE_EQ(first.scanpaths[0].fixations[0].x, 1289.0);
    EXPECT_DOUBLE_EQ(first.scanpaths[0].fixations[0].y, 770.0);
    EXPECT_FALSE(first.scanpaths[0].hasDurations());

    // OAT's object-level behaviour on the 14 × 6 collage grid: an invariant of every scanpath.
    int scanpaths = 0;
    for (const StiImage& image : *images) {
        const AoiGrid grid{14, 6, image.width, image.height};
        for (const Scanpath& path : image.scanpaths) {
            const BehaviouralStats stats = behaviouralStats(gridSequence(path, grid), 0);
            if (path.fixations.empty())
                continue;
            EXPECT_NEAR(stats.search + stats.refix + stats.revisit, 1.0, 1e-12) << image.image;
            ++scanpaths;
        }
    }
    EXPECT_GT(scanpaths, 500);
}

TEST(ScanpathImport, StiAmazonRefusalsNameTheKey) {
    const auto field = [](const std::string& text) {
        auto images = parseStiAmazon(text, "a.json");
        EXPECT_FALSE(images) << text;
        EXPECT_EQ(images.status().file(), "a.json");
        return images ? std::string() : images.status().field();
    };
    EXPECT_EQ(field("[1, 2]"), "");
    EXPECT_EQ(field("{\"x.jpg\": {\"fixations\": {}}}"), "x.jpg.size");
    EXPECT_EQ(field("{\"x.jpg\": {\"size\": {\"width\": 10, \"height\": -1}, \"fixations\": {}}}"),
              "x.jpg.size.height");
    EXPECT_EQ(
        field(
            "{\"x.jpg\": {\"size\": {\"width\": 10, \"height\": 10}, \"fixations\": {\"1\": [[1, \"a\"]]}}}"),
        "x.jpg.fixations.1[0][1]");
    EXPECT_EQ(field("{\"x.jpg\": {\"size\": {\"width\": 10, \"height\": 10}, \"fixations\": {},"
                    " \"ground_truth\": [{\"xmin\": 5, \"xmax\": 1, \"ymin\": 0, \"ymax\": 1}]}}"),
              "x.jpg.ground_truth[0]");
}

TEST(ScanpathImport, ReviewedEdgeCases) {
    // Saccades too long for a double are refused by name, never aligned (the alignment once stepped off
    // the matrix on infinite costs).
    const auto table = [](const std::string& text) {
        auto parsed = parseFixationTable(text, pygazeTableFormat(), "t.csv");
        EXPECT_TRUE(parsed) << parsed.status().toString();
        return parsed ? parsed->scanpaths.at(0) : Scanpath{};
    };
    const Scanpath line = table("X,Y\n0,0\n1,0\n2,0\n");
    const Scanpath far = table("X,Y\n0,0\n1e308,0\n-1e308,0\n0,0\n0,0\n");
    auto refused = multiMatch(line, far, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "second scanpath");

    // A header whose words merely contain X and Y (Tobii's "Fixation point X") is no PyGaze table: the
    // refusal asks for the columns instead of naming a column the user never gave.
    auto tobii =
        detectTableFormat("Participant name,Fixation point X,Fixation point Y\np,1,2\n", "tobii.csv");
    ASSERT_FALSE(tobii);
    EXPECT_EQ(tobii.status().field(), "header");
    EXPECT_EQ(tableHeaderColumns("\xEF\xBB\xBF\"a,b\",c\n1,2\n"), (std::vector<std::string>{"a,b", "c"}));
    // A byte-order mark before the header (spreadsheets write one) is not part of the first column.
    auto bom = parseFixationTable("\xEF\xBB\xBFX,Y\n1,2\n", pygazeTableFormat(), "bom.csv");
    ASSERT_TRUE(bom) << bom.status().toString();
    EXPECT_EQ(bom->scanpaths.at(0).fixations.size(), 1u);

    // Negative durations are malformed, in tables and in ASC files.
    auto negative = parseFixationTable("X,Y,Duration\n1,2,-5\n", pygazeTableFormat(), "neg.csv");
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.status().field(), "line 2, column Duration");
    auto negativeAsc = parseEyeLinkAsc("START 1\nEFIX L 10 20 -3 5 6 7\nEND 30\n", "neg.asc");
    ASSERT_FALSE(negativeAsc);
    EXPECT_EQ(negativeAsc.status().field(), "line 2, EFIX duration");
}
