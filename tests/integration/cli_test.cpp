// SPDX-License-Identifier: Apache-2.0
// attnscope-cli as a user runs it: exit codes, --help, --version and the --json convention.
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

using attnscope::test::runProcess;

namespace {
const std::string kCli = ATTNSCOPE_CLI_PATH;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
    auto result = runProcess(kCli + " --version");
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.output.find(ATTNSCOPE_VERSION_FOR_TEST), std::string::npos) << result.output;
}

TEST(Cli, HelpListsSubcommands) {
    auto result = runProcess(kCli + " --help");
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.output.find("info"), std::string::npos);
    EXPECT_NE(result.output.find("plugins"), std::string::npos);
    EXPECT_NE(result.output.find("--json"), std::string::npos);
}

TEST(Cli, UnknownSubcommandFails) {
    auto result = runProcess(kCli + " frobnicate", true);
    EXPECT_NE(result.exitCode, 0);
    auto none = runProcess(kCli, true);
    EXPECT_NE(none.exitCode, 0) << "a subcommand is required";
}

TEST(Cli, InfoJsonToStdout) {
    auto result = runProcess(kCli + " info --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    EXPECT_EQ(document["attnscope"]["version"], ATTNSCOPE_VERSION_FOR_TEST);
    EXPECT_FALSE(document["torch"]["version"].get<std::string>().empty());
    ASSERT_TRUE(document["backends"].is_array());
    EXPECT_EQ(document["backends"][0]["name"], "cpu");
    EXPECT_EQ(document["backends"][0]["available"], true);
}

TEST(Cli, InfoJsonToFileAndTextWithout) {
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_info_test.json";
    std::filesystem::remove(path);
    auto result = runProcess(kCli + " info --json " + path.string());
    ASSERT_EQ(result.exitCode, 0);
    std::ifstream file(path);
    auto document = nlohmann::json::parse(file, nullptr, false);
    EXPECT_FALSE(document.is_discarded());
    EXPECT_TRUE(document.contains("torch"));
    std::filesystem::remove(path);

    auto text = runProcess(kCli + " info");
    EXPECT_EQ(text.exitCode, 0);
    EXPECT_NE(text.output.find("LibTorch"), std::string::npos) << text.output;
}

TEST(Cli, UnwritableJsonPathFailsWithMessage) {
    // A missing folder is refused before the command runs (as a usage error); a path that exists as a
    // folder fails when the document is written.
    auto result = runProcess(kCli + " info --json /nonexistent-dir/out.json", true);
    EXPECT_NE(result.exitCode, 0);
    EXPECT_NE(result.output.find("/nonexistent-dir does not exist"), std::string::npos) << result.output;
    const std::string folder = std::filesystem::temp_directory_path().string();
    auto intoFolder = runProcess(kCli + " info --json " + folder, true);
    EXPECT_EQ(intoFolder.exitCode, 1);
    EXPECT_NE(intoFolder.output.find(folder), std::string::npos) << intoFolder.output;
}

TEST(Cli, PluginsListsLoadedAndFailedLibraries) {
    auto result = runProcess(kCli + " plugins --dir " ATTNSCOPE_TEST_PLUGIN_DIR " --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    ASSERT_EQ(document["plugins"].size(), 1u);
    EXPECT_EQ(document["plugins"][0]["id"], "test.good");
    EXPECT_EQ(document["failures"].size(), 2u);
    EXPECT_EQ(document["failures"][0]["code"].get<std::string>().empty(), false);
}

TEST(Cli, AttentionOnCudaNeedsADevice) {
    // Where no CUDA device answers, --attention-device cuda is refused up front with the reason; where
    // one does, the same command runs.
    auto info = runProcess(kCli + " info --json");
    ASSERT_EQ(info.exitCode, 0) << info.output;
    const auto document = nlohmann::json::parse(info.output);
    const bool cudaAvailable = document["backends"][1]["available"].get<bool>();
    auto result = runProcess(kCli + " --attention-device cuda info", true);
    if (cudaAvailable) {
        EXPECT_EQ(result.exitCode, 0) << result.output;
    } else {
        EXPECT_NE(result.exitCode, 0);
        EXPECT_NE(result.output.find("--attention-device"), std::string::npos) << result.output;
        EXPECT_NE(result.output.find("CUDA"), std::string::npos) << result.output;
    }
    EXPECT_NE(runProcess(kCli + " --attention-device tpu info", true).exitCode, 0);
}

TEST(Cli, BadLogLevelIsRejected) {
    auto result = runProcess(kCli + " --log-level loud info", true);
    EXPECT_NE(result.exitCode, 0);
    EXPECT_NE(result.output.find("--log-level"), std::string::npos) << result.output;
}

namespace {

/// A tiny llama2.c checkpoint (dim 8, 2 layers, 2 heads / 1 KV head, vocab 16, seq 4), zero weights.
std::string writeTinyLlama2c() {
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_tiny_llama2c.bin";
    const int32_t header[7] = {8, 12, 2, 2, 1, 16, 4};
    const int64_t dim = 8, hidden = 12, layers = 2, kvDim = 4, vocab = 16, seq = 4, headDim = 4;
    const int64_t floats = vocab * dim +
                           layers * (2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden) + dim +
                           seq * headDim;
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(header), sizeof header);
    const std::vector<float> zeros(static_cast<std::size_t>(floats), 0.0f);
    file.write(reinterpret_cast<const char*>(zeros.data()), static_cast<std::streamsize>(zeros.size() * 4));
    return path.string();
}

/// A fresh `dir` holding `tiny` as a llama GGUF; returns the file's path.
std::string writeTinyGguf(const std::filesystem::path& dir, const attnscope::test::TinyModel& tiny) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string gguf = (dir / "tiny.gguf").string();
    const attnscope::test::Bytes bytes = attnscope::test::writeLlamaGguf(tiny);
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return gguf;
}

} // namespace

