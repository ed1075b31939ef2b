// SPDX-License-Identifier: Apache-2.0
// The SentencePiece-BPE tokenizer, read from the Llama 2 .model and from llama2.c's tokenizer.bin, against
// libsentencepiece itself (run as a separate program) on 300+ strings (shared/data/tokenizers).
#include "attnscope/model/gguf.h"
#include "attnscope/tokenizers/tokenizer.h"

#include "../../support/format_writers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace attnscope;

namespace {

const std::string kData = ATTNSCOPE_SHARED_DATA_DIR "/tokenizers";

std::vector<std::string> testStrings() {
    std::vector<std::string> strings = {"Hello world",
                                        " leading space",
                                        "trailing space ",
                                        "It's a test, isn't it?",
                                        "I'd've thought so.",
                                        "numbers 1234567 and 3.14159",
                                        "2026-11-28",
                                        "$19.99",
                                        "  two spaces",
                                        "a  b   c",
                                        "tabs\tand\ttabs",
                                        "line\nbreak",
                                        "two\n\nbreaks",
                                        "\r\nwindows",
                                        "naïve café résumé",
                                        "Zürich Straße",
                                        "Привет, мир!",
                                        "Γειά σου Κόσμε",
                                        "שלום עולם",
                                        "مرحبا",
                                        "नमस्ते",
                                        "你好世界",
                                        "日本語のテキスト",
                                        "한국어",
                                        "😀",
                                        "emoji 😀🎉👍",
                                        "👨‍👩‍👧‍👦",
                                        "∑∫∂√∞",
                                        "«quotes»",
                                        "def f(x):\n    return x**2",
                                        "for (int i = 0; i < n; ++i) {}",
                                        "<s> </s> <unk>",
                                        "<0x41>",
                                        "▁already▁marked",
                                        "a",
                                        ".",
                                        "...",
                                        "CamelCaseWord",
                                        "snake_case",
                                        "e\u0301",
                                        "ｆｕｌｌｗｉｄｔｈ",
                                        "\u00A0nbsp",
                                        "x\u200By zero-width"};
    const std::vector<std::string> pool = {"the", " and", " of", "token", " attention", "123", " 4567", " ",
                                           "  ",  "\n",   "\t",  "😀",     "你好",       "é",   "ß",     "()",
                                           "::",  "->",   "'s",  "'ll",   "Ω",          "ü",   "𝔘"};
    std::mt19937 generator(20261128);
    for (int i = 0; i < 280; ++i) {
        std::string text;
        const int parts = 2 + static_cast<int>(generator() % 8);
        for (int p = 0; p < parts; ++p)
            text += pool[generator() % pool.size()];
        strings.push_back(text);
    }
    return strings;
}

/// Runs the reference program (libsentencepiece in its own process); its standard output.
std::string runReference(const std::string& arguments) {
#ifndef ATTNSCOPE_SPM_REFERENCE
    (void)arguments;
    return {};
#else
    FILE* pipe = popen((std::string(ATTNSCOPE_SPM_REFERENCE) + " " + arguments).c_str(), "r");
    std::string output;
    char buffer[65536];
    std::size_t n;
    while (pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        output.append(buffer, n);
    if (pipe)
        pclose(pipe);
    return output;
#endif
}

/// libsentencepiece's ids (with BOS) for `strings` with the Llama 2 model, from the reference program.
std::vector<std::vector<int32_t>> referenceIds(const std::vector<std::string>& strings) {
    const auto input = std::filesystem::temp_directory_path() / "attnscope_spm_strings.json";
    std::ofstream(input) << nlohmann::json(strings).dump();
    const std::string output = runReference(kData + "/llama2-tokenizer.model " + input.string());
    std::filesystem::remove(input);
    const auto parsed = nlohmann::json::parse(output, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        return {};
    return parsed.get<std::vector<std::vector<int32_t>>>();
}

} // namespace

TEST(SentencePiece, ModelAndLlama2cFilesMatchLibsentencepiece) {
    if (!std::filesystem::exists(kData + "/llama2-tokenizer.model"))
        GTEST_SKIP() << "shared data not found at " << kData;
    const auto strings = testStrings();
    ASSERT_GE(strings.size(), 300u);
    const auto expected = referenceIds(strings);
    ASSERT_EQ(expected.size(), strings.size()) << "the libsentencepiece reference program produced no ids";
    auto fromModel = tokenizers::loadSentencePieceModel(kData + "/llama2-tokenizer.model");
    ASSERT_TRUE(fromModel) << fromModel.status().toString();
    auto fromLlama2c = tokenizers::loadLlama2cTokenizer(kData + "/llama2c-tokenizer.bin");
    ASSERT_TRUE(fromLlama2c) << fromLlama2c.status().toString();
    EXPECT_EQ((*fromModel)->vocabSize(), 32000);
    EXPECT_EQ((*fromLlama2c)->vocabSize(), 32000);
    int mismatches = 0;
    for (std::size_t i = 0; i < strings.size(); ++i) {
        for (const auto* tokenizer : {fromModel->get(), fromLlama2c->get()}) {
            auto got = tokenizer->encode(strings[i], true);
            ASSERT_TRUE(got) << strings[i];
            if (got->ids != expected[i]) {
                ++mismatches;
                ADD_FAILURE() << "ids differ for \"" << strings[i] << "\"";
            }
            if (strings[i].find("\xE2\x96\x81") == std::string::npos) { // "▁" decodes as a space, by design
                EXPECT_EQ(*tokenizer->decode(got->ids, /*skipSpecial=*/true), strings[i]);
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(SentencePiece, UnigramModelsMatchLibsentencepieceIdsAndOffsets) {
#ifndef ATTNSCOPE_SPM_REFERENCE
    GTEST_SKIP() << "libsentencepiece (the reference) is not installed";
#else
    // Two unigram models trained by libsentencepiece on the bundled long sample plus a few lines of other
    // scripts: the default (nmt_nfkc character map, dummy prefix, whitespace cleanup), and identity
    // normalization with byte fallback, no dummy prefix and whitespace kept as it is.
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_unigram";
    std::filesystem::create_directories(dir);
    const auto corpus = dir / "corpus.txt";
    {
        std::ifstream sample(ATTNSCOPE_RESOURCES_DIR "/samples/long.txt");
        std::ofstream out(corpus);
        out << sample.rdbuf()
            << "\nnaïve café résumé Zürich Straße\nПривет, мир!\n你好世界 日本語のテキスト\n";
    }
    const std::vector<std::pair<std::string, std::string>> configs = {
        {"nfkc", "--model_type=unigram --vocab_size=400 --character_coverage=0.9995"},
        {"identity",
         "--model_type=unigram --vocab_size=400 --normalization_rule_name=identity --byte_fallback=true "
         "--add_dummy_prefix=false --remove_extra_whitespaces=false --character_coverage=0.9995"}};
    const auto strings = testStrings();
    const auto stringsFile = dir / "strings.json";
    std::ofstream(stringsFile) << nlohmann::json(strings).dump();
    for (const auto& [name, flags] : configs) {
        const std::string prefix = (dir / name).string();
        runReference("--train " + corpus.string() + " " + prefix + " " + flags + " >/dev/null 2>&1");
        ASSERT_TRUE(std::filesystem::exists(prefix + ".model")) << "libsentencepiece did not train " << name;
        const auto expected = nlohmann::json::parse(
            runReference(prefix + ".model " + stringsFile.string() + " --offsets"), nullptr, false);
        ASSERT_TRUE(expected.is_array() && expected.size() == strings.size()) << name;
        auto tokenizer = tokenizers::loadSentencePieceModel(prefix + ".model");
        ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
        EXPECT_NE((*tokenizer)->describe().find("unigram"), std::string::npos);
        int idMismatches = 0, offsetMismatches = 0, unknowns = 0;
        for (std::size_t i = 0; i < strings.size(); ++i) {
            auto got = (*tokenizer)->encode(strings[i], true);
            ASSERT_TRUE(got) << strings[i];
            const auto ids = expected[i]["ids"].get<std::vector<int32_t>>();
            if (got->ids != ids) {
                ++idMismatches;
                ADD_FAILURE() << name << ": ids differ for \"" << strings[i] << "\"";
                continue;
            }
            const auto spans = expected[i]["offsets"].get<std::vector<std::pair<int64_t, int64_t>>>();
            if (got->offsets != spans) {
                ++offsetMismatches;
                ADD_FAILURE() << name << ": offsets differ for \"" << strings[i] << "\"";
            }
            unknowns += static_cast<int>(std::count(ids.begin(), ids.end(), 0));
        }
        EXPECT_EQ(idMismatches, 0) << name;
        EXPECT_EQ(offsetMismatches, 0) << name;
        // Characters outside the training text become <unk> (id 0): that path is checked too.
        if (name == "nfkc") {
            EXPECT_GT(unknowns, 0);
        }
    }
    std::filesystem::remove_all(dir);
#endif
}

TEST(SentencePiece, OffsetsPointAtTheCharacters) {
    if (!std::filesystem::exists(kData + "/llama2c-tokenizer.bin"))
        GTEST_SKIP() << "shared data not found at " << kData;
    auto tokenizer = tokenizers::loadLlama2cTokenizer(kData + "/llama2c-tokenizer.bin");
    ASSERT_TRUE(tokenizer);
    const std::string text = "Hi 😀";
    auto encoding = (*tokenizer)->encode(text, false);
    ASSERT_TRUE(encoding);
    // "▁Hi" covers "Hi"; "▁" covers the space; the emoji falls back to 4 byte tokens, each covering it.
    ASSERT_EQ(encoding->ids.size(), 6u);
    EXPECT_EQ(encoding->offsets[0], (tokenizers::Span{0, 2}));
    EXPECT_EQ(encoding->offsets[5], (tokenizers::Span{3, 7}));
    EXPECT_EQ(tokenizers::toCodePointOffsets(text, {encoding->offsets[5]}),
              (std::vector<tokenizers::Span>{{3, 4}}));
}

TEST(SentencePiece, BadFilesAreErrors) {
    EXPECT_EQ(tokenizers::loadLlama2cTokenizer("/nonexistent.bin").status().code(), StatusCode::NotFound);
    EXPECT_EQ(tokenizers::loadSentencePieceModel("/nonexistent.model").status().file(), "/nonexistent.model");
    // A GGUF file is not a SentencePiece model.
    const auto notModel = (std::filesystem::temp_directory_path() / "attnscope_not.model").string();
    std::ofstream(notModel, std::ios::binary) << "GGUF\x03\x00\x00\x00 garbage";
    EXPECT_FALSE(tokenizers::loadSentencePieceModel(notModel));
    std::filesystem::remove(notModel);
    EXPECT_EQ(tokenizers::loadTokenizer("/x/tokenizer.txt").status().code(), StatusCode::Unsupported);
    // A llama2.c model checkpoint is not a tokenizer: its first int32 (dim) reads as an absurd length.
    const auto path = (std::filesystem::temp_directory_path() / "attnscope_not_a_tokenizer.bin").string();
    {
        std::ofstream file(path, std::ios::binary);
        const int32_t header[3] = {4096, 5, 0};
        file.write(reinterpret_cast<const char*>(header), sizeof header);
    }
    auto bad = tokenizers::loadLlama2cTokenizer(path);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.status().field(), "max_token_length");
    // In memory: no tokens at all, a piece cut short, a NaN score, each named by field.
    auto entry = [](float score, const std::string& piece) {
        const int32_t length = static_cast<int32_t>(piece.size());
        return std::string(reinterpret_cast<const char*>(&score), 4) +
               std::string(reinterpret_cast<const char*>(&length), 4) + piece;
    };
    const int32_t maxLength = 8;
    const std::string head(reinterpret_cast<const char*>(&maxLength), 4);
    EXPECT_EQ(tokenizers::parseLlama2cTokenizer(head, "t.bin").status().field(), "tokens");
    const std::string cut = head + entry(0, "<unk>") + entry(-1, "abcdef").substr(0, 10);
    EXPECT_EQ(tokenizers::parseLlama2cTokenizer(cut, "t.bin").status().field(), "tokens[1]");
    const std::string nan = head + entry(0, "<unk>") + entry(std::nanf(""), "ab");
    EXPECT_EQ(tokenizers::parseLlama2cTokenizer(nan, "t.bin").status().field(), "tokens[1].score");
    // A well-formed one: the control tokens, the 256 byte-fallback pieces llama2.c's vocabulary has, a merge.
    std::string image = head + entry(0, "<unk>") + entry(0, "\n<s>\n") + entry(0, "\n</s>\n");
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        image += entry(0, name);
    }
    auto loaded = tokenizers::parseLlama2cTokenizer(image + entry(-1, "ab"), "t.bin");
    ASSERT_TRUE(loaded) << loaded.status().toString();
    EXPECT_EQ((*loaded)->vocabSize(), 260);
    // It has no space piece: the dummy prefix is spelled by byte fallback (it was id -1: found by
    // fuzz_llama2c_tokenizer); "a" and "b" have no pieces of their own either, so "ab" cannot be
    // reached by merging and is spelled in bytes too.
    auto encoding = (*loaded)->encode("ab", true);
    ASSERT_TRUE(encoding);
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{1, 3 + ' ', 3 + 'a', 3 + 'b'}));
    std::filesystem::remove(path);
}

namespace {

std::string varint(uint64_t value) {
    std::string out;
    do {
        const auto byte = static_cast<char>((value & 0x7F) | (value > 0x7F ? 0x80 : 0));
        out += byte;
        value >>= 7;
    } while (value);
    return out;
}

std::string lengthDelimited(int field, const std::string& payload) {
    return varint(static_cast<uint64_t>(field) << 3 | 2) + varint(payload.size()) + payload;
}

std::string piece(const std::string& text, int type) {
    return lengthDelimited(1,
                           lengthDelimited(1, text) + varint(3 << 3) + varint(static_cast<uint64_t>(type)));
}

} // namespace

TEST(SentencePiece, MalformedModelsAreRefusedWithTheField) {
    const std::string bpeIdentity =
        lengthDelimited(2, varint(3 << 3) + varint(2)) + lengthDelimited(3, lengthDelimited(1, "identity"));
    // Regression (found by fuzz_sentencepiece_model): "<0xZZ>" looked like a byte piece and made stoi throw.
    const std::string badByte =
        piece("<unk>", 2) + piece("<s>", 3) + piece("</s>", 3) + piece("<0xZZ>", 6) + bpeIdentity;
    auto tokenizer = tokenizers::parseSentencePieceModel(badByte, "bad.model");
    ASSERT_FALSE(tokenizer);
    EXPECT_EQ(tokenizer.status().field(), "pieces");
    EXPECT_NE(tokenizer.status().message().find("byte-fallback"), std::string::npos);

    const std::string word = piece("<unk>", 2) + lengthDelimited(2, varint(3 << 3) + varint(3));
    EXPECT_EQ(tokenizers::parseSentencePieceModel(word, "w.model").status().field(),
              "trainer_spec.model_type");
    // A unigram model needs an unknown piece and a readable character map.
    const std::string noUnknown = piece("a", 1) + lengthDelimited(2, varint(3 << 3) + varint(1));
    EXPECT_EQ(tokenizers::parseSentencePieceModel(noUnknown, "u.model").status().field(), "pieces");
    const std::string badMap = piece("<unk>", 2) + lengthDelimited(2, varint(3 << 3) + varint(1)) +
                               lengthDelimited(3, lengthDelimited(2, std::string("\xFF\xFF\x00\x00"
                                                                                 "abc",
                                                                                 7)));
    EXPECT_EQ(tokenizers::parseSentencePieceModel(badMap, "m.model").status().field(),
              "normalizer_spec.precompiled_charsmap");
    // Regression (found by fuzz_sentencepiece_model): a map whose trie is empty holds no rules; it loads.
    const std::string emptyTrie = piece("<unk>", 2) +
                                  piece("\xE2\x96\x81"
                                        "a",
                                        1) +
                                  lengthDelimited(2, varint(3 << 3) + varint(1)) +
                                  lengthDelimited(3, lengthDelimited(2, std::string("\0\0\0\0"
                                                                                    "xyz",
                                                                                    7)));
    auto noRules = tokenizers::parseSentencePieceModel(emptyTrie, "e.model");
    ASSERT_TRUE(noRules) << noRules.status().toString();
    auto encoded = (*noRules)->encode("a b", false);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->ids, (std::vector<int32_t>{1, 0})); // "▁a", then "▁b" is unknown (one merged run)
    EXPECT_EQ(tokenizers::parseSentencePieceModel(std::string("\xFF\xFF\xFF", 3), "x.model").status().file(),
              "x.model");
    EXPECT_EQ(tokenizers::parseSentencePieceModel("", "empty.model").status().field(), "pieces");
}

TEST(GgufTokenizer, LlamaVocabularyInGgufMatchesTheLlama2cFile) {
    // The Llama 2 vocabulary written into a GGUF the way llama.cpp does (tokens with "▁", scores, types)
    // must tokenize exactly like the llama2.c tokenizer it came from.
    if (!std::filesystem::exists(kData + "/llama2c-tokenizer.bin"))
        GTEST_SKIP() << "shared data not found at " << kData;
    std::ifstream file(kData + "/llama2c-tokenizer.bin", std::ios::binary);
    int32_t maxLength = 0;
    file.read(reinterpret_cast<char*>(&maxLength), 4);
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    while (file.peek() != EOF) {
        float score = 0;
        int32_t length = 0;
        file.read(reinterpret_cast<char*>(&score), 4);
        file.read(reinterpret_cast<char*>(&length), 4);
        std::string piece(static_cast<std::size_t>(length), '\0');
        file.read(piece.data(), length);
        const bool bytePiece = piece.size() == 6 && piece.rfind("<0x", 0) == 0;
        for (std::size_t at = piece.find(' '); !bytePiece && at != std::string::npos;
             at = piece.find(' ', at + 3))
            piece.replace(at, 1, "\xE2\x96\x81");
        types.push_back(tokens.empty() ? 2 : tokens.size() < 3 ? 3 : bytePiece ? 6 : 1);
        tokens.push_back(piece);
        scores.push_back(score);
    }
    test::GgufBuilder builder;
    builder.addString("general.architecture", "llama");
    builder.addString("tokenizer.ggml.model", "llama");
    builder.addStringArray("tokenizer.ggml.tokens", tokens);
    builder.addFloat32Array("tokenizer.ggml.scores", scores);
    builder.addInt32Array("tokenizer.ggml.token_type", types);
    builder.addUInt32("tokenizer.ggml.bos_token_id", 1);
    const test::Bytes bytes = builder.build();
    auto gguf =
        model::parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "vocab.gguf");
    ASSERT_TRUE(gguf) << gguf.status().toString();
    auto fromGguf = tokenizers::tokenizerFromGguf(*gguf, "vocab.gguf");
    ASSERT_TRUE(fromGguf) << fromGguf.status().toString();
    auto fromLlama2c = tokenizers::loadLlama2cTokenizer(kData + "/llama2c-tokenizer.bin");
    ASSERT_TRUE(fromLlama2c);
    for (const std::string& text : testStrings()) {
        auto expected = (*fromLlama2c)->encode(text, true);
        auto got = (*fromGguf)->encode(text, true);
        ASSERT_TRUE(expected && got);
        EXPECT_EQ(got->ids, expected->ids) << text;
    }
}

