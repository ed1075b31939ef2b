// SPDX-License-Identifier: Apache-2.0
// Byte-level BPE from tokenizer.json on a vocabulary small enough to work out by hand.
#include "attnscope/tokenizers/tokenizer.h"

#include <gtest/gtest.h>

using namespace attnscope;
using tokenizers::Span;

namespace {

// Byte-level symbols: 'Ġ' is the space byte. Merges: "h e" < "l l" < "he ll" < "Ġ w" < "hell o".
const char* kTokenizer = R"({
  "version": "1.0", "normalizer": null,
  "added_tokens": [{"id": 100, "content": "<|bos|>", "special": true},
                   {"id": 101, "content": "<|end|>", "special": true}],
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": {"type": "TemplateProcessing",
                     "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                     "special_tokens": {"<|bos|>": {"id": "<|bos|>", "ids": [100], "tokens": ["<|bos|>"]}}},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "Ġ": 4, "w": 5, "r": 6, "d": 7, "!": 8,
                                     "he": 9, "ll": 10, "hell": 11, "Ġw": 12, "hello": 13, "Ã": 14, "©": 15},
            "merges": ["h e", "l l", "he ll", "Ġ w", ["hell", "o"]]}
})";

std::unique_ptr<tokenizers::Tokenizer> load() {
    auto tokenizer = tokenizers::parseTokenizerJson(kTokenizer, "tiny.json");
    EXPECT_TRUE(tokenizer) << tokenizer.status().toString();
    return tokenizer ? std::move(tokenizer).value() : nullptr;
}

} // namespace

TEST(ByteLevelBpe, MergesByRankAndReportsByteOffsets) {
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    auto encoding = tokenizer->encode("hello world!", /*addSpecialTokens=*/false);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    // "hello" | " world" | "!": hello -> 13; " world" -> Ġw o r l d; "!" -> 8
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{13, 12, 3, 6, 2, 7, 8}));
    EXPECT_EQ(encoding->offsets,
              (std::vector<Span>{{0, 5}, {5, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 11}, {11, 12}}));
}

TEST(ByteLevelBpe, TemplateAddsBosAndAddedTokensSplitTheText) {
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    auto encoding = tokenizer->encode("hell<|end|>o", true);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{100, 11, 101, 3}));
    EXPECT_EQ(encoding->offsets, (std::vector<Span>{{0, 0}, {0, 4}, {4, 11}, {11, 12}}));
    auto decoded = tokenizer->decode(encoding->ids);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, "<|bos|>hell<|end|>o");
    EXPECT_EQ(*tokenizer->decode(encoding->ids, /*skipSpecial=*/true), "hello");
}

TEST(ByteLevelBpe, MultiByteCharactersMapToBytesAndBack) {
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    auto encoding = tokenizer->encode("\xC3\xA9", false); // é = C3 A9 -> "Ã" "©"
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{14, 15}));
    EXPECT_EQ(*tokenizer->decode(encoding->ids), "\xC3\xA9");
    // Offsets in code points: both halves of é belong to character 0.
    EXPECT_EQ(tokenizers::toCodePointOffsets("\xC3\xA9", encoding->offsets),
              (std::vector<Span>{{0, 1}, {0, 1}}));
}

TEST(ByteLevelBpe, InvalidUtf8IsAnErrorWithTheOffset) {
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    for (const char* bad : {"ab\xFF", "a\xC3", "\xED\xA0\x80" /* surrogate */, "\xC0\xAF" /* overlong */}) {
        auto encoding = tokenizer->encode(bad, false);
        ASSERT_FALSE(encoding) << bad;
        EXPECT_NE(encoding.status().message().find("invalid UTF-8 at byte"), std::string::npos);
    }
}

TEST(ByteLevelBpe, DecodingUnknownIdsIsAnError) {
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    EXPECT_EQ(tokenizer->decode({99}).status().field(), "ids"); // a gap in the id space
    EXPECT_EQ(tokenizer->decode({-1}).status().field(), "ids");
    EXPECT_EQ(tokenizer->vocabSize(), 102);
}

