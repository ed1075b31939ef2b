// SPDX-License-Identifier: Apache-2.0
// attnscope-cli analyze and evaluate: the analyses against the reference attention, settings files, and
// measurements under interventions (masking, ACT calibration, EchoAtt sharing).
#include "cli_fixtures.h"
#include "process.h"

#include "../support/tiny_models.h"
#include "attnscope/io/npy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

using attnscope::test::kCli;
using attnscope::test::runProcess;
using attnscope::test::writeTinyGguf;
using attnscope::test::writeTinyLlama2c;

TEST(Cli, AnalyzeSinksMatchesTheReferenceAttention) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_analyze";
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({});
    const std::string gguf = writeTinyGguf(dir, tiny);
    const std::vector<int32_t> tokens = {3, 1, 4, 1, 5, 9, 2, 6};
    auto result = runProcess(kCli + " analyze " + gguf +
                             " --tokens 3,1,4,1,5,9,2,6 --analyses sinks --sink-tokens 1 --window 2 --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    const auto& heads = document["sinks"]["heads"];
    ASSERT_EQ(heads.size(), 2u * 4u); // layers x heads
    EXPECT_EQ(document["sinks"]["parameters"]["sink_tokens"], 1);
    const auto reference = attnscope::test::referenceForward(tiny, tokens);
    for (const auto& head : heads) {
        const auto& p = reference.attention.at({head["layer"].get<int>(), head["head"].get<int>()});
        double token0 = 0, window = 0;
        for (int i = 0; i < 8; ++i) {
            token0 += p[static_cast<std::size_t>(i) * 8];
            for (int j = std::max(0, i - 1); j <= i; ++j)
                window += p[static_cast<std::size_t>(i) * 8 + j];
        }
        EXPECT_NEAR(head["token0_mass"].get<double>(), token0 / 8, 1e-4);
        EXPECT_NEAR(head["sink_mass"].get<double>(), token0 / 8, 1e-4);
        EXPECT_NEAR(head["window_mass"].get<double>(), window / 8, 1e-4);
    }
    // RazorAttention on its own probe (BOS + 5 random ids x 3): one score per (layer, KV head), in [0, 1].
    auto razor = runProcess(kCli + " analyze " + gguf +
                            " --tokens 1,2 --analyses razor --razor-span 5 --razor-repeats 3 --json");
    ASSERT_EQ(razor.exitCode, 0) << razor.output;
    const auto razorDocument = nlohmann::json::parse(razor.output, nullptr, false);
    ASSERT_FALSE(razorDocument.is_discarded()) << razor.output;
    const auto& kvHeads = razorDocument["retrieval"]["razor"]["kv_heads"];
    ASSERT_EQ(kvHeads.size(), 2u * 2u); // layers x KV heads
    for (const auto& head : kvHeads) {
        EXPECT_GE(head["induction"].get<double>(), 0.0);
        EXPECT_LE(head["induction"].get<double>(), 1.0);
    }
    EXPECT_EQ(razorDocument["retrieval"]["razor"]["query_heads"].size(), 2u * 4u);
    auto tooLong =
        runProcess(kCli + " analyze " + gguf + " --tokens 1,2 --analyses razor --razor-span 100 --json");
    EXPECT_EQ(tooLong.exitCode, 1);
    EXPECT_NE(tooLong.output.find("--razor-span"), std::string::npos) << tooLong.output;
    auto bad = runProcess(kCli + " analyze " + gguf + " --tokens 1,2 --analyses frobnicate --json");
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_NE(bad.output.find("--analyses"), std::string::npos) << bad.output;
    auto noTokenizer = runProcess(kCli + " analyze " + gguf + " --tokens 1,2 --analyses retrieval --json");
    EXPECT_EQ(noTokenizer.exitCode, 1);
    EXPECT_NE(noTokenizer.output.find("--tokenizer"), std::string::npos) << noTokenizer.output;
    std::filesystem::remove_all(dir);
}

