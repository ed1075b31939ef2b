// SPDX-License-Identifier: Apache-2.0
// The needle-in-a-haystack prompt generator with the project's own trained BPE (no model files needed).
#include "attnscope/analyses/needle_generator.h"
#include "attnscope/tokenizers/bpe_trainer.h"

#include <gtest/gtest.h>

using namespace attnscope;

namespace {

std::string haystack() {
    std::string text;
    for (int i = 0; i < 200; ++i)
        text += "The river runs past the mill number " + std::to_string(i) + ". Birds sing at dawn.\n";
    return text;
}

std::unique_ptr<tokenizers::Tokenizer> tokenizer() {
    tokenizers::BpeTrainerOptions options;
    options.vocabSize = 400;
    auto json = tokenizers::trainByteLevelBpe({haystack()}, options);
    EXPECT_TRUE(json);
    auto loaded = tokenizers::parseTokenizerJson(*json, "trained");
    EXPECT_TRUE(loaded);
    return std::move(loaded).value();
}

const analyses::NeedleSpec kNeedle{"The secret number of Alice is 48213.",
                                   "What is the secret number of Alice?", "48213"};

} // namespace

TEST(NeedleGenerator, PromptsFitTheLengthAndHoldTheNeedleAtItsDepth) {
    const auto t = tokenizer();
    auto prompts = analyses::generateNeedlePrompts(*t, haystack(), {kNeedle}, {100, 400}, {0.0, 0.5, 1.0});
    ASSERT_TRUE(prompts) << prompts.status().toString();
    ASSERT_EQ(prompts->size(), 6u);
    for (const auto& p : *prompts) {
        EXPECT_LE(p.contextTokens, p.targetTokens);
        EXPECT_GE(p.contextTokens, p.targetTokens - 8) << "the haystack should fill the context";
        EXPECT_EQ(p.prompt.substr(static_cast<std::size_t>(p.answerBegin), 5), "48213");
        EXPECT_NE(p.prompt.find("What is the secret number of Alice?"), std::string::npos);
        const std::size_t needleAt = p.prompt.find(kNeedle.needle),
                          questionAt = p.prompt.rfind("\n\nWhat is");
        ASSERT_NE(needleAt, std::string::npos);
        if (p.depth == 0.0) {
            EXPECT_LE(needleAt, 1u) << "depth 0: the needle opens the haystack";
        }
        if (p.depth == 1.0) { // after the last sentence of the haystack, right before the question
            EXPECT_EQ(p.prompt.find('.', needleAt + kNeedle.needle.size()), std::string::npos);
            EXPECT_GT(needleAt, questionAt / 2);
        }
    }
}

TEST(NeedleGenerator, BadSpecificationsNameTheField) {
    const auto t = tokenizer();
    auto noAnswer =
        analyses::generateNeedlePrompts(*t, haystack(), {{"The sky is blue.", "Q?", "green"}}, {100}, {0.5});
    ASSERT_FALSE(noAnswer);
    EXPECT_NE(noAnswer.status().toString().find("needles[0].answer"), std::string::npos);
    auto tooShort = analyses::generateNeedlePrompts(*t, haystack(), {kNeedle}, {5}, {0.5});
    ASSERT_FALSE(tooShort);
    EXPECT_NE(tooShort.status().toString().find("lengths"), std::string::npos);
    auto badDepth = analyses::generateNeedlePrompts(*t, haystack(), {kNeedle}, {100}, {1.5});
    ASSERT_FALSE(badDepth);
    EXPECT_NE(badDepth.status().toString().find("depths"), std::string::npos);
    EXPECT_FALSE(analyses::generateNeedlePrompts(*t, "", {kNeedle}, {100}, {0.5}));
}
