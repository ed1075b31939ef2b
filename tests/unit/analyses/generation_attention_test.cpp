// SPDX-License-Identifier: Apache-2.0
// Attention during generation against the dense attention of the whole sequence run at once: every
// step's rows (token-0 mass, entropy, top keys) are the rows of the positions that chose each token.
#include "attnscope/analyses/generation_attention.h"
#include "attnscope/runtime/forward.h"

#include "../../support/temp_dir.h"
#include "../../support/tiny_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace attnscope;
using namespace attnscope::analyses;

namespace {

class GenerationAttentionTest : public test::TempDirTest {
protected:
    std::shared_ptr<const runtime::Model> load() {
        test::writeHfDirectory(test::makeTinyModel(test::TinyConfig{}), (m_dir / "tiny").string());
        auto model = runtime::Model::load((m_dir / "tiny").string());
        EXPECT_TRUE(model) << model.status().toString();
        return model ? *model : nullptr;
    }
};

const std::vector<int32_t> kPrompt = {1, 5, 3, 9, 0, 2};

} // namespace

TEST_F(GenerationAttentionTest, StepsHoldTheRowsThatChoseEachToken) {
    const auto model = load();
    ASSERT_TRUE(model);
    runtime::GenerateOptions options;
    options.maxNewTokens = 5;
    auto trace = generateWithAttention(model, kPrompt, options, 3);
    ASSERT_TRUE(trace) << trace.status().toString();
    auto plain = runtime::generate(model, kPrompt, options);
    ASSERT_TRUE(plain);
    EXPECT_EQ(trace->generated(), *plain);
    ASSERT_EQ(trace->steps.size(), 5u);
    const int layers = model->config().layers, heads = model->config().heads;

    // The whole sequence but its last token, in one pass, with every head's dense map.
    std::vector<int32_t> sequence = kPrompt;
    sequence.insert(sequence.end(), plain->begin(), plain->end() - 1);
    runtime::ForwardOptions dense;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h)
            dense.attentionMaps.emplace_back(l, h);
    auto full = runtime::forward(*model, sequence, dense);
    ASSERT_TRUE(full) << full.status().toString();
    const int T = static_cast<int>(sequence.size());
    for (int s = 0; s < 5; ++s) {
        const GenerationStep& step = trace->steps[static_cast<std::size_t>(s)];
        EXPECT_EQ(step.row, static_cast<int>(kPrompt.size()) - 1 + s);
        for (int l = 0; l < layers; ++l)
            for (int h = 0; h < heads; ++h) {
                const float* row = full->attention.at({l, h}).data() + static_cast<std::size_t>(step.row) * T;
                const HeadStepAttention& a = trace->at(s, l, h);
                EXPECT_NEAR(a.sinkMass, row[0], 1e-5);
                double entropy = 0;
                std::vector<int> order(static_cast<std::size_t>(step.row) + 1);
                std::iota(order.begin(), order.end(), 0);
                for (int j : order)
                    entropy -= row[j] > 0 ? row[j] * std::log(row[j]) : 0.0;
                EXPECT_NEAR(a.entropy, entropy, 1e-4);
                std::stable_sort(order.begin(), order.end(), [row](int x, int y) { return row[x] > row[y]; });
                ASSERT_EQ(a.keys.size(), std::min<std::size_t>(3, order.size()));
                for (std::size_t k = 0; k < a.keys.size(); ++k) {
                    EXPECT_NEAR(a.probabilities[k], row[order[k]], 1e-5);
                    EXPECT_NEAR(row[a.keys[k]], a.probabilities[k], 1e-5) << "the key's own probability";
                    EXPECT_LE(a.keys[k], step.row) << "causal";
                }
            }
    }
    EXPECT_NEAR(trace->meanSinkMass(1, 2),
                (trace->at(0, 1, 2).sinkMass + trace->at(1, 1, 2).sinkMass + trace->at(2, 1, 2).sinkMass +
                 trace->at(3, 1, 2).sinkMass + trace->at(4, 1, 2).sinkMass) /
                    5.0,
                1e-6);

    const nlohmann::json json = generationAttentionToJson(*trace, {"<s>", "a"});
    EXPECT_EQ(json["steps"].size(), 5u);
    EXPECT_EQ(json["steps"][0]["heads"].size(), static_cast<std::size_t>(layers * heads));
    EXPECT_EQ(json["texts"].size(), kPrompt.size() + 5);
    EXPECT_EQ(json["texts"][1], "a");
    EXPECT_EQ(json["mean_sink_mass"].size(), static_cast<std::size_t>(layers));
}

TEST_F(GenerationAttentionTest, SamplingStopTokensAndBadRequests) {
    const auto model = load();
    ASSERT_TRUE(model);
    runtime::GenerateOptions options;
    options.maxNewTokens = 8;
    options.greedy = false;
    options.temperature = 1.5;
    options.seed = 7;
    auto sampled = generateWithAttention(model, kPrompt, options, 2);
    ASSERT_TRUE(sampled) << sampled.status().toString();
    auto plain = runtime::generate(model, kPrompt, options);
    ASSERT_TRUE(plain);
    EXPECT_EQ(sampled->generated(), *plain) << "the same seed draws the same tokens";

    options.stopToken = (*plain)[2];
    auto stopped = generateWithAttention(model, kPrompt, options, 2);
    ASSERT_TRUE(stopped);
    const auto first = std::find(plain->begin(), plain->end(), *options.stopToken);
    EXPECT_EQ(stopped->steps.size(), static_cast<std::size_t>(first - plain->begin()) + 1);

    options.maxNewTokens = 0;
    auto none = generateWithAttention(model, kPrompt, options, 2);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->steps.empty());
    EXPECT_EQ(none->meanSinkMass(0, 0), 0.0);
    EXPECT_EQ(generateWithAttention(model, kPrompt, options, 0).status().field(), "attention_top");
    EXPECT_EQ(generateWithAttention(model, kPrompt, options, 257).status().field(), "attention_top");
    options.maxNewTokens = 3;
    EXPECT_FALSE(generateWithAttention(model, {99}, options, 2)) << "a token outside the vocabulary";
    // Sparse attention would make the traced rows differ from the ones the model used: refused.
    runtime::GenerateOptions windowed = options;
    windowed.interventions.streaming = runtime::StreamingAttention{1, 2};
    EXPECT_EQ(generateWithAttention(model, kPrompt, windowed, 2).status().field(), "attention_top");
    // A trace past 2^28 kept keys is refused before anything runs.
    runtime::GenerateOptions huge = options;
    huge.maxNewTokens = 1 << 24;
    EXPECT_EQ(generateWithAttention(model, kPrompt, huge, 256).status().field(), "attention_top");
}