TEST(Cli, AnalyzeSimilaritySparsityTaxonomyFromTheReferenceAttention) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_analyze_suite";
    attnscope::test::TinyConfig config;
    config.context = 64;
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel(config);
    const std::string gguf = writeTinyGguf(dir, tiny);
    std::vector<int32_t> tokens;
    std::string list;
    for (int i = 0; i < 40; ++i) {
        tokens.push_back((i * 7 + 3) % 11);
        list += (i ? "," : "") + std::to_string(tokens.back());
    }
    auto result = runProcess(kCli + " analyze " + gguf + " --tokens " + list +
                             " --analyses similarity,sparsity,taxonomy --decode-rows 8 --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    const auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    for (const char* key : {"similarity", "sparsity", "taxonomy", "sinks"}) {
        ASSERT_TRUE(document.contains(key)) << key;
        EXPECT_TRUE(document[key].contains("parameters")) << key;
        EXPECT_EQ(document[key]["heads"].size(), 2u * 4u) << key;
    }
    // Layer similarity of head-averaged maps, recomputed from the reference forward pass.
    const auto reference = attnscope::test::referenceForward(tiny, tokens);
    std::vector<double> averaged[2];
    for (int l = 0; l < 2; ++l) {
        averaged[l].assign(40 * 40, 0.0);
        for (int h = 0; h < 4; ++h)
            for (std::size_t x = 0; x < averaged[l].size(); ++x)
                averaged[l][x] += reference.attention.at({l, h})[x] / 4;
    }
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t x = 0; x < averaged[0].size(); ++x) {
        ab += averaged[0][x] * averaged[1][x];
        aa += averaged[0][x] * averaged[0][x];
        bb += averaged[1][x] * averaged[1][x];
    }
    EXPECT_NEAR(document["similarity"]["layer_head_averaged"][0][1].get<double>(), ab / std::sqrt(aa * bb),
                1e-4);
    EXPECT_NEAR(document["similarity"]["layer_head_averaged"][1][1].get<double>(), 1.0, 1e-9);
    for (const auto& head : document["sparsity"]["heads"]) {
        const double recall = head["flexprefill"]["recall"].get<double>();
        EXPECT_GE(recall, 0.0);
        EXPECT_LE(recall, 1.0 + 1e-6);
        EXPECT_TRUE(head["flexprefill"]["dense"].get<bool>()) << "40 tokens are below max(2B, min_budget)";
        EXPECT_FALSE(head["pattern"]["class"].get<std::string>().empty());
    }
    for (const auto& head : document["taxonomy"]["heads"]) {
        EXPECT_FALSE(head["primary"].get<std::string>().empty());
        EXPECT_TRUE(head["scores"]["retrieval"].is_null()) << "the retrieval score did not run";
        EXPECT_TRUE(head["scores"]["pattern"].is_string());
    }
    std::filesystem::remove_all(dir);
}

