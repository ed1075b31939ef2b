// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli scanpath compare|stats` on the shared recordings and on written tables.
#include "cli_fixtures.h"

#include "attnscope/io/npy.h"
#include "attnscope/scanpath/attention_flow.h"
#include "attnscope/scanpath/reading.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

using namespace attnscope::test;
namespace fs = std::filesystem;

namespace {

const fs::path kEyetracking = fs::path(ATTNSCOPE_SHARED_DATA_DIR) / "eyetracking";

nlohmann::json jsonOf(const std::string& command) {
    const ProcessResult run = runProcess(command);
    EXPECT_EQ(run.exitCode, 0) << command << "\n" << run.output;
    return nlohmann::json::parse(run.output, nullptr, false);
}

} // namespace

TEST(CliScanpath, CompareReproducesTheMatlabMultiMatchWithSimplification) {
    const fs::path dir = kEyetracking / "multimatch";
    if (!fs::exists(dir))
        GTEST_SKIP() << "shared data not found at " << dir;
    const std::string compare = kCli + " scanpath compare " + (dir / "segment_10_sub-19.tsv").string() + " " +
                                (dir / "segment_10_sub-01.tsv").string() + " --screen 1280x720";
    const nlohmann::json grouped = jsonOf(compare + " --tdir 45 --tdur 0.3 --tamp 146.8 --json");
    ASSERT_TRUE(grouped.is_object());
    const auto& mm = grouped["metrics"]["multimatch"];
    EXPECT_NEAR(mm["vector"].get<double>(), 0.95076, 1e-5);
    EXPECT_NEAR(mm["direction"].get<double>(), 0.95638, 1e-5);
    EXPECT_NEAR(mm["length"].get<double>(), 0.94082, 1e-5);
    EXPECT_NEAR(mm["position"].get<double>(), 0.94491, 1e-5);
    EXPECT_NEAR(mm["duration"].get<double>(), 0.78261, 1e-5);
    EXPECT_EQ(grouped["parameters"]["multimatch"]["simplify"], true);
    EXPECT_EQ(grouped["a"]["fixations"], 28);
    EXPECT_EQ(grouped["b"]["fixations"], 36);

    // Only --tdir: multimatch_gaze's rule leaves simplification off, so the plain values come back.
    const nlohmann::json plain = jsonOf(compare + " --tdir 45 --json");
    EXPECT_EQ(plain["parameters"]["multimatch"]["simplify"], false);
    EXPECT_NEAR(plain["metrics"]["multimatch"]["direction"].get<double>(), 0.69902, 1e-5);
    // A scanpath against itself: every similarity 1, every distance 0.
    const nlohmann::json self =
        jsonOf(kCli + " scanpath compare " + (dir / "segment_10_sub-19.tsv").string() + " " +
               (dir / "segment_10_sub-19.tsv").string() + " --screen 1280x720 --json");
    EXPECT_DOUBLE_EQ(self["metrics"]["scanmatch"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(self["metrics"]["sequence_score"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(self["metrics"]["dtw"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(self["metrics"]["multimatch"]["position"].get<double>(), 1.0);
    EXPECT_NEAR(self["metrics"]["maps"]["cc"].get<double>(), 1.0, 1e-12);
    EXPECT_NEAR(self["metrics"]["maps"]["sim"].get<double>(), 1.0, 1e-9);
    EXPECT_NEAR(self["metrics"]["maps"]["kl"].get<double>(), 0.0, 1e-9);
    // A wider kernel makes two viewers' maps overlap more.
    const double narrow = grouped["metrics"]["maps"]["cc"].get<double>();
    const nlohmann::json wide = jsonOf(compare + " --map-sigma 120 --json");
    EXPECT_EQ(wide["parameters"]["maps"]["sigma_px"], 120.0);
    EXPECT_GT(wide["metrics"]["maps"]["cc"].get<double>(), narrow);
}

TEST(CliScanpath, StatsAggregatesOatBehaviourPerStimulusOnTheStiSet) {
    const fs::path file = kEyetracking / "sti-amazon" / "Amazon.json";
    if (!fs::exists(file))
        GTEST_SKIP() << "shared data not found at " << file;
    const nlohmann::json stats =
        jsonOf(kCli + " scanpath stats " + file.string() + " --grid 14x6 --agreement --json");
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats["format"], "sti-amazon");
    EXPECT_EQ(stats["behaviour_stimuli"], 100);
    // OAT's aggregation recomputed from the per-scanpath entries: mean per stimulus, then over stimuli.
    std::map<std::string, std::pair<double, int>> correctByStimulus;
    for (const auto& entry : stats["scanpaths"]) {
        const auto& b = entry["behaviour"];
        EXPECT_NEAR(b["search"].get<double>() + b["refix"].get<double>() + b["revisit"].get<double>(), 1.0,
                    1e-9);
        auto& [total, count] = correctByStimulus[entry["stimulus"].get<std::string>()];
        total += b["correct"].get<double>();
        ++count;
    }
    ASSERT_EQ(correctByStimulus.size(), 100u);
    double mean = 0.0;
    for (const auto& [stimulus, sum] : correctByStimulus)
        mean += sum.first / sum.second / 100.0;
    EXPECT_NEAR(stats["behaviour"]["correct"].get<double>(), mean, 1e-12);
    EXPECT_EQ(stats["agreement"]["stimuli"], 100);
    const double agreement = stats["agreement"]["mean_pairwise"]["sequence_score"].get<double>();
    EXPECT_GT(agreement, 0.0);
    EXPECT_LT(agreement, 1.0);
}

TEST(CliScanpath, CustomColumnsAndRefusals) {
    const fs::path dir = fs::temp_directory_path() / "attnscope_cli_scanpath";
    fs::create_directories(dir);
    const std::string table = (dir / "gaze.csv").string();
    std::ofstream(table) << "who,px,py,ms\nann,10,10,200\nann,500,20,250\nann,510,400,180\nbob,12,14,220\n"
                            "bob,480,30,240\nbob,505,390,200\n";
    const std::string custom = " --x-column px --y-column py --duration-column ms --participant-column who";
    const nlohmann::json stats =
        jsonOf(kCli + " scanpath stats " + table + custom + " --screen 640x480 --agreement --json");
    ASSERT_EQ(stats["scanpaths"].size(), 2u);
    EXPECT_EQ(stats["scanpaths"][1]["subject"], "bob");
    EXPECT_DOUBLE_EQ(stats["scanpaths"][0]["mean_duration_ms"].get<double>(), 210.0);
    const nlohmann::json compared = jsonOf(kCli + " scanpath compare " + table + " " + table +
                                           " --b-index 1 --screen 640x480 --json" + custom);
    EXPECT_EQ(compared["b"]["subject"], "bob");
    EXPECT_GT(compared["metrics"]["multimatch"]["position"].get<double>(), 0.9);

    const std::string compare = kCli + " scanpath compare " + table + " " + table;
    expectRefusals(compare, {
                                {"", "no known fixation columns"},
                                {custom, "--screen"},
                                {custom + " --screen 640x480 --b-index 2", "index 2 is out of range"},
                                {custom + " --screen 640", "WIDTHxHEIGHT"},
                                {custom + " --screen 640x480 --grid 2.5x3", "--grid"},
                                {" --x-column px --screen 640x480", "--y-column"},
                                {custom + " --format asc --screen 640x480", "--format"},
                                {custom + " --screen 640x480 --alphabet aoi", "alphabet"},
                            });
}

TEST(CliScanpath, StatsCountsAoiTransitions) {
    const fs::path dir = fs::temp_directory_path() / "attnscope_cli_scanpath_transitions";
    fs::create_directories(dir);
    const std::string table = (dir / "report.csv").string();
    // Data Viewer layout: s01 moves 3 → 3 (a refixation) → 5 → none → 5; s02 moves 5 → 3.
    std::ofstream(table)
        << "RECORDING_SESSION_LABEL,TRIAL_INDEX,CURRENT_FIX_X,CURRENT_FIX_Y,CURRENT_FIX_DURATION,"
           "CURRENT_FIX_INTEREST_AREA_ID\n"
           "s01,1,10,10,200,3\ns01,1,12,11,150,3\ns01,1,300,40,220,5\ns01,1,500,400,180,.\n"
           "s01,1,310,42,240,5\ns02,1,300,40,200,5\ns02,1,11,12,260,3\n";
    const nlohmann::json stats = jsonOf(kCli + " scanpath stats " + table + " --transitions aoi --json");
    const auto& t = stats["transitions"];
    ASSERT_EQ(t["symbols"], nlohmann::json::parse("[-1, 3, 5]"));
    EXPECT_EQ(t["counts"], nlohmann::json::parse("[[0, 0, 1], [0, 0, 1], [1, 1, 0]]"));
    EXPECT_EQ(t["probabilities"][2], nlohmann::json::parse("[0.5, 0.5, 0]"));
    // The chain: none → 5, 3 → 5, 5 → none or 3 by halves. π = (¼, ¼, ½); H_s = 1.5 bits; only 5's row is
    // uncertain (1 bit), so H_t = ½ bit.
    const auto& entropy = t["entropy"];
    EXPECT_NEAR(entropy["stationary"][0].get<double>(), 0.25, 1e-12);
    EXPECT_NEAR(entropy["stationary"][2].get<double>(), 0.5, 1e-12);
    EXPECT_NEAR(entropy["stationary_entropy"].get<double>(), 1.5, 1e-12);
    EXPECT_NEAR(entropy["transition_entropy"].get<double>(), 0.5, 1e-12);
    EXPECT_NEAR(entropy["transition_normalized"].get<double>(), 0.5 / std::log2(3.0), 1e-12);
    const nlohmann::json repeats =
        jsonOf(kCli + " scanpath stats " + table + " --transitions aoi --transition-repeats --json");
    EXPECT_EQ(repeats["transitions"]["counts"][1][1], 1.0);
    const ProcessResult grid = runProcess(kCli + " scanpath stats " + table + " --transitions grid", true);
    EXPECT_NE(grid.exitCode, 0);
    EXPECT_NE(grid.output.find("--screen"), std::string::npos) << grid.output;
}

TEST(CliScanpath, PredictReadsReceivedAttentionAsTheDenseMapsSayAndCorrelatesWithHumanTimes) {
    const std::string model = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    const fs::path dir = fs::temp_directory_path() / "attnscope_cli_scanpath_predict";
    fs::create_directories(dir);
    const std::string text = "Never trust a man who has not read the secret number of Oscar twice.";
    const std::string predict = kCli + " scanpath predict " + model + " --text \"" + text + "\"";
    const nlohmann::json received = jsonOf(predict + " --skip-quantile 0 --json");
    ASSERT_TRUE(received.is_object());
    const auto& words = received["words"];
    const auto& tokens = received["tokens"];
    ASSERT_EQ(words.size(), 14u);
    EXPECT_EQ(received["parameters"]["layer"], 3);
    EXPECT_EQ(received["predicted_scanpath"].size(), 14u); // nothing skipped at quantile 0

    // The same relevance from the dense maps of layer 3: head-mean column sums over the rows after BOS.
    std::string maps;
    for (int h = 0; h < 4; ++h)
        maps +=
            " --attention 3:" + std::to_string(h) + ":" + (dir / ("h" + std::to_string(h) + ".npy")).string();
    const ProcessResult run = runProcess(kCli + " run " + model + " --text \"" + text + "\"" + maps);
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const std::size_t n = tokens.size();
    std::vector<double> wordSums(words.size(), 0.0);
    for (int h = 0; h < 4; ++h) {
        auto map = attnscope::io::readNpyFloat32((dir / ("h" + std::to_string(h) + ".npy")).string());
        ASSERT_TRUE(map) << map.status().toString();
        ASSERT_EQ(map->values.size(), n * n);
        for (std::size_t i = 1; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                const int word = tokens[j]["word"].get<int>();
                if (word >= 0)
                    wordSums[static_cast<std::size_t>(word)] += map->values[i * n + j] / 4.0;
            }
    }
    for (std::size_t w = 0; w < words.size(); ++w)
        EXPECT_NEAR(words[w]["relevance"].get<double>(), wordSums[w], 1e-4) << words[w]["word"];

    // Human times: the relevance itself reversed in rank gives ρ = −1 over the inner words.
    const std::string human = (dir / "human.tsv").string();
    {
        std::ofstream table(human);
        table << "WORD\tTRT\n";
        for (std::size_t w = 0; w < words.size(); ++w)
            table << words[w]["word"].get<std::string>() << "\t"
                  << 1000.0 - 10.0 * words[w]["relevance"].get<double>() << "\n";
    }
    const std::string scanpathOut = (dir / "predicted.tsv").string();
    const nlohmann::json correlated =
        jsonOf(predict + " --human " + human + " --human-word-column WORD --scanpath-out " + scanpathOut +
               " --json");
    EXPECT_EQ(correlated["human"]["words"], 12);
    EXPECT_NEAR(correlated["human"]["spearman"].get<double>(), -1.0, 1e-12);
    EXPECT_LT(correlated["human"]["spearman_p"].get<double>(), 1e-6);
    // The 0.2 quantile of 14 relevances skips three words; the table lists the rest in reading order.
    EXPECT_EQ(correlated["predicted_scanpath"].size(), 11u);
    std::ifstream written(scanpathOut);
    std::string line;
    int lines = 0;
    while (std::getline(written, line))
        ++lines;
    EXPECT_EQ(lines, 12); // header + 11 fixations

    std::ofstream(dir / "short.tsv") << "TRT\n1\n2\n";
    expectRefusals(predict, {
                                {" --human " + (dir / "short.tsv").string(), "has 2 words; the text has 14"},
                                {" --human " + human + " --human-column FFD", "no column 'FFD'"},
                                {" --min-duration 600", "--min-duration"},
                                {" --layer 4", "layer 4 is out of range"},
                            });
    const ProcessResult tokensOnly =
        runProcess(kCli + " scanpath predict " + model + " --tokens 1,2,3", true);
    EXPECT_NE(tokensOnly.exitCode, 0);
    EXPECT_NE(tokensOnly.output.find("needs text"), std::string::npos) << tokensOnly.output;
}

TEST(CliScanpath, PredictByFlowIsAttentionFlowOverTheDenseMapsOfEveryLayer) {
    const std::string model = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    const fs::path dir = fs::temp_directory_path() / "attnscope_cli_scanpath_flow";
    fs::create_directories(dir);
    const std::string text = "A fool and his money are soon parted, said the secret number of Ada.";
    const std::string predict =
        kCli + " scanpath predict " + model + " --text \"" + text + "\" --method flow";
    const nlohmann::json flowed = jsonOf(predict + " --layer 2 --merge max --json");
    ASSERT_TRUE(flowed.is_object());
    EXPECT_EQ(flowed["parameters"]["method"], "flow");
    EXPECT_EQ(flowed["parameters"]["layer"], 2);
    const auto& words = flowed["words"];
    const auto& tokens = flowed["tokens"];
    const std::size_t n = tokens.size();

    // Layers 0-2's head-mean maps from `run --attention`, through the library's flow, summed over the
    // rows of word tokens (BOS's row left out) and merged by max.
    std::string maps;
    for (int l = 0; l <= 2; ++l)
        for (int h = 0; h < 4; ++h)
            maps += " --attention " + std::to_string(l) + ":" + std::to_string(h) + ":" +
                    (dir / ("l" + std::to_string(l) + "h" + std::to_string(h) + ".npy")).string();
    const ProcessResult run = runProcess(kCli + " run " + model + " --text \"" + text + "\"" + maps);
    ASSERT_EQ(run.exitCode, 0) << run.output;
    std::vector<std::vector<double>> layers(3, std::vector<double>(n * n, 0.0));
    for (int l = 0; l <= 2; ++l)
        for (int h = 0; h < 4; ++h) {
            auto map = attnscope::io::readNpyFloat32(
                (dir / ("l" + std::to_string(l) + "h" + std::to_string(h) + ".npy")).string());
            ASSERT_TRUE(map) << map.status().toString();
            ASSERT_EQ(map->values.size(), n * n);
            for (std::size_t k = 0; k < n * n; ++k)
                layers[static_cast<std::size_t>(l)][k] += map->values[k] / 4.0;
        }
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i)
        if (tokens[i]["word"].get<int>() >= 0)
            rows.push_back(i);
    ASSERT_EQ(rows.size(), n - 1); // every token but BOS lies in a word
    const auto flow = attnscope::scanpath::attentionFlow(layers, n, rows);
    ASSERT_TRUE(flow.hasValue()) << flow.status().toString();
    std::vector<double> wordMax(words.size(), 0.0);
    for (std::size_t j = 0; j < n; ++j) {
        double relevance = 0.0;
        for (const std::size_t i : rows)
            relevance += (*flow)[i * n + j];
        EXPECT_NEAR(tokens[j]["relevance"].get<double>(), relevance, 1e-4) << j;
        const int word = tokens[j]["word"].get<int>();
        if (word >= 0)
            wordMax[static_cast<std::size_t>(word)] =
                std::max(wordMax[static_cast<std::size_t>(word)], relevance);
    }
    for (std::size_t w = 0; w < words.size(); ++w)
        EXPECT_NEAR(words[w]["relevance"].get<double>(), wordMax[w], 1e-4) << words[w]["word"];

    // Flow and rollout are different readings of the same maps.
    const nlohmann::json rolled = jsonOf(kCli + " scanpath predict " + model + " --text \"" + text +
                                         "\" --method rollout --layer 2 --merge max --json");
    double difference = 0.0;
    for (std::size_t w = 0; w < words.size(); ++w)
        difference +=
            std::abs(rolled["words"][w]["relevance"].get<double>() - words[w]["relevance"].get<double>());
    EXPECT_GT(difference, 0.1);

    const ProcessResult tooLong = runProcess(kCli + " scanpath predict " + model + " --text-file " +
                                                 std::string(ATTNSCOPE_RESOURCES_DIR) +
                                                 "/samples/long.txt --max-tokens 300 --method flow",
                                             true);
    EXPECT_NE(tooLong.exitCode, 0);
    EXPECT_NE(tooLong.output.find("300 tokens is past its limit of 256"), std::string::npos)
        << tooLong.output;
}

TEST(CliScanpath, CorrelateReadsAProvoReportAndComparesEachTextAsPredictWould) {
    const std::string model = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    const std::string seeds = std::string(ATTNSCOPE_FUZZ_CORPUS_DIR) + "/reading_corpus/";
    const fs::path dir = fs::temp_directory_path() / "attnscope_cli_scanpath_correlate";
    fs::create_directories(dir);
    const std::string correlate = kCli + " scanpath correlate " + model + " --corpus " + seeds + "provo.csv";
    const std::string wordsOut = (dir / "words.tsv").string();
    const nlohmann::json result = jsonOf(correlate + " --words --words-out " + wordsOut + " --json");
    ASSERT_TRUE(result.is_object());
    EXPECT_EQ(result["corpus"]["format"], "provo");
    EXPECT_EQ(result["corpus"]["encoding"], "cp1252");
    EXPECT_EQ(result["corpus"]["participants"], 2);
    ASSERT_EQ(result["units"].size(), 2u);
    const auto& text = result["units"][0];
    EXPECT_EQ(text["id"], "1");
    EXPECT_TRUE(text["skipped"].is_null());
    EXPECT_EQ(text["compared"], 4); // six words, the first and last excluded
    // The second text has two words: nothing left to compare once its edges are excluded.
    EXPECT_FALSE(result["units"][1]["skipped"].is_null());
    EXPECT_EQ(result["summary"]["units_compared"], 1);

    // The model's values are `scanpath predict`'s on the words joined by spaces; the human values are the
    // participants' mean TRT (a word not read counts 0).
    const nlohmann::json predicted = jsonOf(kCli + " scanpath predict " + model +
                                            " --text \"There are now rumblings. Don\u2019t panic.\" --json");
    const auto& words = text["word_values"];
    ASSERT_EQ(words.size(), 6u);
    const std::vector<double> trt{150, 25, 75, 300, 250, 450};
    std::vector<double> modelValues, humanValues;
    for (std::size_t w = 0; w < 6; ++w) {
        EXPECT_NEAR(words[w]["model"].get<double>(), predicted["words"][w]["relevance"].get<double>(), 1e-9)
            << w;
        EXPECT_DOUBLE_EQ(words[w]["human"].get<double>(), trt[w]) << w;
        if (w > 0 && w < 5) {
            modelValues.push_back(words[w]["model"].get<double>());
            humanValues.push_back(trt[w]);
        }
    }
    EXPECT_EQ(words[4]["word"], "Don\u2019t");
    EXPECT_NEAR(text["spearman"].get<double>(), attnscope::scanpath::spearman(modelValues, humanValues),
                1e-12);
    EXPECT_NEAR(result["summary"]["spearman_mean"].get<double>(), text["spearman"].get<double>(), 1e-12);
    std::ifstream written(wordsOut);
    std::string line;
    int lines = 0;
    while (std::getline(written, line))
        ++lines;
    EXPECT_EQ(lines, 1 + 8); // header, six words and two words

    // Sentences: Provo's Sentence_Number splits the first text in two; "world" has none and is skipped.
    const nlohmann::json sentences = jsonOf(correlate + " --unit sentence --keep-edges --json");
    ASSERT_EQ(sentences["units"].size(), 3u);
    EXPECT_EQ(sentences["units"][0]["id"], "1/s1");
    EXPECT_EQ(sentences["units"][0]["compared"], 4);
    EXPECT_EQ(sentences["corpus"]["skipped_rows"], 1);

    // Mapped columns read MECO's layout as the preset does.
    const std::string meco =
        kCli + " scanpath correlate " + model + " --corpus " + seeds + "meco.csv --keep-edges";
    const nlohmann::json preset = jsonOf(meco + " --where lang=en --words --min-words 3 --json");
    const nlohmann::json custom = jsonOf(
        meco +
        " --format custom --participant-column uniform_id --text-columns lang,trialid "
        "--word-index-column ianum --word-column ia --measure-column TRT=dur --where lang=en --words --json");
    EXPECT_EQ(preset["corpus"]["filtered_rows"], 1);
    EXPECT_EQ(custom["units"][0]["word_values"], preset["units"][0]["word_values"]);

    expectRefusals(correlate, {
                                  {" --format geco", "lacks the geco columns PP_NR"},
                                  {" --measure XYZ", "no measure 'XYZ'"},
                                  {" --encoding utf8", "invalid UTF-8"},
                                  {" --where lang", "expected COLUMN=VALUE"},
                                  {" --format custom", "--format custom needs"},
                                  {" --measure-column TRT", "expected NAME=COLUMN"},
                                  {" --layer 9", "layer 9 is out of range"},
                              });
}

TEST(CliScanpath, StatsReadsCocoSearchAsASearchSet) {
    // The target box's grid cell is the target (14 × 6 cells over COCO-Search18's 1680 × 1050 display):
    // trial 0 reaches it at its third fixation, trial 1 at its second; the target-absent trial has none.
    const nlohmann::json stats = jsonOf(kCli + " scanpath stats " + std::string(ATTNSCOPE_FUZZ_CORPUS_DIR) +
                                        "/gaze/coco_search18.json --grid 14x6 --json");
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats["format"], "coco-search18");
    ASSERT_EQ(stats["scanpaths"].size(), 3u);
    EXPECT_EQ(stats["scanpaths"][0]["behaviour"]["length"], 3);
    EXPECT_EQ(stats["scanpaths"][1]["behaviour"]["length"], 2);
    EXPECT_FALSE(stats["scanpaths"][2].contains("behaviour"));
    EXPECT_DOUBLE_EQ(stats["behaviour"]["correct"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(stats["behaviour"]["length"].get<double>(), 2.5);
}
