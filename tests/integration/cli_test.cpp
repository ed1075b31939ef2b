// SPDX-License-Identifier: Apache-2.0
// attnscope-cli as a user runs it: exit codes, --help, --version, the --json convention, model
// inspection, forward passes, generation, tokenization and refused option values.
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
    const attnscope::test::TinyModel tiny = attnscope::test::makeTinyModel({}, 5);
    const std::string gguf = writeTinyGguf(dir, tiny);

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
    const std::vector<attnscope::test::Refusal> cases{
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
    attnscope::test::expectRefusals(kCli + " ", cases);

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