TEST(Cli, AnalyzeReadsASettingsFileAndTheCommandLineWins) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_settings";
    std::filesystem::remove_all(dir);
    attnscope::test::TinyConfig config;
    config.context = 64;
    const std::string gguf = writeTinyGguf(dir, attnscope::test::makeTinyModel(config));
    const std::string project = (dir / "p.attnscope").string();
    const std::string settings = (dir / "settings.json").string();
    std::ofstream(settings) << R"({"flex_gamma": 0.75, "window": 16, "act_first_sink": "keep-all",
                                   "analyses": "sinks", "decode_rows": 4})";
    const std::string input = " --tokens 3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3 --settings " + settings;
    auto first = runProcess(kCli + " analyze " + gguf + input +
                                " --window 8 --analyses sinks,sparsity --project " + project + " --json",
                            true);
    ASSERT_EQ(first.exitCode, 0) << first.output;
    const auto document = nlohmann::json::parse(first.output);
    EXPECT_EQ(document["sinks"]["parameters"]["window"], 8);                  // given on the command line
    EXPECT_EQ(document["sinks"]["parameters"]["act_first_sink"], "keep-all"); // from the file
    ASSERT_TRUE(document.contains("sparsity")) << "--analyses wins over the file's";
    EXPECT_DOUBLE_EQ(document["sparsity"]["parameters"]["flex_gamma"].get<double>(), 0.75);
    EXPECT_EQ(document["sparsity"]["parameters"]["decode_rows"], 4);

    // The file alone; the stored runs record their parameters, and compare names the ones that differ.
    auto second = runProcess(kCli + " analyze " + gguf + input + " --project " + project + " --json", true);
    ASSERT_EQ(second.exitCode, 0) << second.output;
    EXPECT_FALSE(nlohmann::json::parse(second.output).contains("sparsity"));
    auto compare = runProcess(kCli + " compare " + project + " 1 2 --json");
    ASSERT_EQ(compare.exitCode, 0) << compare.output;
    const auto differ = nlohmann::json::parse(compare.output)["settings_differ"];
    EXPECT_EQ(differ["parameters.window"]["a"], 8) << differ.dump();
    EXPECT_EQ(differ["parameters.window"]["b"], 16) << differ.dump();
    EXPECT_EQ(differ["analyses"]["a"], "sinks,sparsity") << differ.dump();
    EXPECT_FALSE(differ.contains("parameters.flex_gamma")) << differ.dump();
    EXPECT_FALSE(differ.contains("parameters")) << differ.dump();
    // A stored run's parameters are a settings file: export run 1, feed its parameters back, same numbers.
    const auto exported = dir / "run1.json";
    ASSERT_EQ(
        runProcess(kCli + " export " + project + " 1 --format json --out " + exported.string()).exitCode, 0);
    std::ifstream exportedFile(exported);
    const auto run1 = nlohmann::json::parse(exportedFile);
    std::ofstream(dir / "again.json") << run1["settings"]["parameters"].dump();
    auto again =
        runProcess(kCli + " analyze " + gguf + " --tokens 3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3 --settings " +
                       (dir / "again.json").string() + " --json",
                   true);
    ASSERT_EQ(again.exitCode, 0) << again.output;
    const auto repeated = nlohmann::json::parse(again.output);
    EXPECT_EQ(repeated["sinks"], document["sinks"]);
    EXPECT_EQ(repeated["sparsity"], document["sparsity"]);

    // --act-threshold given means the absolute threshold, even over a file's α/N.
    std::ofstream(dir / "alpha.json") << R"({"act_alpha": 3})";
    auto absolute = runProcess(kCli + " analyze " + gguf + " --tokens 1,2,3 --analyses sinks --settings " +
                                   (dir / "alpha.json").string() + " --act-threshold 0.2 --json",
                               true);
    ASSERT_EQ(absolute.exitCode, 0) << absolute.output;
    const auto sinkParameters = nlohmann::json::parse(absolute.output)["sinks"]["parameters"];
    EXPECT_EQ(sinkParameters["act_threshold_mode"], "absolute") << sinkParameters.dump();
    EXPECT_DOUBLE_EQ(sinkParameters["act_threshold"].get<double>(), 0.2);

    // Bad files: a value out of range, a typo, not JSON, missing — each named, and nothing stored.
    struct Bad {
        std::string text, field, message;
    };
    for (const Bad& bad : std::vector<Bad>{{R"({"flex_gamma": 3})", "flex_gamma", "must be a number in"},
                                           {R"({"flex_gama": 0.9})", "flex_gama", "unknown analysis setting"},
                                           {"{\"window\": ", "--settings", "not valid JSON"}}) {
        std::ofstream(settings, std::ios::trunc) << bad.text;
        auto refused = runProcess(kCli + " analyze " + gguf + input + " --project " + project + " --json");
        EXPECT_EQ(refused.exitCode, 1) << bad.text;
        const auto error = nlohmann::json::parse(refused.output, nullptr, false);
        ASSERT_TRUE(error.is_object()) << refused.output;
        EXPECT_EQ(error["error"]["field"], bad.field) << refused.output;
        EXPECT_EQ(error["error"]["file"], settings) << refused.output;
        EXPECT_NE(error["error"]["message"].get<std::string>().find(bad.message), std::string::npos)
            << refused.output;
    }
    auto missing = runProcess(
        kCli + " analyze " + gguf + " --tokens 1,2 --settings " + (dir / "none.json").string(), true);
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.output.find("none.json"), std::string::npos) << missing.output;
    auto runs = runProcess(kCli + " runs " + project + " --json");
    EXPECT_EQ(nlohmann::json::parse(runs.output)["runs"].size(), 2u) << "refused runs store nothing";
    std::filesystem::remove_all(dir);
}

