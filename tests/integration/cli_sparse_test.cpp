// SPDX-License-Identifier: Apache-2.0
// attnscope-cli evaluate under sparse attention: StreamingLLM's sinks + window, FlexPrefill's prefill and
// SnapKV's cache, with what the masks kept, against the baseline, and refused by name when misused.
#include "cli_fixtures.h"
#include "process.h"

#include "../support/tiny_models.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using attnscope::test::kCli;
using attnscope::test::runProcess;

namespace {

nlohmann::json parsed(const attnscope::test::ProcessResult& run) {
    return nlohmann::json::parse(run.output, nullptr, false);
}

} // namespace

TEST(Cli, EvaluateUnderSparseAttentionReportsWhatTheMasksKept) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_sparse";
    const std::string evaluate = attnscope::test::tinyCopyingEvaluation(dir);

    auto run = runProcess(evaluate + " --streaming-window 3 --streaming-sinks 1 --compare-baseline --json");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto streamed = parsed(run);
    ASSERT_TRUE(streamed.is_object()) << run.output;
    EXPECT_EQ(streamed["interventions"]["streaming"], nlohmann::json::parse(R"({"sinks": 1, "window": 3})"));
    const auto& kept = streamed["copying"]["sparse_attention"];
    // 16 rows, each keeping min(i + 1, 4) of its i + 1 causal keys, in 2 layers of 4 heads.
    EXPECT_EQ(kept["masked_rows"], 16 * 2 * 4);
    EXPECT_NEAR(kept["density"].get<double>(), (1 + 2 + 3 + 4 * 13) / 136.0, 1e-12);
    EXPECT_GT(kept["mean_recall"].get<double>(), 0.0);
    EXPECT_LT(kept["mean_recall"].get<double>(), 1.0);
    EXPECT_NE(streamed["copying"]["mean_loss_per_copy"],
              streamed["baseline"]["copying"]["mean_loss_per_copy"]);
    EXPECT_FALSE(streamed["baseline"]["copying"].contains("sparse_attention"));

    // A window covering the input keeps everything and changes nothing.
    auto wide = runProcess(evaluate + " --streaming-window 16 --streaming-sinks 0 --compare-baseline --json");
    ASSERT_EQ(wide.exitCode, 0) << wide.output;
    EXPECT_DOUBLE_EQ(parsed(wide)["copying"]["sparse_attention"]["density"].get<double>(), 1.0);
    EXPECT_NEAR(parsed(wide)["delta"]["copying_first_to_second_ratio"].get<double>(), 0.0, 1e-6);

    // FlexPrefill with blocks of 4 and no minimum budget is sparse on 16 tokens.
    auto flex = runProcess(evaluate + " --sparse-prefill flexprefill --flex-block 4 --flex-min-budget 0 "
                                      "--flex-gamma 0.5 --json");
    ASSERT_EQ(flex.exitCode, 0) << flex.output;
    const auto flexed = parsed(flex);
    EXPECT_EQ(flexed["interventions"]["sparse_prefill"]["method"], "flexprefill");
    EXPECT_EQ(flexed["interventions"]["sparse_prefill"]["block"], 4);
    EXPECT_EQ(flexed["interventions"]["sparse_prefill"]["gamma"], 0.5);
    EXPECT_LT(flexed["copying"]["sparse_attention"]["density"].get<double>(), 1.0);

    auto text = runProcess(evaluate + " --streaming-window 3");
    ASSERT_EQ(text.exitCode, 0) << text.output;
    EXPECT_NE(text.output.find("StreamingLLM attention (4 sinks, window 3)"), std::string::npos)
        << text.output;
    EXPECT_NE(text.output.find("sparse attention: kept"), std::string::npos) << text.output;

    const std::vector<attnscope::test::Refusal> bad{
        {" --streaming-sinks 2", "--streaming-sinks: applies to --streaming-window: give it too"},
        {" --flex-gamma 0.5", "--flex-gamma: applies to --sparse-prefill"},
        {" --snap-capacity 64", "--snap-capacity: applies to --kv-policy"},
        {" --sparse-prefill flexprefill --flex-max-budget 256",
         "--flex-max-budget: the maximum budget (256) is below the minimum budget (512)"},
        {" --sparse-prefill dense", "--sparse-prefill"},
        {" --kv-policy snapkv", "--kv-policy: a KV-cache policy changes decoding only"},
        {" --streaming-window 0", "--streaming-window"},
        {" --streaming-window 4 --calibrate-heads 1:0",
         "--streaming-window: calibration and sparse attention cannot be combined"},
        {" --streaming-window 4 --sparse-prefill flexprefill",
         "--sparse-prefill: StreamingLLM's attention already masks the prefill"},
    };
    attnscope::test::expectRefusals(evaluate, bad);
    std::filesystem::remove_all(dir);
}