TEST(GgufTokenizer, Gpt2StyleVocabularyAndErrors) {
    test::GgufBuilder builder;
    builder.addString("tokenizer.ggml.model", "gpt2");
    builder.addStringArray("tokenizer.ggml.tokens", {"h", "e", "l", "o", "\xC4\xA0", "w", "r", "d", "!", "he",
                                                     "ll", "hell", "\xC4\xA0w", "hello", "<|end|>"});
    builder.addStringArray("tokenizer.ggml.merges", {"h e", "l l", "he ll", "\xC4\xA0 w", "hell o"});
    builder.addInt32Array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3});
    const test::Bytes bytes = builder.build();
    auto gguf = model::parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "gpt2.gguf");
    ASSERT_TRUE(gguf);
    auto tokenizer = tokenizers::tokenizerFromGguf(*gguf, "gpt2.gguf");
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    auto encoding = (*tokenizer)->encode("hello world!<|end|>", false);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{13, 12, 3, 6, 2, 7, 8, 14}));

    test::GgufBuilder unknown;
    unknown.addString("tokenizer.ggml.model", "rwkv");
    const test::Bytes unknownBytes = unknown.build();
    auto unknownFile = model::parseGguf(reinterpret_cast<const std::byte*>(unknownBytes.data()),
                                        unknownBytes.size(), "r.gguf");
    ASSERT_TRUE(unknownFile);
    EXPECT_EQ(tokenizers::tokenizerFromGguf(*unknownFile, "r.gguf").status().field(), "tokenizer.ggml.model");
    test::GgufBuilder missing;
    missing.addString("tokenizer.ggml.model", "llama");
    const test::Bytes missingBytes = missing.build();
    auto missingFile = model::parseGguf(reinterpret_cast<const std::byte*>(missingBytes.data()),
                                        missingBytes.size(), "m.gguf");
    ASSERT_TRUE(missingFile);
    EXPECT_EQ(tokenizers::tokenizerFromGguf(*missingFile, "m.gguf").status().field(),
              "tokenizer.ggml.tokens");

    // A token that is not UTF-8 (GGUF strings are raw bytes) is an error naming the field, not a crash.
    test::GgufBuilder invalid;
    invalid.addString("tokenizer.ggml.model", "gpt2");
    invalid.addStringArray("tokenizer.ggml.tokens", {"h", "\xC4"});
    invalid.addStringArray("tokenizer.ggml.merges", {});
    const test::Bytes invalidBytes = invalid.build();
    auto invalidFile = model::parseGguf(reinterpret_cast<const std::byte*>(invalidBytes.data()),
                                        invalidBytes.size(), "bad.gguf");
    ASSERT_TRUE(invalidFile);
    const auto refused = tokenizers::tokenizerFromGguf(*invalidFile, "bad.gguf");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().file(), "bad.gguf");
    EXPECT_EQ(refused.status().field(), "tokenizer.ggml.tokens");
    EXPECT_NE(refused.status().toString().find("entry 1"), std::string::npos);
}