TEST(Cli, EvaluateUnderInterventionsAgainstTheBaseline) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_interventions";
    const std::string evaluate = attnscope::test::tinyCopyingEvaluation(dir);

    auto plain = runProcess(evaluate + " --json");
    ASSERT_EQ(plain.exitCode, 0) << plain.output;
    const auto baseline = nlohmann::json::parse(plain.output, nullptr, false);
    ASSERT_TRUE(baseline.is_object()) << plain.output;
    EXPECT_FALSE(baseline.contains("interventions"));

    auto run = runProcess(evaluate + " --calibrate-heads 1:* --share-layers 0-1 --compare-baseline --json");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto document = nlohmann::json::parse(run.output, nullptr, false);
    ASSERT_TRUE(document.is_object()) << run.output;
    const auto& interventions = document["interventions"];
    EXPECT_EQ(interventions["calibration"]["heads"], nlohmann::json::parse("[[1,0],[1,1],[1,2],[1,3]]"));
    EXPECT_EQ(interventions["calibration"]["beta"], 0.4);
    EXPECT_EQ(interventions["calibration"]["act_first_sink"], "drop-first");
    EXPECT_EQ(interventions["sharing"], nlohmann::json::parse(R"([{"source": 0, "target": 1}])"));
    // The baseline inside the document is the plain run; the change is the difference.
    EXPECT_EQ(document["baseline"]["copying"], baseline["copying"]);
    const double ratio = document["copying"]["first_to_second_ratio"].get<double>();
    const double plainRatio = baseline["copying"]["first_to_second_ratio"].get<double>();
    EXPECT_NEAR(document["delta"]["copying_first_to_second_ratio"].get<double>(), ratio - plainRatio, 1e-12);
    EXPECT_NE(document["copying"]["mean_loss_per_copy"], baseline["copying"]["mean_loss_per_copy"])
        << "sharing layer 0's attention and calibrating layer 1 must change the losses";

    // beta = 1 keeps every sink's attention: calibration alone then changes nothing.
    auto keepAll = runProcess(evaluate + " --calibrate-heads 0:*,1:* --act-beta 1 --compare-baseline --json");
    ASSERT_EQ(keepAll.exitCode, 0) << keepAll.output;
    const auto unchanged = nlohmann::json::parse(keepAll.output, nullptr, false);
    EXPECT_NEAR(unchanged["delta"]["copying_first_to_second_ratio"].get<double>(), 0.0, 1e-6)
        << keepAll.output;

    // Calibration alone changes the losses (the tiny model's rows spread their attention: hidden sinks).
    auto calibrated = runProcess(evaluate + " --calibrate-heads 0:*,1:* --act-threshold 0.05 --json");
    ASSERT_EQ(calibrated.exitCode, 0) << calibrated.output;
    EXPECT_NE(nlohmann::json::parse(calibrated.output)["copying"]["mean_loss_per_copy"],
              baseline["copying"]["mean_loss_per_copy"]);

    auto text = runProcess(evaluate + " --mask-heads 1:2 --calibrate-heads '1:0, 1:1' --compare-baseline");
    ASSERT_EQ(text.exitCode, 0) << text.output;
    EXPECT_NE(text.output.find("masked heads [[1,2]]"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("calibrated heads [[1,0],[1,1]] (ACT: beta 0.4, threshold 0.1 (absolute), "
                               "drop-first)"),
              std::string::npos)
        << text.output;
    EXPECT_NE(text.output.find("baseline (no interventions)"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("change: copying_first_to_second_ratio"), std::string::npos) << text.output;

    const std::vector<attnscope::test::Refusal> bad{
        {" --calibrate-heads 9:*", "--calibrate-heads: no layer 9 to calibrate (the model has 2 layers)"},
        {" --calibrate-heads 1:4",
         "--calibrate-heads: no head 1:4 to calibrate (the model has 2 layers of 4"},
        {" --calibrate-heads one", "--calibrate-heads: 'one' is not LAYER:HEAD (0-based) or LAYER:*"},
        {" --mask-heads 1:*", "--mask-heads: '1:*' is not LAYER:HEAD (0-based)"},
        {" --share-layers 1-0", "--share-layers: block 1-0 must name at least two layers"},
        {" --share-layers 0-2", "--share-layers: layer sharing 0 -> 2 is outside the model's 2 layers"},
        {" --share-layers 0+1", "--share-layers: '0+1' is not FIRST-LAST"},
        {" --act-beta 1.5 --calibrate-heads 1:0", "--act-beta: must be between 0 and 1, got 1.5"},
        {" --compare-baseline", "--compare-baseline needs an intervention"},
        {" --act-beta 0.2 --share-layers 0-1", "--act-beta: beta applies to calibrated heads"},
    };
    attnscope::test::expectRefusals(evaluate, bad);
    std::filesystem::remove_all(dir);
}

TEST(Cli, AnalyzeUnderInterventionsIsStoredAndCompared) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_analyze_interventions";
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({}, 11);
    const std::string gguf = writeTinyGguf(dir, tiny);
    const std::string project = (dir / "p.attnscope").string();
    const std::string analyze = kCli + " analyze " + gguf +
                                " --tokens 3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3 --analyses sinks --project " +
                                project;

    ASSERT_EQ(runProcess(analyze + " --json").exitCode, 0);
    auto run = runProcess(analyze + " --share-layers 0-1 --calibrate-heads 1:* --act-threshold 0.05 --json");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto document = nlohmann::json::parse(run.output, nullptr, false);
    ASSERT_TRUE(document.is_object()) << run.output;
    const auto& interventions = document["interventions"];
    EXPECT_EQ(interventions["sharing"], nlohmann::json::parse(R"([{"source": 0, "target": 1}])"));
    EXPECT_EQ(interventions["calibration"]["heads"].size(), 4u);
    EXPECT_NE(interventions["calibration"]["rule"].get<std::string>().find("threshold 0.05"),
              std::string::npos);
    // The keys the input pass calibrated, per head: ACT's rule on the statistics the sinks analysis
    // reports for the same head (layer 1 shares layer 0's queries and keys, so its attention is layer 0's).
    ASSERT_EQ(interventions["calibration"]["keys"].size(), 4u) << interventions.dump();
    std::size_t calibratedKeys = 0;
    for (const auto& keys : interventions["calibration"]["keys"])
        calibratedKeys += keys["keys"].size();
    EXPECT_GT(calibratedKeys, 0u) << "the threshold must find hidden sinks for the comparison to mean much";
    const auto& heads = document["sinks"]["heads"];
    for (const auto& keys : interventions["calibration"]["keys"]) {
        const int head = keys["head"].get<int>();
        const auto& layer0 = heads[head];
        const auto& layer1 = heads[4 + head];
        ASSERT_EQ(layer1["layer"], 1);
        nlohmann::json positions = nlohmann::json::array();
        for (const auto& sink : layer1["act_sinks"])
            positions.push_back(sink["token"]);
        EXPECT_EQ(keys["keys"], positions) << "head 1:" << head;
        EXPECT_EQ(layer1["act_sinks"], layer0["act_sinks"]) << "head " << head;
        EXPECT_NEAR(layer1["token0_mass"].get<double>(), layer0["token0_mass"].get<double>(), 1e-6);
    }

    auto compare = runProcess(kCli + " compare " + project + " 1 2 --json");
    ASSERT_EQ(compare.exitCode, 0) << compare.output;
    const auto comparison = nlohmann::json::parse(compare.output);
    EXPECT_TRUE(comparison["same_input"].get<bool>());
    EXPECT_TRUE(comparison["settings_differ"]["interventions"]["a"].is_null()) << comparison.dump();
    EXPECT_EQ(comparison["settings_differ"]["interventions"]["b"]["sharing"], interventions["sharing"]);

    auto bad = runProcess(analyze + " --calibrate-heads 2:0 --json", true);
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(bad.output)["error"]["field"], "--calibrate-heads") << bad.output;
    std::filesystem::remove_all(dir);
}