TEST(Cli, EvaluateNeedlesUnderASnapKvCache) {
    // The demo model answers needles from ~1k-token prompts; SnapKV keeps a few hundred keys of them.
    const std::string resources = ATTNSCOPE_RESOURCES_DIR;
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_snapkv";
    std::filesystem::create_directories(dir);
    const std::string needles = (dir / "needles.jsonl").string();
    {
        std::ifstream all(resources + "/samples/needles.jsonl");
        std::ofstream two(needles);
        std::string line;
        for (int i = 0; i < 2 && std::getline(all, line); ++i)
            two << line << "\n";
    }
    const std::string evaluate =
        kCli + " evaluate " + resources + "/models/attnscope-demo --needles " + needles + " --json";
    auto run =
        runProcess(evaluate + " --kv-policy snapkv --snap-capacity 128 --snap-window 16 --compare-baseline");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto document = parsed(run);
    ASSERT_TRUE(document.is_object()) << run.output;
    const auto& policy = document["interventions"]["kv_selection"];
    EXPECT_EQ(policy["rule"], "SnapKV, capacity 128, window 16, kernel 5, average pooling");
    EXPECT_EQ(policy["capacity"], 128);
    EXPECT_EQ(policy["observation_window"], 16);
    const auto& kept = document["needles"]["sparse_attention"];
    // Only decoding runs under the policy: a few decode rows per prompt (the answer's tokens + 1), in 4
    // layers of 4 heads — not the ~1000 prompt rows.
    EXPECT_GE(kept["masked_rows"].get<int>(), 2 * 2 * 16);
    EXPECT_LE(kept["masked_rows"].get<int>(), 2 * 12 * 16);
    EXPECT_LT(kept["mean_recall"].get<double>(), 1.0);
    // 128 kept keys of ~1000: the density is far below 1 and above 128 / 1000 x (decoded share).
    EXPECT_LT(kept["density"].get<double>(), 0.25);
    EXPECT_GT(kept["mean_recall"].get<double>(), 0.0);
    EXPECT_EQ(document["baseline"]["needles"]["prompts"], 2);

    auto wrongWindow = runProcess(evaluate + " --kv-policy snapkv --snap-capacity 16 --snap-window 16");
    EXPECT_NE(wrongWindow.exitCode, 0);
    const auto error = parsed(wrongWindow);
    EXPECT_EQ(error["error"]["field"], "--snap-window") << wrongWindow.output;
    EXPECT_EQ(error["error"]["message"],
              "the observation window (16) must be smaller than the capacity (16)");
    std::filesystem::remove_all(dir);
}