TEST(GgufTokenizer, BertVocabularyIsWordPiece) {
    // llama.cpp's converter stores word starts with "▁", continuations without "##", specials as is.
    test::GgufBuilder builder;
    builder.addString("tokenizer.ggml.model", "bert");
    builder.addStringArray("tokenizer.ggml.tokens",
                           {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81hello", "\xE2\x96\x81world",
                            "ing", "\xE2\x96\x81play", "\xE2\x96\x81!",
                            "\xE2\x96\x81"
                            "caf",
                            "\xC3\xA9"});
    builder.addInt32Array("tokenizer.ggml.token_type", {3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1});
    builder.addInt32("tokenizer.ggml.cls_token_id", 2);
    builder.addInt32("tokenizer.ggml.seperator_token_id", 3);
    builder.addInt32("tokenizer.ggml.unknown_token_id", 1);
    const test::Bytes bytes = builder.build();
    auto gguf = model::parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "bert.gguf");
    ASSERT_TRUE(gguf) << gguf.status().toString();
    auto tokenizer = tokenizers::tokenizerFromGguf(*gguf, "bert.gguf");
    ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
    // Uncased, punctuation split off, "playing" = play + ##ing, unknown words [UNK], [CLS] ... [SEP].
    auto encoding = (*tokenizer)->encode("Hello PLAYING world! zebra", true);
    ASSERT_TRUE(encoding) << encoding.status().toString();
    EXPECT_EQ(encoding->ids, (std::vector<int32_t>{2, 4, 7, 6, 5, 8, 1, 3}));
    ASSERT_EQ(encoding->offsets.size(), encoding->ids.size());
    EXPECT_EQ(encoding->offsets[2], (std::pair<int64_t, int64_t>{6, 10}));  // "PLAY"
    EXPECT_EQ(encoding->offsets[3], (std::pair<int64_t, int64_t>{10, 13})); // "ING"
    // A word-start piece alone ("▁caf" -> "caf").
    auto cafe = (*tokenizer)->encode("caf", false);
    ASSERT_TRUE(cafe);
    EXPECT_EQ(cafe->ids, (std::vector<int32_t>{9}));
    auto noSpecial = (*tokenizer)->encode("hello", false);
    ASSERT_TRUE(noSpecial);
    EXPECT_EQ(noSpecial->ids, (std::vector<int32_t>{4}));

    test::GgufBuilder noSep;
    noSep.addString("tokenizer.ggml.model", "bert");
    noSep.addStringArray("tokenizer.ggml.tokens", {"[CLS]", "[UNK]",
                                                   "\xE2\x96\x81"
                                                   "a"});
    const test::Bytes noSepBytes = noSep.build();
    auto noSepFile = model::parseGguf(reinterpret_cast<const std::byte*>(noSepBytes.data()),
                                      noSepBytes.size(), "nosep.gguf");
    ASSERT_TRUE(noSepFile);
    const auto refused = tokenizers::tokenizerFromGguf(*noSepFile, "nosep.gguf");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "tokenizer.ggml.seperator_token_id");
}