TEST(Cli, InfoModelJsonHasTheContractKeys) {
    const std::string model = writeTinyLlama2c();
    auto result = runProcess(kCli + " info " + model + " --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    EXPECT_EQ(document["architecture"], "llama");
    EXPECT_EQ(document["layers"], 2);
    EXPECT_EQ(document["heads"], 2);
    EXPECT_EQ(document["kv_heads"], 1);
    EXPECT_EQ(document["head_dim"], 4);
    EXPECT_EQ(document["vocab_size"], 16);
    // embedding 128 + per layer (16 + 128 + 64 + 288) * 2 + final norm 8; RoPE tables excluded
    EXPECT_EQ(document["parameters"], 128 + 2 * (2 * 8 + 2 * 64 + 2 * 32 + 3 * 96) + 8);
    EXPECT_EQ(document["dtype"], "float32");
    EXPECT_EQ(document["context_length"], 4);
    std::filesystem::remove(model);
}

TEST(Cli, InfoOnABadModelReportsFileAndField) {
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_bad.bin";
    std::ofstream(path, std::ios::binary) << "not a model at all, just text";
    auto result = runProcess(kCli + " info " + path.string() + " --json");
    EXPECT_EQ(result.exitCode, 1);
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    EXPECT_EQ(document["error"]["file"], path.string());
    EXPECT_FALSE(document["error"]["field"].get<std::string>().empty());
    auto text = runProcess(kCli + " info " + path.string(), true);
    EXPECT_EQ(text.exitCode, 1);
    EXPECT_NE(text.output.find("error: " + path.string()), std::string::npos) << text.output;
    std::filesystem::remove(path);
}

TEST(Cli, RunWritesLogitsAndAttentionThatMatchTheReference) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_run";
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({});
    const std::string gguf = writeTinyGguf(dir, tiny);

    const std::string logits = (dir / "logits.npy").string(), attention = (dir / "l1h2.npy").string();
    auto result = runProcess(kCli + " run " + gguf + " --tokens 3,1,4,1,5,9,2,6 --logits " + logits +
                             " --attention 1:2:" + attention + " --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    EXPECT_EQ(document["tokens"], 8);
    EXPECT_GT(document["perplexity"].get<double>(), 1.0);

    const auto reference = attnscope::test::referenceForward(tiny, {3, 1, 4, 1, 5, 9, 2, 6});
    auto logitArray = attnscope::io::readNpyFloat32(logits);
    ASSERT_TRUE(logitArray) << logitArray.status().toString();
    EXPECT_EQ(logitArray->shape, (std::vector<int64_t>{8, 11}));
    for (std::size_t i = 0; i < reference.logits.size(); ++i)
        ASSERT_NEAR(logitArray->values[i], reference.logits[i], 1e-4) << i;
    auto map = attnscope::io::readNpyFloat32(attention);
    ASSERT_TRUE(map);
    EXPECT_EQ(map->shape, (std::vector<int64_t>{8, 8}));
    const auto& expected = reference.attention.at({1, 2});
    for (std::size_t i = 0; i < expected.size(); ++i)
        ASSERT_NEAR(map->values[i], expected[i], 1e-4) << i;

    // --weights bf16: the same logits to bf16 precision (GGUF F32 matrices rounded at load).
    const std::string halfLogits = (dir / "logits16.npy").string();
    auto half = runProcess(kCli + " run " + gguf + " --tokens 3,1,4,1,5,9,2,6 --weights bf16 --logits " +
                           halfLogits + " --json");
    ASSERT_EQ(half.exitCode, 0) << half.output;
    auto halfArray = attnscope::io::readNpyFloat32(halfLogits);
    ASSERT_TRUE(halfArray) << halfArray.status().toString();
    ASSERT_EQ(halfArray->values.size(), reference.logits.size());
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < reference.logits.size(); ++i) {
        worst = std::max(worst, std::fabs(halfArray->values[i] - reference.logits[i]));
        scale = std::max(scale, std::fabs(reference.logits[i]));
    }
    EXPECT_GT(worst, 0.0);
    EXPECT_LE(worst, 0.03 * scale);
    auto badWeights = runProcess(kCli + " run " + gguf + " --tokens 1,2 --weights f16", true);
    EXPECT_NE(badWeights.exitCode, 0);
    EXPECT_NE(badWeights.output.find("--weights"), std::string::npos) << badWeights.output;

    auto badHead =
        runProcess(kCli + " run " + gguf + " --tokens 1,2 --attention 5:0:" + attention + " --json");
    EXPECT_EQ(badHead.exitCode, 1);
    EXPECT_NE(badHead.output.find("\"field\": \"attention\""), std::string::npos) << badHead.output;
    auto badTokens = runProcess(kCli + " run " + gguf + " --tokens 1,x --json");
    EXPECT_EQ(badTokens.exitCode, 1);
    EXPECT_NE(badTokens.output.find("--tokens"), std::string::npos) << badTokens.output;
    std::filesystem::remove_all(dir);
}

