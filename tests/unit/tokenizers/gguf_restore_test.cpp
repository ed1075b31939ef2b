// SPDX-License-Identifier: Apache-2.0
// The restoration of text-converted GGUF files (tests/support/gguf_restore.h), on files built here and
// damaged by the same conversion, so that every restored value can be compared with the original.
#include "attnscope/model/gguf.h"

#include "../../support/format_writers.h"
#include "../../support/gguf_restore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace attnscope;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string asString(const test::Bytes& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

model::GgufFile parse(const std::string& bytes) {
    auto gguf =
        model::parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "restored.gguf");
    EXPECT_TRUE(gguf) << gguf.status().toString();
    return gguf ? std::move(*gguf) : model::GgufFile{};
}

std::vector<std::string> tokens() {
    std::vector<std::string> list;
    for (int i = 0; i < 199; ++i)
        list.push_back("t" + std::to_string(i));
    std::string longToken;
    for (int i = 0; i < 65; ++i)
        longToken += "\xC3\xA9"; // é: 130 bytes, so its u64 length 0x82 loses a byte
    list[57] = longToken;
    list[58] = kFffd; // the character U+FFFD itself, which the conversion keeps
    list.push_back("<|end|>");
    return list; // 200 entries: the count 0xC8 loses a byte
}

std::vector<float> scores() {
    std::vector<float> values;
    for (int i = 0; i < 200; ++i)
        values.push_back(-static_cast<float>(i) - 0.25f); // most lose bytes (e.g. -3.25 = 0xC0500000)
    return values;
}

/// A vocabulary-only GGUF whose counts, a string length, floats and a token id all lose bytes.
test::Bytes vocabularyFile(bool withEos = true) {
    test::GgufBuilder builder;
    builder.addString("general.architecture", "llama");
    builder.addUInt32("llama.embedding_length", 384);                    // 0x180: a lost byte
    builder.addFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f); // AC C5 27 37: two
    builder.addStringArray("tokenizer.ggml.tokens", tokens());
    builder.addFloat32Array("tokenizer.ggml.scores", scores());
    std::vector<int32_t> types(200, 1);
    types[199] = 3; // control
    builder.addInt32Array("tokenizer.ggml.token_type", types);
    builder.addString("tokenizer.ggml.model", "llama");
    if (withEos)
        builder.addUInt32("tokenizer.ggml.eos_token_id", 199); // 0xC7: a lost byte
    return builder.build();
}

test::FloatCandidates exactScoresAfterAWrongOne() {
    return [](std::size_t index) {
        return std::vector<float>{1000.5f, scores()[index]};
    };
}

} // namespace