namespace {

/// The SentencePiece BPE merge as first written (rescan every adjacent pair per merge: best score, the
/// leftmost on ties), over the pieces' text: the reference the queue-based merge must equal.
std::vector<int32_t> referenceMerge(const std::vector<std::pair<std::string, float>>& pieces,
                                    const std::string& text, int32_t firstByteId) {
    std::map<std::string, int32_t> ids;
    for (std::size_t i = 0; i < pieces.size(); ++i)
        ids.emplace(pieces[i].first, static_cast<int32_t>(i)); // first occurrence wins, as the loader
    struct Symbol {
        std::string text;
        int32_t id;
    };
    std::vector<Symbol> symbols;
    auto add = [&](const std::string& character) {
        if (auto it = ids.find(character); it != ids.end())
            symbols.push_back({character, it->second});
        else
            for (unsigned char byte : character)
                symbols.push_back({std::string(), firstByteId + byte});
    };
    add(" "); // the dummy prefix
    for (char c : text)
        add(std::string(1, c));
    for (;;) {
        float best = -1e30f;
        std::size_t at = symbols.size();
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            if (symbols[i].text.empty() || symbols[i + 1].text.empty())
                continue;
            auto it = ids.find(symbols[i].text + symbols[i + 1].text);
            if (it != ids.end() && pieces[static_cast<std::size_t>(it->second)].second > best) {
                best = pieces[static_cast<std::size_t>(it->second)].second;
                at = i;
            }
        }
        if (at == symbols.size())
            break;
        symbols[at].text += symbols[at + 1].text;
        symbols[at].id = ids.at(symbols[at].text);
        symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
    std::vector<int32_t> out;
    for (const Symbol& s : symbols)
        out.push_back(s.id);
    return out;
}

} // namespace