TEST(Cli, GenerateGreedyAndSeededSampling) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_generate";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({}, 5);
    const std::string gguf = (dir / "tiny.gguf").string();
    const attnscope::test::Bytes bytes = attnscope::test::writeLlamaGguf(tiny);
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());

    auto greedy = runProcess(kCli + " generate " + gguf + " --tokens 1,2,3 --max-new-tokens 4 --json");
    ASSERT_EQ(greedy.exitCode, 0) << greedy.output;
    auto document = nlohmann::json::parse(greedy.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << greedy.output;
    EXPECT_EQ(document["mode"], "greedy");
    // Greedy continuation = argmax of the independent reference, token after token.
    std::vector<int32_t> sequence = {1, 2, 3};
    for (const auto& id : document["ids"]) {
        const auto logits = attnscope::test::referenceForward(tiny, sequence).logits;
        const auto last =
            logits.begin() + static_cast<std::ptrdiff_t>((sequence.size() - 1) * tiny.config.vocab);
        EXPECT_EQ(id.get<int>(), std::max_element(last, last + tiny.config.vocab) - last);
        sequence.push_back(id.get<int32_t>());
    }
    EXPECT_EQ(document["ids"].size(), 4u);

    const std::string sampled =
        kCli + " generate " + gguf + " --tokens 1,2,3 --max-new-tokens 8 --temperature 1.3 --seed 7 --json";
    auto first = runProcess(sampled), second = runProcess(sampled);
    ASSERT_EQ(first.exitCode, 0) << first.output;
    EXPECT_EQ(first.output, second.output) << "same seed, same tokens";
    EXPECT_NE(first.output.find("\"sampled\""), std::string::npos);

    auto noTokenizer = runProcess(kCli + " generate " + gguf + " --prompt hello --json");
    EXPECT_EQ(noTokenizer.exitCode, 1);
    EXPECT_NE(noTokenizer.output.find("no embedded tokenizer"), std::string::npos) << noTokenizer.output;
    std::filesystem::remove_all(dir);
}

TEST(Cli, EvaluateUnderInterventionsAgainstTheBaseline) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_interventions";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({}, 9);
    const std::string gguf = (dir / "tiny.gguf").string();
    const attnscope::test::Bytes bytes = attnscope::test::writeLlamaGguf(tiny);
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const std::string probe = (dir / "copy.json").string();
    std::ofstream(probe)
        << R"({"ids": [1, 4, 9, 2, 6, 3, 4, 9, 2, 6, 3, 4, 9, 2, 6, 3], "span": 5, "repeats": 3})";
    const std::string evaluate = kCli + " evaluate " + gguf + " --copying " + probe;

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

    struct Case {
        std::string arguments, expected;
    };
    const std::vector<Case> bad{
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
    for (const Case& c : bad) {
        auto result = runProcess(evaluate + c.arguments, true);
        EXPECT_NE(result.exitCode, 0) << c.arguments;
        EXPECT_NE(result.output.find(c.expected), std::string::npos) << c.arguments << "\n" << result.output;
    }
    std::filesystem::remove_all(dir);
}

TEST(Cli, AnalyzeUnderInterventionsIsStoredAndCompared) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_analyze_interventions";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({}, 11);
    const std::string gguf = (dir / "tiny.gguf").string();
    const attnscope::test::Bytes bytes = attnscope::test::writeLlamaGguf(tiny);
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
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