TEST(MangleAsText, ReplacesEachMaximalIllFormedSubpart) {
    using test::mangleAsText;
    EXPECT_EQ(mangleAsText("plain ASCII"), "plain ASCII");
    EXPECT_EQ(mangleAsText("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80"); // valid: kept
    EXPECT_EQ(mangleAsText(std::string("\xC4\x00", 2)), kFffd + std::string(1, '\0')); // lead without tail
    EXPECT_EQ(mangleAsText("\xE4\xB8"
                           "A"),
              kFffd + "A");                             // a truncated 3-byte sequence: one U+FFFD
    EXPECT_EQ(mangleAsText("\x80\xBF"), kFffd + kFffd); // stray continuation bytes: one each
    EXPECT_EQ(mangleAsText("\xC0\xAF"), kFffd + kFffd); // overlong lead: never valid
    EXPECT_EQ(mangleAsText("\xED\xA0\x80"),
              kFffd + kFffd + kFffd); // a surrogate: ED's second byte ends at 9F
    EXPECT_EQ(mangleAsText("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd); // past U+10FFFF
    EXPECT_EQ(mangleAsText("\xF0\x9F\x98"), kFffd);                             // truncated at the end
}

TEST(GgufRestore, RestoresCountsLengthsScoresAndTokenIdsOfAConvertedFile) {
    const std::string original = asString(vocabularyFile());
    const std::string damaged = test::mangleAsText(original);
    ASSERT_NE(damaged, original);
    ASSERT_FALSE(
        model::parseGguf(reinterpret_cast<const std::byte*>(damaged.data()), damaged.size(), "damaged.gguf"));

    const test::GgufRestoration restoration =
        test::restoreTextMangledGguf(damaged, {{"tokenizer.ggml.scores", exactScoresAfterAWrongOne()}});
    ASSERT_TRUE(restoration.error.empty()) << restoration.error;
    EXPECT_EQ(test::mangleAsText(restoration.bytes), damaged);
    ASSERT_EQ(restoration.bytes.size(), original.size());

    // Every byte a tokenizer reads is the original's; only the epsilon, a value no tokenizer reads and
    // that the conversion left undecidable, differs.
    const model::GgufFile restored = parse(restoration.bytes);
    const model::GgufFile expected = parse(original);
    for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"}) {
        const model::GgufValue* got = restored.find(key);
        const model::GgufValue* want = expected.find(key);
        ASSERT_TRUE(got && want) << key;
        ASSERT_EQ(got->array.size(), want->array.size()) << key;
        for (std::size_t i = 0; i < want->array.size(); ++i)
            EXPECT_EQ(got->array[i].scalar, want->array[i].scalar) << key << "[" << i << "]";
    }
    EXPECT_EQ(restored.find("tokenizer.ggml.eos_token_id")->toInt(), 199);
    EXPECT_EQ(restored.find("llama.embedding_length")->toInt(),
              384); // the first candidate, 0x80, is right here
    EXPECT_NE(restored.find("llama.attention.layer_norm_rms_epsilon")->toDouble(), 1e-5f);

    auto noted = [&](const std::string& text) {
        return std::any_of(restoration.restored.begin(), restoration.restored.end(),
                           [&](const std::string& line) { return line.find(text) != std::string::npos; });
    };
    EXPECT_TRUE(noted("tokenizer.ggml.tokens: array count 200 (from the structure)"));
    EXPECT_TRUE(noted("tokenizer.ggml.tokens: 1 string lengths (from the structure)"));
    EXPECT_TRUE(noted("tokenizer.ggml.token_type: array count 200"));
    EXPECT_TRUE(noted("tokenizer.ggml.scores: "));
    EXPECT_TRUE(noted("tokenizer.ggml.eos_token_id: 199 (the only control token that fits)"));
    EXPECT_TRUE(noted("llama.attention.layer_norm_rms_epsilon: value unknown"));
}

TEST(GgufRestore, RefusesWhatTheSurvivingBytesDoNotDecide) {
    const std::string damaged = test::mangleAsText(asString(vocabularyFile()));

    // Lost score bytes and no candidates: a tokenizer value cannot be guessed.
    test::GgufRestoration noCandidates = test::restoreTextMangledGguf(damaged);
    EXPECT_TRUE(noCandidates.bytes.empty());
    EXPECT_NE(noCandidates.error.find("tokenizer.ggml.scores[0]: bytes lost and no candidate values given"),
              std::string::npos)
        << noCandidates.error;

    // Candidates that contradict the surviving bytes.
    test::GgufRestoration wrong =
        test::restoreTextMangledGguf(damaged, {{"tokenizer.ggml.scores", [](std::size_t) {
                                                    return std::vector<float>{-7.75f};
                                                }}});
    EXPECT_NE(wrong.error.find("no candidate value fits the surviving bytes"), std::string::npos)
        << wrong.error;

    // A token id whose lost byte two control tokens could fill.
    test::GgufBuilder builder;
    std::vector<std::string> list = tokens();
    builder.addStringArray("tokenizer.ggml.tokens", list);
    std::vector<int32_t> types(200, 1);
    types[0x81] = 3;
    types[0x82] = 3;
    builder.addInt32Array("tokenizer.ggml.token_type", types);
    builder.addUInt32("tokenizer.ggml.bos_token_id", 0x81);
    const test::GgufRestoration ambiguous =
        test::restoreTextMangledGguf(test::mangleAsText(asString(builder.build())));
    EXPECT_NE(
        ambiguous.error.find("tokenizer.ggml.bos_token_id: bytes lost, and more than one control token fits"),
        std::string::npos)
        << ambiguous.error;

    // Not a GGUF file at all.
    EXPECT_NE(test::restoreTextMangledGguf("GGUX" + std::string(40, '\0')).error.find("not a GGUF file"),
              std::string::npos);
}
