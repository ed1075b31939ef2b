// SPDX-License-Identifier: Apache-2.0
// SentencePiece-style BPE (Llama 2 family): merges chosen by piece score, byte fallback to <0xXX>, a
// dummy prefix space. Loaded from llama2.c's tokenizer.bin, where "▁" is stored as a plain space.
#include "spm_bpe.h"

#include "attnscope/model/gguf.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace attnscope::tokenizers {

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/// The byte of a "<0xXX>" piece, or -1 for any other piece (checked digits: found by fuzzing, where
/// "<0xZZ>" made std::stoi throw).
int bytePieceValue(const std::string& piece) {
    if (piece.size() != 6 || piece.rfind("<0x", 0) != 0 || piece.back() != '>')
        return -1;
    const int high = hexDigit(piece[3]), low = hexDigit(piece[4]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

class SpmBpeTokenizer final : public Tokenizer {
public:
    std::vector<std::string> pieces; ///< surface form ("▁" as a space)
    std::vector<float> scores;
    std::vector<bool> control;
    std::unordered_map<std::string, int32_t>
        pieceToId; ///< pieces text can produce (no control or byte pieces)
    int32_t byteTokens[256] = {};
    int32_t bos = 1, eos = 2, unk = 0;

    Expected<Encoding> encode(std::string_view text, bool addSpecialTokens) const override {
        ATTNSCOPE_TRY(validateUtf8(text));
        struct Symbol {
            std::string text;
            int32_t id;
            Span span;
        };
        std::vector<Symbol> symbols;
        if (!text.empty()) // SentencePiece's add_dummy_prefix: a space before the text, covering nothing
            symbols.push_back({" ", pieceOf(" "), {0, 0}});
        for (std::size_t i = 0; i < text.size();) {
            std::size_t length = 1;
            const auto lead = static_cast<unsigned char>(text[i]);
            if (lead >= 0xF0)
                length = 4;
            else if (lead >= 0xE0)
                length = 3;
            else if (lead >= 0xC0)
                length = 2;
            // SentencePiece's meta symbol: a literal U+2581 in the input is a space to it, as to us.
            std::string character(text.substr(i, length));
            if (character == "\xE2\x96\x81")
                character = " ";
            const int32_t id = pieceOf(character);
            const auto begin = static_cast<int64_t>(i), end = static_cast<int64_t>(i + length);
            if (id >= 0) {
                symbols.push_back({character, id, {begin, end}});
            } else { // byte fallback: one token per byte, each covering the whole character
                for (std::size_t b = 0; b < length; ++b)
                    symbols.push_back(
                        {std::string(), byteTokens[static_cast<unsigned char>(text[i + b])], {begin, end}});
            }
            i += length;
        }
        // Merge the adjacent pair whose concatenation is the best-scoring piece, leftmost on ties.
        while (symbols.size() > 1) {
            float bestScore = -1e30f;
            int bestId = -1;
            std::size_t at = 0;
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
                if (symbols[i].text.empty() || symbols[i + 1].text.empty())
                    continue; // byte-fallback tokens do not merge
                const int32_t id = pieceOf(symbols[i].text + symbols[i + 1].text);
                if (id >= 0 && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    at = i;
                }
            }
            if (bestId < 0)
                break;
            symbols[at] = {symbols[at].text + symbols[at + 1].text,
                           bestId,
                           {symbols[at].span.first, symbols[at + 1].span.second}};
            symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
        }
        Encoding encoding;
        if (addSpecialTokens) {
            encoding.ids.push_back(bos);
            encoding.offsets.emplace_back(0, 0);
        }
        for (const Symbol& symbol : symbols) {
            encoding.ids.push_back(symbol.id);
            encoding.offsets.push_back(symbol.span);
        }
        return encoding;
    }

    Expected<std::string> decode(const std::vector<int32_t>& ids, bool skipSpecial) const override {
        std::string text;
        for (int32_t id : ids) {
            if (id < 0 || id >= static_cast<int32_t>(pieces.size()))
                return Status::invalidArgument("token id " + std::to_string(id) + " is not in the vocabulary")
                    .atField("ids");
            if (control[id]) {
                if (!skipSpecial && id == unk)
                    text += " \u2047 ";
                continue;
            }
            const std::string& piece = pieces[id];
            if (const int byte = bytePieceValue(piece); byte >= 0) {
                text += static_cast<char>(byte);
                continue;
            }
            text += piece;
        }
        if (!text.empty() && text.front() == ' ')
            text.erase(0, 1); // the dummy prefix
        return text;
    }

    int vocabSize() const override { return static_cast<int>(pieces.size()); }
    std::string tokenText(int32_t id) const override {
        return id >= 0 && id < static_cast<int32_t>(pieces.size()) ? pieces[id] : std::string();
    }
    std::string describe() const override {
        return "SentencePiece BPE, " + std::to_string(pieces.size()) + " pieces";
    }

private:
    int32_t pieceOf(const std::string& text) const {
        auto it = pieceToId.find(text);
        return it == pieceToId.end() ? -1 : it->second;
    }
};

} // namespace