TEST(Cli, RunTokenizesTextWithTheGivenTokenizer) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_run_text";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string gguf = (dir / "tiny.gguf").string();
    const attnscope::test::Bytes bytes = attnscope::test::writeLlamaGguf(attnscope::test::makeTinyModel({}));
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    // A byte-level tokenizer small enough for the tiny model's 11-token vocabulary.
    const std::string tokenizer = (dir / "tokenizer.json").string();
    std::ofstream(tokenizer) << R"({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
        "model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "\u0120": 4, "w": 5, "r": 6, "d": 7,
                  "!": 8, "he": 9, "ll": 10}, "merges": ["h e", "l l"]}})";

    auto fromText =
        runProcess(kCli + " run " + gguf + " --text 'hello world!' --tokenizer " + tokenizer + " --json");
    ASSERT_EQ(fromText.exitCode, 0) << fromText.output;
    // hello world! -> he ll o Ġ w o r l d ! = 9 10 3 4 5 3 6 2 7 8
    auto fromIds = runProcess(kCli + " run " + gguf + " --tokens 9,10,3,4,5,3,6,2,7,8 --json");
    ASSERT_EQ(fromIds.exitCode, 0) << fromIds.output;
    auto a = nlohmann::json::parse(fromText.output), b = nlohmann::json::parse(fromIds.output);
    EXPECT_EQ(a["tokens"], 10);
    EXPECT_DOUBLE_EQ(a["perplexity"].get<double>(), b["perplexity"].get<double>());

    std::ofstream((dir / "input.txt").string()) << "hello world!";
    auto fromFile = runProcess(kCli + " run " + gguf + " --text-file " + (dir / "input.txt").string() +
                               " --tokenizer " + tokenizer + " --json");
    ASSERT_EQ(fromFile.exitCode, 0) << fromFile.output;
    EXPECT_EQ(nlohmann::json::parse(fromFile.output)["perplexity"], a["perplexity"]);

    auto neither = runProcess(kCli + " run " + gguf + " --json");
    EXPECT_EQ(neither.exitCode, 1);
    auto noTokenizer = runProcess(kCli + " run " + gguf + " --text hi --json");
    EXPECT_EQ(noTokenizer.exitCode, 1) << "the tiny GGUF has no embedded tokenizer";
    std::filesystem::remove_all(dir);
}

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

