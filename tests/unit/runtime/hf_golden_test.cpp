// SPDX-License-Identifier: Apache-2.0
// The runtime against Hugging Face transformers itself (issue 3, acceptance 3): golden logits and
// attention probabilities written by scripts/hf-goldens.py on a host with `transformers` (random-init
// small models of every architecture, float32, eager attention), each next to the model directory that
// `save_pretrained` wrote. AttnScope loads that directory with its own loader and must agree within 1e-4.
// Skipped, saying how to make them, while tests/data/hf-goldens holds no golden files.
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace attnscope;

namespace {

/// Where the golden directories are; ATTNSCOPE_HF_GOLDEN_DIR in the environment overrides the
/// repository's (to check freshly generated files before committing them).
std::filesystem::path goldenRoot() {
    if (const char* dir = std::getenv("ATTNSCOPE_HF_GOLDEN_DIR"); dir && *dir)
        return dir;
    return ATTNSCOPE_HF_GOLDEN_DIR;
}

/// Every subdirectory with a golden.json, sorted.
std::vector<std::filesystem::path> goldenDirectories() {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(goldenRoot(), error))
        if (entry.is_directory() && std::filesystem::exists(entry.path() / "golden.json"))
            found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    return found;
}

} // namespace

TEST(HfGolden, LogitsAndAttentionMatchTransformers) {
    const auto directories = goldenDirectories();
    if (directories.empty())
        GTEST_SKIP() << "no golden files in " << goldenRoot().string()
                     << ": run scripts/hf-goldens.py on a host with transformers (scripts/gpu-check does)";
    for (const auto& directory : directories) {
        const std::string where = directory.filename().string();
        std::ifstream stream(directory / "golden.json");
        const nlohmann::json golden = nlohmann::json::parse(stream);
        const auto tokens = golden.at("tokens").get<std::vector<int32_t>>();
        const auto logits = golden.at("logits").get<std::vector<std::vector<float>>>();
        const auto attentions =
            golden.at("attentions").get<std::vector<std::vector<std::vector<std::vector<float>>>>>();
        auto model = runtime::Model::load(directory.string());
        ASSERT_TRUE(model) << where << ": " << model.status().toString();
        // Every layer's every head is compared: a golden file without them must not pass by comparing
        // nothing.
        ASSERT_EQ(attentions.size(), static_cast<std::size_t>((*model)->config().layers)) << where;
        for (const auto& layer : attentions)
            ASSERT_EQ(layer.size(), static_cast<std::size_t>((*model)->config().heads)) << where;

        runtime::ForwardOptions options;
        for (std::size_t layer = 0; layer < attentions.size(); ++layer)
            for (std::size_t head = 0; head < attentions[layer].size(); ++head)
                options.attentionMaps.push_back({static_cast<int>(layer), static_cast<int>(head)});
        auto result = runtime::forward(**model, tokens, options);
        ASSERT_TRUE(result) << where << ": " << result.status().toString();

        const std::size_t T = tokens.size();
        ASSERT_EQ(logits.size(), T) << where;
        const std::size_t vocab = logits[0].size();
        ASSERT_EQ(result->logits.size(), T * vocab) << where;
        double worstLogit = 0;
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t v = 0; v < vocab; ++v)
                worstLogit =
                    std::max(worstLogit, std::fabs(double(result->logits[t * vocab + v]) - logits[t][v]));
        EXPECT_LE(worstLogit, 1e-4) << where << ": logits (transformers " << golden.value("transformers", "?")
                                    << ")";
        for (const auto& [layer, head] : options.attentionMaps) {
            const auto& expected = attentions[layer][head];
            const auto& actual = result->attention.at({layer, head});
            ASSERT_EQ(actual.size(), T * T) << where;
            double worst = 0;
            for (std::size_t i = 0; i < T; ++i)
                for (std::size_t j = 0; j < T; ++j)
                    worst = std::max(worst, std::fabs(double(actual[i * T + j]) - expected[i][j]));
            EXPECT_LE(worst, 1e-4) << where << ": attention of layer " << layer << " head " << head;
        }
    }
}