TEST(Cli, GenerateUnderStreamingAttention) {
    // The prompt's rows and every decoded row but the last run under the mask, in 4 layers of 4 heads.
    const std::string model = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    auto run = runProcess(kCli + " generate " + model +
                          " --tokens 0,600,601,602,603,604,605,606,607,608 --max-new-tokens 6 "
                          "--streaming-window 4 --streaming-sinks 1 --json");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto document = parsed(run);
    ASSERT_TRUE(document.is_object()) << run.output;
    EXPECT_EQ(document["interventions"]["streaming"], nlohmann::json::parse(R"({"sinks": 1, "window": 4})"));
    EXPECT_EQ(document["ids"].size(), 6u);
    EXPECT_EQ(document["sparse_attention"]["masked_rows"], (10 + 5) * 16);
    // Row i keeps min(i + 1, 5) of its i + 1 keys: rows 0-4 everything, rows 5-14 five of 6..15.
    double kept = 0, visible = 0;
    for (int i = 0; i < 15; ++i) {
        kept += std::min(i + 1, 5);
        visible += i + 1;
    }
    EXPECT_NEAR(document["sparse_attention"]["density"].get<double>(), kept / visible, 1e-12);

    auto plain = runProcess(kCli + " generate " + model + " --tokens 0,600,601 --max-new-tokens 2 --json");
    ASSERT_EQ(plain.exitCode, 0) << plain.output;
    EXPECT_FALSE(parsed(plain).contains("interventions"));
    EXPECT_FALSE(parsed(plain).contains("sparse_attention"));
    auto refused = runProcess(kCli + " generate " + model + " --tokens 0,600 --snap-capacity 64", true);
    EXPECT_NE(refused.exitCode, 0);
    EXPECT_NE(refused.output.find("--snap-capacity: applies to --kv-policy"), std::string::npos)
        << refused.output;
}

TEST(Cli, ActSearchKeepsTheHeadsThatImproveTheMeasurement) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_act_search";
    const std::string evaluate = attnscope::test::tinyCopyingEvaluation(dir);
    // The same model and probe, judged by the copying ratio; the tiny model's rows spread their attention,
    // so a low threshold finds sinks to calibrate in every head.
    std::string search = evaluate;
    search.replace(search.find(" evaluate "), 10, " act-search ");
    auto run = runProcess(search + " --heads 0:*,1:0 --act-threshold 0.05 --json");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto document = parsed(run);
    ASSERT_TRUE(document.is_object()) << run.output;
    EXPECT_EQ(document["metric"], "copying_first_to_second_ratio");
    ASSERT_EQ(document["trials"].size(), 5u); // layer 0's four heads, then 1:0
    EXPECT_EQ(document["trials"][4]["layer"], 1);
    EXPECT_EQ(document["trials"][4]["head"], 0);
    // Each trial is evaluate with that head calibrated, and kept exactly when it beats the baseline.
    auto plain = runProcess(evaluate + " --json");
    ASSERT_EQ(plain.exitCode, 0) << plain.output;
    EXPECT_DOUBLE_EQ(document["baseline"].get<double>(),
                     parsed(plain)["copying"]["first_to_second_ratio"].get<double>());
    auto one = runProcess(evaluate + " --calibrate-heads 0:2 --act-threshold 0.05 --json");
    ASSERT_EQ(one.exitCode, 0) << one.output;
    EXPECT_DOUBLE_EQ(document["trials"][2]["score"].get<double>(),
                     parsed(one)["copying"]["first_to_second_ratio"].get<double>());
    std::vector<std::string> kept;
    for (const auto& trial : document["trials"]) {
        EXPECT_EQ(trial["kept"].get<bool>(),
                  trial["score"].get<double>() > document["baseline"].get<double>());
        if (trial["kept"].get<bool>())
            kept.push_back(std::to_string(trial["layer"].get<int>()) + ":" +
                           std::to_string(trial["head"].get<int>()));
    }
    EXPECT_EQ(document["selected"], nlohmann::json(kept));
    EXPECT_NE(document["trials"][0]["score"], document["baseline"]) << "calibration must change the ratio";
    EXPECT_EQ(document["combined"].is_null(), kept.empty());

    const std::vector<attnscope::test::Refusal> bad{
        {" --heads 5:0", "--heads: no layer 5 to calibrate (the model has 2 layers)"},
        {" --heads x", "--heads: 'x' is not LAYER:HEAD (0-based) or LAYER:*"},
        {" --needles /nonexistent.jsonl", "exactly one of --text-file, --needles, --copying"},
    };
    attnscope::test::expectRefusals(search, bad);
    std::filesystem::remove_all(dir);
}