TEST(Cli, ProjectRunsCompareAndExport) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_project";
    std::filesystem::remove_all(dir);
    attnscope::test::TinyConfig config;
    config.context = 64;
    const std::string gguf = writeTinyGguf(dir, attnscope::test::makeTinyModel(config));
    const std::string project = (dir / "p.attnscope").string();
    for (const char* tokens : {"3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3", "2,7,1,8,2,8,1,8,2,8,4,5,9,0,4,5"}) {
        auto run =
            runProcess(kCli + " analyze " + gguf + " --tokens " + tokens +
                           " --analyses sinks,similarity,sparsity,taxonomy --decode-rows 4 --project " +
                           project + " --label L" + tokens[0] + " --json",
                       true);
        ASSERT_EQ(run.exitCode, 0) << run.output;
        EXPECT_EQ(nlohmann::json::parse(run.output)["project"]["path"], project);
    }
    auto runs = runProcess(kCli + " runs " + project + " --json");
    ASSERT_EQ(runs.exitCode, 0) << runs.output;
    const auto list = nlohmann::json::parse(runs.output);
    ASSERT_EQ(list["runs"].size(), 2u);
    EXPECT_EQ(list["runs"][0]["label"], "L3");
    EXPECT_EQ(list["runs"][1]["tokens"], 16);
    EXPECT_EQ(list["schema"], 2);
    // `label` renames a run (trimmed); an unknown run is refused by name.
    auto relabel = runProcess(kCli + " label " + project + " 2 '  second input ' --json");
    ASSERT_EQ(relabel.exitCode, 0) << relabel.output;
    EXPECT_EQ(nlohmann::json::parse(relabel.output)["label"], "second input");
    EXPECT_EQ(
        nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"][1]["label"],
        "second input");
    ASSERT_EQ(runProcess(kCli + " label " + project + " 2 ''").exitCode, 0); // cleared
    EXPECT_EQ(
        nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"][1]["label"],
        "");
    auto noRun = runProcess(kCli + " label " + project + " 9 x --json");
    EXPECT_EQ(noRun.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(noRun.output)["error"]["field"], "RUN") << noRun.output;
    auto noDelete = runProcess(kCli + " delete-run " + project + " 9 --json");
    EXPECT_EQ(noDelete.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(noDelete.output)["error"]["field"], "RUN") << noDelete.output;

    auto compare = runProcess(kCli + " compare " + project + " 1 2 --json");
    ASSERT_EQ(compare.exitCode, 0) << compare.output;
    const auto deltas = nlohmann::json::parse(compare.output);
    EXPECT_FALSE(deltas["same_input"].get<bool>());
    EXPECT_TRUE(deltas["same_model"].get<bool>());
    EXPECT_TRUE(deltas["settings_differ"].empty()) << deltas["settings_differ"].dump();
    bool sawToken0 = false;
    for (const auto& m : deltas["metrics"])
        if (m["analysis"] == "sinks" && m["metric"] == "token0_mass") {
            sawToken0 = true;
            EXPECT_NEAR(m["delta"].get<double>(), m["mean_b"].get<double>() - m["mean_a"].get<double>(),
                        1e-12);
            EXPECT_EQ(m["heads"], 8);
        }
    EXPECT_TRUE(sawToken0);
    // The same input with bf16 weights: same model, same input, but not the same computation.
    auto bf16 =
        runProcess(kCli + " analyze " + gguf + " --tokens 3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3" +
                       " --analyses sinks,similarity,sparsity,taxonomy --decode-rows 4 --weights bf16" +
                       " --project " + project + " --json",
                   true);
    ASSERT_EQ(bf16.exitCode, 0) << bf16.output;
    auto against = runProcess(kCli + " compare " + project + " 1 3 --json");
    ASSERT_EQ(against.exitCode, 0) << against.output;
    const auto differ = nlohmann::json::parse(against.output);
    EXPECT_TRUE(differ["same_input"].get<bool>());
    EXPECT_EQ(differ["settings_differ"].size(), 1u) << differ["settings_differ"].dump();
    EXPECT_EQ(differ["settings_differ"]["weights"]["a"], "f32");
    EXPECT_EQ(differ["settings_differ"]["weights"]["b"], "bf16");
    auto missing = runProcess(kCli + " compare " + project + " 1 7 --json");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.output.find("no run 7"), std::string::npos) << missing.output;

    // CSV rows; the JSON document; NPY arrays that numpy loads with the documented shapes.
    const auto csv = dir / "run1.csv";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format csv --out " + csv.string()).exitCode, 0);
    std::ifstream csvFile(csv);
    std::string header;
    std::getline(csvFile, header);
    EXPECT_EQ(header, "analysis,metric,layer,head,value");
    const auto json = dir / "run1.json";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format json --out " + json.string()).exitCode,
              0);
    std::ifstream jsonFile(json);
    const auto exported = nlohmann::json::parse(jsonFile, nullptr, false);
    EXPECT_EQ(exported["document"]["tokens"], 16);
    EXPECT_EQ(exported["run"]["label"], "L3");
    // How the numbers were computed, as the studio records it (its deep zoom recomputes with the same).
    EXPECT_EQ(exported["settings"]["weights"], "f32");
    EXPECT_EQ(exported["settings"]["attention_device"], "cpu");
    const auto npy = dir / "npy";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format npy --out " + npy.string()).exitCode, 0);
    const std::string check =
        "/usr/bin/python3 -c \"import numpy as np, sys; d = sys.argv[1]; "
        "a = np.load(d + '/sinks__token0_mass.npy'); assert a.shape == (2, 4) and a.dtype == np.float32, "
        "a.shape; "
        "assert ((a >= 0) & (a <= 1)).all(); "
        "s = np.load(d + '/similarity.layer_head_averaged.npy'); assert s.shape == (2, 2); "
        "assert abs(s[0, 0] - 1) < 1e-6 and abs(s[0, 1] - s[1, 0]) < 1e-6; "
        "h = np.load(d + '/similarity.head_cosine.npy'); assert h.shape == (8, 8); "
        "b = np.load(d + '/attention.block_sum.npy'); assert b.shape == (2, 4, 1, 1), b.shape; "
        "assert abs(b.sum() - 8 * 16) < 1e-3, b.sum(); "
        "m = np.load(d + '/sparsity.flexprefill_mask.npy'); assert m.shape == (2, 4, 1, 1); "
        "print('numpy ok')\" " +
        npy.string();
    auto numpy = runProcess(check, true);
    EXPECT_EQ(numpy.exitCode, 0) << numpy.output;
    EXPECT_NE(numpy.output.find("numpy ok"), std::string::npos) << numpy.output;

    // A file that is not a project is refused and left as it was.
    const auto text = dir / "notes.attnscope";
    std::ofstream(text) << "my notes\n";
    auto refused = runProcess(kCli + " analyze " + gguf + " --tokens 1,2,3 --analyses sinks --project " +
                                  text.string() + " --json",
                              true);
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.output.find("not an SQLite database"), std::string::npos) << refused.output;
    std::ifstream again(text);
    std::string contents;
    std::getline(again, contents);
    EXPECT_EQ(contents, "my notes");

    // delete-run: the run and its results go, the others stay.
    auto deleted = runProcess(kCli + " delete-run " + project + " 3 --json");
    ASSERT_EQ(deleted.exitCode, 0) << deleted.output;
    EXPECT_EQ(nlohmann::json::parse(deleted.output)["runs_left"], 2);
    const auto left = nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output);
    ASSERT_EQ(left["runs"].size(), 2u);
    EXPECT_EQ(left["runs"][1]["id"], 2);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 3 --json").exitCode, 1);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 2 --json").exitCode, 0);
    // compact: the file shrinks by the deleted run's pages; the runs are intact.
    auto compacted = runProcess(kCli + " compact " + project + " --json");
    ASSERT_EQ(compacted.exitCode, 0) << compacted.output;
    const auto sizes = nlohmann::json::parse(compacted.output);
    EXPECT_LT(sizes["bytes_after"].get<uintmax_t>(), sizes["bytes_before"].get<uintmax_t>()) << sizes.dump();
    EXPECT_EQ(nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"].size(),
              2u);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 2 --json").exitCode, 0);
    auto noProject = runProcess(kCli + " compact " + (dir / "none.attnscope").string() + " --json");
    EXPECT_EQ(noProject.exitCode, 1);
    EXPECT_FALSE(std::filesystem::exists(dir / "none.attnscope")) << "compact creates nothing";
    std::filesystem::remove_all(dir);
}

