// SPDX-License-Identifier: Apache-2.0
#include "attnscope/tokenizers/bpe_trainer.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace attnscope;
using namespace attnscope::tokenizers;

std::vector<std::string> corpus() {
    return {"the cat sat on the mat. the cat ate 42 rats.", "then the other cat sat there, then left.",
            "über café naïve — 東京 the the the"};
}

std::unique_ptr<Tokenizer> load(const std::string& json) {
    auto tokenizer = parseTokenizerJson(json, "trained");
    EXPECT_TRUE(tokenizer) << tokenizer.status().toString();
    return tokenizer ? std::move(tokenizer).value() : nullptr;
}

TEST(BpeTrainer, WritesATokenizerJsonThatRoundTrips) {
    BpeTrainerOptions options;
    options.vocabSize = 300;
    auto json = trainByteLevelBpe(corpus(), options);
    ASSERT_TRUE(json) << json.status().toString();
    auto tokenizer = load(*json);
    ASSERT_TRUE(tokenizer);
    EXPECT_LE(tokenizer->vocabSize(), 300);
    EXPECT_GT(tokenizer->vocabSize(), 258); // some merges were learnt
    for (const std::string& text :
         {std::string("the cat sat"), std::string("über 東京 12345 !?"), std::string("")}) {
        auto encoding = tokenizer->encode(text, false);
        ASSERT_TRUE(encoding);
        auto decoded = tokenizer->decode(encoding->ids);
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, text);
    }
}

TEST(BpeTrainer, SpecialTokensComeFirstAndBosIsPrepended) {
    auto json = trainByteLevelBpe(corpus());
    ASSERT_TRUE(json);
    auto tokenizer = load(*json);
    EXPECT_EQ(tokenizer->tokenText(0), "<|bos|>");
    EXPECT_EQ(tokenizer->tokenText(1), "<|eos|>");
    auto encoding = tokenizer->encode("the cat", true);
    ASSERT_TRUE(encoding);
    ASSERT_FALSE(encoding->ids.empty());
    EXPECT_EQ(encoding->ids.front(), 0);
    EXPECT_EQ(encoding->offsets.front(), Span(0, 0));
}

TEST(BpeTrainer, MergesTheMostFrequentPairFirst) {
    auto json = trainByteLevelBpe({"ab ab ab ab cd cd"});
    ASSERT_TRUE(json);
    const auto root = nlohmann::json::parse(*json);
    ASSERT_FALSE(root["model"]["merges"].empty());
    // Pieces: "ab", " ab" x3, " cd" x2: (a, b) occurs 4 times, (Ġ, a) 3 times.
    EXPECT_EQ(root["model"]["merges"][0].get<std::string>(), "a b");
    EXPECT_EQ(root["model"]["merges"][1].get<std::string>(), "Ġ ab");
    auto tokenizer = load(*json);
    auto encoding = tokenizer->encode(" ab", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids.size(), 1u);
}

TEST(BpeTrainer, SplitsDigitsOneByOne) {
    std::vector<std::string> numbers(50, "12 12 12 1212 12345");
    auto json = trainByteLevelBpe(numbers);
    ASSERT_TRUE(json);
    auto tokenizer = load(*json);
    auto encoding = tokenizer->encode("12345", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids.size(), 5u);
}

TEST(BpeTrainer, IsDeterministic) {
    auto a = trainByteLevelBpe(corpus()), b = trainByteLevelBpe(corpus());
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
}

TEST(BpeTrainer, StopsWhenNoPairIsFrequentEnough) {
    BpeTrainerOptions options;
    options.minFrequency = 1000;
    auto json = trainByteLevelBpe(corpus(), options);
    ASSERT_TRUE(json);
    EXPECT_TRUE(nlohmann::json::parse(*json)["model"]["merges"].empty());
    EXPECT_EQ(load(*json)->vocabSize(), 258);
}

TEST(BpeTrainer, RejectsInvalidUtf8AndTooSmallVocabularies) {
    auto bad = trainByteLevelBpe({"fine", std::string("bad \xff byte")});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().toString().find("documents[1]"), std::string::npos) << bad.status().toString();
    BpeTrainerOptions options;
    options.vocabSize = 100;
    auto tiny = trainByteLevelBpe(corpus(), options);
    ASSERT_FALSE(tiny);
    EXPECT_NE(tiny.status().toString().find("vocab_size"), std::string::npos);
}

} // namespace