Expected<std::unique_ptr<Tokenizer>> makeSpmBpeTokenizer(SpmBpeVocabulary vocabulary,
                                                         const std::string& source) {
    auto tokenizer = std::make_unique<SpmBpeTokenizer>();
    std::fill(std::begin(tokenizer->byteTokens), std::end(tokenizer->byteTokens), -1);
    const std::size_t count = vocabulary.pieces.size();
    if (vocabulary.scores.size() != count || vocabulary.control.size() != count)
        return Status::internal("inconsistent vocabulary").inFile(source);
    for (std::size_t id = 0; id < count; ++id) {
        const std::string& piece = vocabulary.pieces[id];
        if (const int byte = bytePieceValue(piece); byte >= 0) {
            if (tokenizer->byteTokens[byte] < 0)
                tokenizer->byteTokens[byte] = static_cast<int32_t>(id);
        } else if (!vocabulary.control[id]) {
            tokenizer->pieceToId.emplace(piece, static_cast<int32_t>(id)); // first occurrence wins
        }
    }
    for (int b = 0; b < 256; ++b)
        if (tokenizer->byteTokens[b] < 0)
            return Status::parseError("no byte-fallback piece for byte " + std::to_string(b))
                .inFile(source)
                .atField("pieces");
    for (int32_t id : {vocabulary.unk, vocabulary.bos, vocabulary.eos})
        if (id < 0 || id >= static_cast<int32_t>(count))
            return Status::parseError("special token id " + std::to_string(id) + " is outside the vocabulary")
                .inFile(source)
                .atField("pieces");
    tokenizer->pieces = std::move(vocabulary.pieces);
    tokenizer->scores = std::move(vocabulary.scores);
    tokenizer->control = std::move(vocabulary.control);
    tokenizer->unk = vocabulary.unk;
    tokenizer->bos = vocabulary.bos;
    tokenizer->eos = vocabulary.eos;
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

Expected<std::unique_ptr<Tokenizer>> loadLlama2cTokenizer(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status::notFound("cannot open").inFile(path);
    int32_t maxLength = 0;
    if (!file.read(reinterpret_cast<char*>(&maxLength), 4) || maxLength <= 0 || maxLength > 1024)
        return Status::parseError("implausible max_token_length " + std::to_string(maxLength))
            .inFile(path)
            .atField("max_token_length");
    SpmBpeVocabulary vocabulary;
    while (file.peek() != EOF) {
        const std::string where = "tokens[" + std::to_string(vocabulary.pieces.size()) + "]";
        float score = 0;
        int32_t length = 0;
        if (!file.read(reinterpret_cast<char*>(&score), 4) || !file.read(reinterpret_cast<char*>(&length), 4))
            return Status::parseError("truncated entry").inFile(path).atField(where);
        if (length < 0 || length > maxLength)
            return Status::parseError("length " + std::to_string(length) + " exceeds max_token_length")
                .inFile(path)
                .atField(where);
        std::string piece(static_cast<std::size_t>(length), '\0');
        if (!file.read(piece.data(), length))
            return Status::parseError("truncated entry").inFile(path).atField(where);
        vocabulary.pieces.push_back(std::move(piece));
        vocabulary.scores.push_back(score);
        if (vocabulary.pieces.size() > (1u << 20))
            return Status::parseError("more than 2^20 tokens").inFile(path).atField("tokens");
    }
    // llama2.c keeps SentencePiece's layout: <unk>, <s>, </s> first (stored as "<unk>", "\n<s>\n", ...).
    vocabulary.control.assign(vocabulary.pieces.size(), false);
    for (int32_t id : {0, 1, 2})
        if (id < static_cast<int32_t>(vocabulary.control.size()))
            vocabulary.control[id] = true;
    return makeSpmBpeTokenizer(std::move(vocabulary), path);
}

Expected<std::unique_ptr<Tokenizer>> loadTokenizer(const std::string& path) {
    const std::filesystem::path p(path);
    std::error_code error;
    if (std::filesystem::is_directory(p, error) || p.extension() == ".json")
        return loadTokenizerJson(path);
    if (p.extension() == ".model")
        return loadSentencePieceModel(path);
    if (p.extension() == ".gguf") {
        ATTNSCOPE_ASSIGN_OR_RETURN(model::GgufFile gguf, model::readGguf(path));
        return tokenizerFromGguf(gguf, path);
    }
    if (p.extension() == ".bin")
        return loadLlama2cTokenizer(path);
    return Status::unsupported(
               "unknown tokenizer file (expected a directory, tokenizer.json, .model or a llama2.c "
               "tokenizer .bin)")
        .inFile(path);
}

} // namespace attnscope::tokenizers