TEST(Cli, NotesAreAddedListedEditedAndDeletedInTheProject) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_notes";
    attnscope::test::TinyConfig config;
    config.context = 64;
    const std::string gguf = writeTinyGguf(dir, attnscope::test::makeTinyModel(config));
    const std::string project = (dir / "p.attnscope").string();
    auto run = runProcess(kCli + " analyze " + gguf +
                              " --tokens 3,1,4,1,5,9,2,6 --analyses sinks --project " + project + " --json",
                          true);
    ASSERT_EQ(run.exitCode, 0) << run.output;

    auto empty = runProcess(kCli + " notes " + project + " 1 --json");
    ASSERT_EQ(empty.exitCode, 0) << empty.output;
    EXPECT_TRUE(nlohmann::json::parse(empty.output)["notes"].empty());
    auto added = runProcess(kCli + " notes " + project +
                            " 1 --add 'head 1:3 sinks' --layer 1 --head 3 --token 0 --json");
    ASSERT_EQ(added.exitCode, 0) << added.output;
    const auto document = nlohmann::json::parse(added.output);
    ASSERT_EQ(document["notes"].size(), 1u);
    const auto& note = document["notes"][0];
    EXPECT_EQ(note["id"], document["added"]);
    EXPECT_EQ(note["layer"], 1);
    EXPECT_EQ(note["head"], 3);
    EXPECT_EQ(note["token"], 0);
    EXPECT_EQ(note["text"], "head 1:3 sinks");
    EXPECT_EQ(note["created"].get<std::string>().size(), 20u);
    auto onRun = runProcess(kCli + " notes " + project + " 1 --add 'the whole run' --json");
    ASSERT_EQ(onRun.exitCode, 0) << onRun.output;
    EXPECT_TRUE(nlohmann::json::parse(onRun.output)["notes"][1]["layer"].is_null());
    auto text = runProcess(kCli + " notes " + project + " 1");
    EXPECT_NE(text.output.find("2 note(s)"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("head 1:3 sinks"), std::string::npos) << text.output;

    // Refusals name the field and change nothing: past the model's layers or heads, past the input,
    // empty text, an unknown run, an unknown note, and --layer without --add.
    for (const auto& [arguments, field] :
         std::vector<std::pair<std::string, std::string>>{{" 1 --add x --layer 2", "--layer"},
                                                          {" 1 --add x --head 4", "--head"},
                                                          {" 1 --add x --token 8", "--token"},
                                                          {" 1 --add ''", "text"},
                                                          {" 9 --add x", "RUN"},
                                                          {" 1 --delete 99", "--delete"},
                                                          {" 1 --edit 99 --text x", "--edit"},
                                                          {" 1 --edit 1 --text ' '", "--text"}}) {
        auto refused = runProcess(kCli + " notes " + project + arguments + " --json");
        EXPECT_EQ(refused.exitCode, 1) << arguments << ": " << refused.output;
        const auto error = nlohmann::json::parse(refused.output, nullptr, false);
        ASSERT_TRUE(error.contains("error")) << arguments << ": " << refused.output;
        EXPECT_EQ(error["error"]["field"], field) << arguments << ": " << refused.output;
    }
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --layer 1", true).exitCode, 0);
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --edit 1", true).exitCode, 0)
        << "--edit needs --text";
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --text y", true).exitCode, 0)
        << "--text needs --edit";
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --edit 1 --text y --delete 1", true).exitCode, 0);
    // Editing keeps the place and the time.
    auto edited = runProcess(kCli + " notes " + project + " 1 --edit " + note["id"].dump() +
                             " --text 'head 1:3 sinks hard' --json");
    ASSERT_EQ(edited.exitCode, 0) << edited.output;
    const auto afterEdit = nlohmann::json::parse(edited.output);
    EXPECT_EQ(afterEdit["edited"], note["id"]);
    EXPECT_EQ(afterEdit["notes"][0]["text"], "head 1:3 sinks hard");
    EXPECT_EQ(afterEdit["notes"][0]["head"], 3);
    EXPECT_EQ(afterEdit["notes"][0]["created"], note["created"]);
    ASSERT_EQ(
        runProcess(kCli + " notes " + project + " 1 --edit " + note["id"].dump() + " --text 'head 1:3 sinks'")
            .exitCode,
        0);
    // A note id of run 1 given for run 2 deletes nothing.
    auto second = runProcess(kCli + " analyze " + gguf + " --tokens 2,7,1,8 --analyses sinks --project " +
                                 project + " --json",
                             true);
    ASSERT_EQ(second.exitCode, 0) << second.output;
    auto crossRun = runProcess(kCli + " notes " + project + " 2 --delete " + note["id"].dump() + " --json");
    EXPECT_EQ(crossRun.exitCode, 1) << crossRun.output;
    EXPECT_NE(crossRun.output.find("on run 2"), std::string::npos) << crossRun.output;
    auto crossEdit =
        runProcess(kCli + " notes " + project + " 2 --edit " + note["id"].dump() + " --text z --json");
    EXPECT_EQ(crossEdit.exitCode, 1) << crossEdit.output;

    // `export --format json` carries the run's notes, and only that run's.
    ASSERT_EQ(
        runProcess(kCli + " analyze " + gguf + " --tokens 5,3,5 --analyses sinks --project " + project, true)
            .exitCode,
        0);
    ASSERT_EQ(runProcess(kCli + " notes " + project + " 2 --add 'on run 2'").exitCode, 0);
    const auto exported = dir / "run1.json";
    ASSERT_EQ(
        runProcess(kCli + " export " + project + " 1 --format json --out " + exported.string()).exitCode, 0);
    std::ifstream exportedFile(exported);
    const auto withNotes = nlohmann::json::parse(exportedFile, nullptr, false);
    ASSERT_EQ(withNotes["notes"].size(), 2u) << withNotes["notes"].dump();
    EXPECT_EQ(withNotes["notes"][0]["text"], "head 1:3 sinks");
    EXPECT_EQ(withNotes["notes"][0]["head"], 3);

    auto deleted = runProcess(kCli + " notes " + project + " 1 --delete " + note["id"].dump() + " --json");
    ASSERT_EQ(deleted.exitCode, 0) << deleted.output;
    const auto after = nlohmann::json::parse(deleted.output);
    EXPECT_EQ(after["deleted"], note["id"]);
    ASSERT_EQ(after["notes"].size(), 1u);
    EXPECT_EQ(after["notes"][0]["text"], "the whole run");
    std::filesystem::remove_all(dir);
}