TEST(SentencePiece, QueueMergeEqualsTheRescanningMergeOnRandomVocabularies) {
    // Small alphabets, scores drawn from three values (ties everywhere), pieces built by concatenating
    // others (reachable and unreachable ones), 'c' without a piece of its own (byte fallback between
    // mergeable pieces), and sometimes no space piece.
    std::mt19937 random(20261129);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<std::pair<std::string, float>> pieces = {{"<unk>", 0}, {"\n<s>\n", 0}, {"\n</s>\n", 0}};
        const int32_t firstByte = static_cast<int32_t>(pieces.size());
        for (int b = 0; b < 256; ++b) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            pieces.push_back({name, 0});
        }
        std::vector<std::string> texts = {"a", "b", "d"};
        if (trial % 3 != 0)
            texts.push_back(" ");
        for (int i = 0; i < 12; ++i) {
            const std::string& x = texts[random() % texts.size()];
            const std::string& y = texts[random() % texts.size()];
            texts.push_back(x + y);
        }
        for (const std::string& piece : texts)
            pieces.push_back({piece, -static_cast<float>(random() % 3)});
        std::string image;
        auto append = [&image](const void* data, std::size_t size) {
            image.append(static_cast<const char*>(data), size);
        };
        const int32_t maxLength = 64;
        append(&maxLength, 4);
        for (const auto& [piece, score] : pieces) {
            const int32_t length = static_cast<int32_t>(piece.size());
            append(&score, 4);
            append(&length, 4);
            image += piece;
        }
        auto tokenizer = tokenizers::parseLlama2cTokenizer(image, "random.bin");
        ASSERT_TRUE(tokenizer) << tokenizer.status().toString();
        for (int sample = 0; sample < 5; ++sample) {
            std::string text;
            const int length = 1 + static_cast<int>(random() % 40);
            for (int i = 0; i < length; ++i)
                text += "abcd "[random() % 5];
            auto encoding = (*tokenizer)->encode(text, false);
            ASSERT_TRUE(encoding);
            ASSERT_EQ(encoding->ids, referenceMerge(pieces, text, firstByte))
                << "trial " << trial << ", text \"" << text << "\"";
        }
    }
}
