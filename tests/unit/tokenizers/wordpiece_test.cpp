// SPDX-License-Identifier: Apache-2.0
// WordPiece (BERT tokenizer.json): normalizer, pre-tokenizer, longest-match pieces, offsets, templates.
#include "attnscope/tokenizers/tokenizer.h"

#include <gtest/gtest.h>

namespace {

using namespace attnscope::tokenizers;

const char* kBertJson = R"({
  "added_tokens": [
    {"id": 0, "content": "[PAD]", "special": true}, {"id": 1, "content": "[UNK]", "special": true},
    {"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                 "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                       "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "the": 4, "quick": 5, "brown": 6, "fox": 7,
              "un": 8, "##aff": 9, "##able": 10, ",": 11, ".": 12, "ca": 13, "##fe": 14, "東": 15, "京": 16,
              "!": 17, "a": 18, "##b": 19}}
})";

std::unique_ptr<Tokenizer> bert() {
    auto tokenizer = parseTokenizerJson(kBertJson, "bert.json");
    EXPECT_TRUE(tokenizer) << tokenizer.status().toString();
    return tokenizer ? std::move(tokenizer).value() : nullptr;
}

TEST(WordPiece, SplitsPunctuationAndAddsClsSep) {
    auto tokenizer = bert();
    ASSERT_TRUE(tokenizer);
    auto encoding = tokenizer->encode("The quick,  brown fox!", true);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{2, 4, 5, 11, 6, 7, 17, 3}));
    EXPECT_EQ(encoding->offsets[1], Span(0, 3)); // "The", lowercased but pointing at the original
    EXPECT_EQ(encoding->offsets[3], Span(9, 10));
    EXPECT_EQ(encoding->offsets[6], Span(21, 22));
    EXPECT_EQ(encoding->offsets.front(), Span(0, 0));
    auto plain = tokenizer->encode("The quick", false);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->ids, (std::vector<int32_t>{4, 5}));
}

TEST(WordPiece, LongestMatchFirstWithContinuationPrefix) {
    auto tokenizer = bert();
    auto encoding = tokenizer->encode("unaffable", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{8, 9, 10}));
    EXPECT_EQ(encoding->offsets, (std::vector<Span>{{0, 2}, {2, 5}, {5, 9}}));
    auto decoded = tokenizer->decode(encoding->ids);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, "unaffable");
}

TEST(WordPiece, StripsAccentsAndKeepsOriginalOffsets) {
    auto tokenizer = bert();
    auto encoding = tokenizer->encode("Café", false);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{13, 14}));
    EXPECT_EQ(encoding->offsets, (std::vector<Span>{{0, 2}, {2, 5}})); // é is two bytes
}

TEST(WordPiece, ChineseCharactersAreWordsAndUnknownWordsAreUnk) {
    auto tokenizer = bert();
    auto encoding = tokenizer->encode("東京 xyz ab", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{15, 16, 1, 18, 19}));
    EXPECT_EQ(encoding->offsets[0], Span(0, 3));
    EXPECT_EQ(encoding->offsets[1], Span(3, 6));
    EXPECT_EQ(encoding->offsets[2], Span(7, 10)); // the whole unknown word
    auto decoded = tokenizer->decode(encoding->ids, /*skipSpecial=*/true);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, "東 京 ab");
}

TEST(WordPiece, ControlCharactersAreDroppedAndBadInputIsAnError) {
    auto tokenizer = bert();
    auto encoding = tokenizer->encode("the\x01 fox", false);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{4, 7}));
    EXPECT_FALSE(tokenizer->encode("bad \xff", false));
    auto broken =
        parseTokenizerJson(R"({"model": {"type": "WordPiece", "vocab": {"a": -1}}})", "broken.json");
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.status().toString().find("model.vocab"), std::string::npos);
    auto wrongNormalizer = parseTokenizerJson(
        R"({"normalizer": {"type": "NFKC"}, "model": {"type": "WordPiece", "vocab": {"a": 0}}})", "n.json");
    ASSERT_FALSE(wrongNormalizer);
    EXPECT_NE(wrongNormalizer.status().toString().find("normalizer.type"), std::string::npos);
}

} // namespace