TEST(Cli, TokenizeReadsTextPastTheCommandLinesLimitFromAFile) {
    // 300 kB: more than one command-line argument may hold (128 kB), so only --text-file can pass it.
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_tokenize_long.txt";
    std::string text;
    while (text.size() < 300000)
        text += "The secret number of Emma is 67047. ";
    std::ofstream(path, std::ios::binary) << text;
    const std::string demo = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    auto result = runProcess(kCli + " tokenize " + demo + " --text-file " + path.string() + " --json");
    ASSERT_EQ(result.exitCode, 0) << result.output.substr(0, 500);
    const auto document = nlohmann::json::parse(result.output);
    ASSERT_GT(document["ids"].size(), 50000u);
    EXPECT_EQ(document["offsets"].back()[1].get<std::size_t>(), text.size()); // ASCII: characters = bytes
    // The same ids as --text gives for a piece short enough for the command line.
    auto shortFile =
        runProcess(kCli + " tokenize " + demo + " --text 'The secret number of Emma is 67047.' --json");
    ASSERT_EQ(shortFile.exitCode, 0) << shortFile.output;
    const auto shortIds = nlohmann::json::parse(shortFile.output)["ids"];
    for (std::size_t i = 0; i < shortIds.size(); ++i)
        EXPECT_EQ(document["ids"][i], shortIds[i]) << i;
    // SentencePiece BPE merges the whole text at once (no pre-tokenizer): with the Llama 2 tokenizer this
    // took over a minute for 56 kB before the merge queue, hours for 300 kB.
    const std::string llama2c = std::string(ATTNSCOPE_SHARED_DATA_DIR) + "/tokenizers/llama2c-tokenizer.bin";
    if (std::filesystem::exists(llama2c)) {
        auto spm = runProcess(kCli + " tokenize " + llama2c + " --text-file " + path.string() + " --json");
        ASSERT_EQ(spm.exitCode, 0) << spm.output.substr(0, 500);
        const auto spmDocument = nlohmann::json::parse(spm.output);
        EXPECT_GT(spmDocument["ids"].size(), 50000u);
        EXPECT_EQ(spmDocument["offsets"].back()[1].get<std::size_t>(), text.size());
    }
    auto neither = runProcess(kCli + " tokenize " + demo + " --json");
    EXPECT_EQ(neither.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(neither.output)["error"]["field"], "--text");
    auto both = runProcess(kCli + " tokenize " + demo + " --text a --text-file " + path.string(), true);
    EXPECT_NE(both.exitCode, 0);
    EXPECT_NE(both.output.find("excludes"), std::string::npos) << both.output;
    std::filesystem::remove(path);
}