TEST(TokenizerJson, UnsupportedPartsNameTheirField) {
    struct Case {
        const char* json;
        const char* field;
    };
    const Case cases[] = {
        {R"({"normalizer": {"type": "Lowercase"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
         "normalizer.type"},
        {R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})", "model.type"},
        // Byte fallback needs SentencePiece's whitespace handling and all 256 byte pieces.
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}})",
         "normalizer"},
        {R"({"pre_tokenizer": {"type": "Metaspace", "split": false},
             "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}})",
         "pieces"},
        {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})", "model.vocab"},
        {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["nospace"]}})", "model.merges"},
        // Regression (found by fuzz_tokenizer_json): a float id out of int range was undefined behaviour.
        {R"({"added_tokens": [{"id": 2.3e34, "content": "x"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
         "added_tokens"},
        {R"({"model": {"type": "BPE", "vocab": {"a": 1.5}, "merges": []}})", "model.vocab"},
        // Regression (fuzz_tokenizer_json): a float added-token id in the byte-fallback loader.
        {R"({"added_tokens": [{"id": 1.7e51, "content": "<s>", "special": true}],
             "pre_tokenizer": {"type": "Metaspace", "split": false},
             "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}})",
         "added_tokens"},
        // Regression (fuzz_tokenizer_json): a template's special token id past the vocabulary was emitted.
        {R"({"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}},
             {"Sequence": {"id": "A"}}], "special_tokens": {"<s>": {"ids": [8]}}},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})",
         "post_processor"},
        {R"({"post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1], "sep": ["[SEP]", 99]},
             "model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "a": 2}}})",
         "post_processor"},
        // Regressions (fuzz_tokenizer_json): fields of an unexpected JSON type threw out of the parser.
        {R"({"model": {"type": []}})", ""},
        {R"({"normalizer": {"type": "Sequence", "normalizers": 7},
             "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}})",
         ""},
        {R"({"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
         "pre_tokenizer.type"},
        {R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"},
             "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
         "pre_tokenizer.pattern"},
    };
    for (const Case& c : cases) {
        auto tokenizer = tokenizers::parseTokenizerJson(c.json, "t.json");
        ASSERT_FALSE(tokenizer) << c.json;
        EXPECT_EQ(tokenizer.status().file(), "t.json");
        EXPECT_EQ(tokenizer.status().field(), c.field) << tokenizer.status().toString();
    }
    EXPECT_EQ(tokenizers::parseTokenizerJson("{oops", "t.json").status().code(), StatusCode::ParseError);
    // The float id is refused as such (on x86 the undefined conversion happened to give INT64_MIN, which
    // the range check then caught under the same field).
    auto floatId = tokenizers::parseTokenizerJson(
        R"({"added_tokens": [{"id": 1.7e51, "content": "<s>", "special": true}],
            "pre_tokenizer": {"type": "Metaspace", "split": false},
            "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}})",
        "t.json");
    ASSERT_FALSE(floatId);
    EXPECT_NE(floatId.status().message().find("not an integer"), std::string::npos)
        << floatId.status().toString();
}

TEST(Utf8, CodePointOffsetsCountCharacters) {
    const std::string text = "a\xC3\xA9\xF0\x9F\x98\x80z"; // a é 😀 z
    const std::vector<Span> bytes = {{0, 1}, {1, 3}, {3, 7}, {7, 8}};
    EXPECT_EQ(tokenizers::toCodePointOffsets(text, bytes),
              (std::vector<Span>{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
    EXPECT_TRUE(tokenizers::validateUtf8(text).isOk());
}

TEST(Nfc, ComposesAndMapsOffsetsBackToTheOriginalBytes) {
    // "e" + combining acute (U+0301) composes to U+00E9; the rest is unchanged.
    const std::string text = "ae\xCC\x81z";
    const std::string json = R"({"normalizer": {"type": "NFC"},
      "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false},
      "model": {"type": "BPE", "vocab": {"a": 0, "z": 1, "Ã": 2, "©": 3, "Ã©": 4}, "merges": ["Ã ©"]}})";
    auto tokenizer = tokenizers::parseTokenizerJson(json, "nfc.json");
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    auto encoding = (*tokenizer)->encode(text, false);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{0, 4, 1})); // a, é (composed: C3 A9), z
    // é covers the original "e" + U+0301: bytes [1, 4).
    EXPECT_EQ(encoding->offsets, (std::vector<Span>{{0, 1}, {1, 4}, {4, 5}}));
}

TEST(ByteLevelBpe, RepeatedPiecesGiveTheSameIdsAndShiftedOffsets) {
    // The second "hello" comes from the merge cache: same ids, offsets at its own position.
    auto tokenizer = load();
    ASSERT_TRUE(tokenizer);
    auto encoding = tokenizer->encode("hello hello hello", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{13, 4, 13, 4, 13}));
    EXPECT_EQ(encoding->offsets, (std::vector<Span>{{0, 5}, {5, 6}, {6, 11}, {11, 12}, {12, 17}}));
}

TEST(ByteLevelBpe, PrefixSpaceDoesNotLeakThroughTheCache) {
    // With add_prefix_space, "w" at the start gets a virtual space; " w" later has a real one. Both merge
    // to "Ġw", but only the real space covers a byte.
    std::string json = kTokenizer;
    json.replace(json.find("\"add_prefix_space\": false"), 25, "\"add_prefix_space\": true");
    auto tokenizer = tokenizers::parseTokenizerJson(json, "prefix.json");
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    for (int round = 0; round < 2; ++round) { // the second round is served from the cache
        auto first = (*tokenizer)->encode("w", false);
        ASSERT_TRUE(first);
        EXPECT_EQ(first->ids, std::vector<int32_t>{12});
        EXPECT_EQ(first->offsets, (std::vector<Span>{{0, 1}}));
        auto second = (*tokenizer)->encode("h w", false);
        ASSERT_TRUE(second);
        EXPECT_EQ(second->ids, (std::vector<int32_t>{4, 0, 12}));
        EXPECT_EQ(second->offsets, (std::vector<Span>{{0, 0}, {0, 1}, {1, 3}}));
    }
}