TEST(Cli, RefusesBadOptionValuesByName) {
    const std::string demo = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
    struct Case {
        std::string arguments, expected;
    };
    const std::vector<Case> cases{
        {"analyze " + demo + " --sample short --window -5", "--window: must be at least 0, got -5"},
        {"analyze " + demo + " --sample short --razor-repeats 0",
         "--razor-repeats: Value 0 not in range 2 to 64"},
        {"analyze " + demo + " --sample short --flex-gamma 2",
         "--flex-gamma: must be between 0 and 1, got 2"},
        {"analyze " + demo + " --sample short --flex-tau nan", "--flex-tau: not a finite number: nan"},
        {"analyze " + demo + " --sample short --snap-capacities 256,-3",
         "--snap-capacities: must be greater than 0, got -3"},
        {"analyze " + demo + " --sample short --induction-ratio 7", "--induction-ratio"},
        {"analyze " + demo + " --sample short --act-alpha -1", "--act-alpha: must be greater than 0, got -1"},
        {"analyze " + demo + " --sample short --text hello", "--text excludes --sample"},
        {"generate " + demo + " --prompt hi --temperature -1 --seed 1",
         "--temperature: must be greater than 0"},
        {"generate " + demo + " --prompt hi --temperature 0.5 --top-k -4",
         "--top-k: must be at least 0, got -4"},
        {"bench attention --len 64 --threads -1", "--threads: Value -1 not in range 0 to 1024"},
        {"plugins --dir /nonexistent_attnscope_dir", "--dir: Directory does not exist"},
    };
    for (const Case& c : cases) {
        auto result = runProcess(kCli + " " + c.arguments, true);
        EXPECT_NE(result.exitCode, 0) << c.arguments;
        EXPECT_NE(result.output.find(c.expected), std::string::npos) << c.arguments << "\n" << result.output;
    }

    // An empty needle-prompt file is refused by name (it scored every head 0 from no samples).
    const auto emptyNeedles = std::filesystem::temp_directory_path() / "attnscope_cli_empty_needles.jsonl";
    std::ofstream(emptyNeedles) << "\n  \n";
    auto noNeedles = runProcess(kCli + " analyze " + demo +
                                    " --sample short --analyses retrieval --needles " + emptyNeedles.string(),
                                true);
    EXPECT_EQ(noNeedles.exitCode, 1) << noNeedles.output;
    EXPECT_NE(noNeedles.output.find("no needle prompts"), std::string::npos) << noNeedles.output;
    EXPECT_NE(noNeedles.output.find(emptyNeedles.string()), std::string::npos) << noNeedles.output;
    std::filesystem::remove(emptyNeedles);

    // --decode-rows 0 is allowed: it skips SnapKV and TokenSelect.
    auto noDecode =
        runProcess(kCli + " analyze " + demo + " --sample short --analyses sparsity --decode-rows 0 --json");
    EXPECT_EQ(noDecode.exitCode, 0) << noDecode.output;

    // A failed analysis leaves no project behind: the early check creates nothing.
    const auto fresh = std::filesystem::temp_directory_path() / "attnscope_cli_never_created.attnscope";
    std::filesystem::remove(fresh);
    auto failed = runProcess(
        kCli + " analyze /nonexistent_attnscope_model --tokens 1,2,3 --project " + fresh.string(), true);
    EXPECT_EQ(failed.exitCode, 1) << failed.output;
    EXPECT_FALSE(std::filesystem::exists(fresh));

    // A project that cannot be written is refused before the model is even read.
    auto project = runProcess(kCli + " analyze /nonexistent_attnscope_model --tokens 1,2,3 --project "
                                     "/nonexistent_attnscope_dir/p.attnscope --json",
                              false);
    EXPECT_EQ(project.exitCode, 1);
    const auto error = nlohmann::json::parse(project.output, nullptr, false);
    ASSERT_TRUE(error.is_object()) << project.output;
    EXPECT_EQ(error["error"]["field"], "--project") << project.output;

    // A benchmark larger than the machine: a JSON error naming the field, not an abort.
    auto huge = runProcess(kCli + " bench attention --len 100000000 --json", false);
    EXPECT_EQ(huge.exitCode, 1);
    const auto refusal = nlohmann::json::parse(huge.output, nullptr, false);
    ASSERT_TRUE(refusal.is_object()) << huge.output;
    EXPECT_EQ(refusal["error"]["code"], "out_of_memory");
    EXPECT_EQ(refusal["error"]["field"], "len");
}
