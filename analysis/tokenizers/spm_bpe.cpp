// SPDX-License-Identifier: Apache-2.0
// SentencePiece-style BPE (Llama 2 family): merges chosen by piece score, byte fallback to <0xXX>, a
// dummy prefix space. Loaded from llama2.c's tokenizer.bin, where "▁" is stored as a plain space.
#include "spm_bpe.h"

#include "attnscope/core/read_file.h"
#include "attnscope/model/gguf.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <queue>
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
    std::unordered_map<std::string, int> pairRanks;
    std::vector<std::pair<std::string, int32_t>> specialTokens; ///< longest first

    Expected<Encoding> encode(std::string_view text, bool addSpecialTokens) const override {
        ATTNSCOPE_TRY(validateUtf8(text));
        Encoding encoding;
        if (addSpecialTokens) {
            encoding.ids.push_back(bos);
            encoding.offsets.emplace_back(0, 0);
        }
        // Special tokens split the text; each stretch between them is tokenized on its own (with its
        // own dummy prefix), as HF's added-token handling does.
        std::size_t start = 0;
        for (std::size_t i = 0; i < text.size();) {
            const std::pair<std::string, int32_t>* match = nullptr;
            for (const auto& special : specialTokens)
                if (text.compare(i, special.first.size(), special.first) == 0) {
                    match = &special;
                    break;
                }
            if (!match) {
                ++i;
                continue;
            }
            encodeStretch(text, start, i, encoding);
            encoding.ids.push_back(match->second);
            encoding.offsets.emplace_back(static_cast<int64_t>(i),
                                          static_cast<int64_t>(i + match->first.size()));
            i += match->first.size();
            start = i;
        }
        encodeStretch(text, start, text.size(), encoding);
        return encoding;
    }

    /// Merges, again and again, the adjacent pair whose concatenation is the best-scoring piece (or,
    /// with HF merges, the pair of lowest rank), leftmost on ties — SentencePiece's BPE. A priority queue
    /// over a linked list keeps it O(n log n) in the symbols: the stretch between special tokens is the
    /// whole text, and rescanning every pair per merge took 78 s for 56 kB of English.
    template <typename Symbol>
    void mergeSymbols(std::vector<Symbol>& symbols) const {
        using Index = std::ptrdiff_t; // a --text-file stretch may exceed 2^31 symbols
        const auto count = static_cast<Index>(symbols.size());
        std::vector<Index> next(static_cast<std::size_t>(count)), previous(static_cast<std::size_t>(count));
        for (Index i = 0; i < count; ++i) {
            next[static_cast<std::size_t>(i)] = i + 1 < count ? i + 1 : -1;
            previous[static_cast<std::size_t>(i)] = i - 1;
        }
        struct Candidate {
            float score;
            Index left, right;
            std::size_t leftSize, rightSize; ///< the texts it was scored on (merging only lengthens them)
            int32_t id;
        };
        auto worse = [](const Candidate& a, const Candidate& b) {
            return a.score != b.score ? a.score < b.score : a.left > b.left; // leftmost first on ties
        };
        std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse)> queue(worse);
        auto consider = [&](Index left, Index right) {
            if (left < 0 || right < 0)
                return;
            const std::string& a = symbols[static_cast<std::size_t>(left)].text;
            const std::string& b = symbols[static_cast<std::size_t>(right)].text;
            if (a.empty() || b.empty())
                return; // byte-fallback tokens do not merge
            const int32_t id = pieceOf(a + b);
            if (id < 0)
                return;
            float score = scores[static_cast<std::size_t>(id)];
            if (!pairRanks.empty()) {
                auto rank = pairRanks.find(pairKey(a, b));
                if (rank == pairRanks.end())
                    return;
                score = -static_cast<float>(rank->second);
            }
            // As the scan this replaced: a piece scored at -1e30 or below (or NaN) is never merged into.
            if (score > -1e30f)
                queue.push({score, left, right, a.size(), b.size(), id});
        };
        for (Index i = 0; i + 1 < count; ++i)
            consider(i, i + 1);
        std::vector<bool> merged(static_cast<std::size_t>(count), false); // absorbed into its left neighbour
        while (!queue.empty()) {
            const Candidate best = queue.top();
            queue.pop();
            Symbol& left = symbols[static_cast<std::size_t>(best.left)];
            const Symbol& right = symbols[static_cast<std::size_t>(best.right)];
            if (merged[static_cast<std::size_t>(best.left)] || merged[static_cast<std::size_t>(best.right)] ||
                next[static_cast<std::size_t>(best.left)] != best.right ||
                left.text.size() != best.leftSize || right.text.size() != best.rightSize)
                continue; // stale: one side has merged since
            left.text += right.text;
            left.id = best.id;
            left.span.second = right.span.second;
            merged[static_cast<std::size_t>(best.right)] = true;
            const Index after = next[static_cast<std::size_t>(best.right)];
            next[static_cast<std::size_t>(best.left)] = after;
            if (after >= 0)
                previous[static_cast<std::size_t>(after)] = best.left;
            consider(previous[static_cast<std::size_t>(best.left)], best.left);
            consider(best.left, after);
        }
        std::size_t kept = 0;
        for (Index i = 0; i < count; ++i)
            if (!merged[static_cast<std::size_t>(i)]) {
                if (kept != static_cast<std::size_t>(i)) // a self-move would empty the text
                    symbols[kept] = std::move(symbols[static_cast<std::size_t>(i)]);
                ++kept;
            }
        symbols.resize(kept);
    }

    /// Tokenizes text[first, last) (offsets stay relative to the whole text).
    void encodeStretch(std::string_view whole, std::size_t first, std::size_t last,
                       Encoding& encoding) const {
        const std::string_view text = whole.substr(0, last);
        struct Symbol {
            std::string text; ///< empty for byte-fallback tokens, which never merge
            int32_t id;
            Span span;
        };
        std::vector<Symbol> symbols;
        if (last > first) { // SentencePiece's add_dummy_prefix: a space before the text, covering nothing
            const Span none{static_cast<int64_t>(first), static_cast<int64_t>(first)};
            // A vocabulary without a space piece spells it by byte fallback, as any other missing
            // character (llama2.c's own encoder would emit id -1 here: found by fuzz_llama2c_tokenizer).
            if (const int32_t space = pieceOf(" "); space >= 0)
                symbols.push_back({" ", space, none});
            else
                symbols.push_back({std::string(), byteTokens[static_cast<unsigned char>(' ')], none});
        }
        for (std::size_t i = first; i < text.size();) {
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
        mergeSymbols(symbols);
        for (const Symbol& symbol : symbols) {
            encoding.ids.push_back(symbol.id);
            encoding.offsets.push_back(symbol.span);
        }
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
    tokenizer->pairRanks = std::move(vocabulary.pairRanks);
    tokenizer->specialTokens = std::move(vocabulary.specialTokens);
    std::stable_sort(tokenizer->specialTokens.begin(), tokenizer->specialTokens.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

namespace {

/// "▁" (U+2581) as the plain space this tokenizer works with.
std::string spaced(std::string piece) {
    for (std::size_t at = piece.find("\xE2\x96\x81"); at != std::string::npos;
         at = piece.find("\xE2\x96\x81", at))
        piece.replace(at, 3, " ");
    return piece;
}

/// Accepts only the whitespace handling this tokenizer implements: "▁" prepended and spaces as "▁".
Status checkMetaspace(const nlohmann::json& root) {
    const nlohmann::json normalizer = root.value("normalizer", nlohmann::json());
    const nlohmann::json pre = root.value("pre_tokenizer", nlohmann::json());
    if (pre.is_object()) {
        if (pre.value("type", "") != "Metaspace" || pre.value("split", false))
            return Status::unsupported(
                       "with byte_fallback only a non-splitting Metaspace pre-tokenizer is supported")
                .atField("pre_tokenizer");
        return Status::ok();
    }
    if (!normalizer.is_object() || normalizer.value("type", "") != "Sequence")
        return Status::unsupported("with byte_fallback the normalizer must prepend \"▁\" and replace spaces")
            .atField("normalizer");
    bool prepend = false, replace = false;
    for (const auto& step : normalizer.value("normalizers", nlohmann::json::array())) {
        const std::string type = step.value("type", "");
        if (type == "Prepend" && step.value("prepend", "") == "\xE2\x96\x81")
            prepend = true;
        else if (type == "Replace" && step.contains("pattern") &&
                 step["pattern"].value("String", "") == " " && step.value("content", "") == "\xE2\x96\x81")
            replace = true;
        else
            return Status::unsupported("normalizer step '" + type + "'").atField("normalizer.normalizers");
    }
    if (!prepend || !replace)
        return Status::unsupported("with byte_fallback the normalizer must prepend \"▁\" and replace spaces")
            .atField("normalizer");
    return Status::ok();
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> byteFallbackBpeFromJson(const nlohmann::json& root,
                                                             const std::string& source) {
    auto fail = [&source](Status status) {
        return std::move(status).inFile(source);
    };
    SpmBpeVocabulary vocabulary;
    try { // nlohmann's typed getters throw on fields of another type: they become parse errors below
        if (Status s = checkMetaspace(root); !s.isOk())
            return fail(s);
        const nlohmann::json& model = root.at("model");
        const nlohmann::json& vocab = model.at("vocab");
        if (!vocab.is_object() || vocab.empty())
            return fail(
                Status::parseError("expected a non-empty object of token -> id").atField("model.vocab"));
        std::size_t size = 0;
        for (const auto& [piece, id] : vocab.items()) {
            if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= (1 << 24))
                return fail(Status::parseError("id of '" + piece + "' is not an integer in [0, 2^24)")
                                .atField("model.vocab"));
            size = std::max(size, static_cast<std::size_t>(id.get<int64_t>()) + 1);
        }
        vocabulary.pieces.assign(size, std::string());
        vocabulary.scores.assign(size, 0.0f);
        vocabulary.control.assign(size, false);
        for (const auto& [piece, id] : vocab.items())
            vocabulary.pieces[static_cast<std::size_t>(id.get<int64_t>())] = spaced(piece);
        int rank = 0;
        for (const auto& merge : model.value("merges", nlohmann::json::array())) {
            std::string left, right;
            if (merge.is_string()) {
                const std::string text = merge.get<std::string>();
                const auto space = text.find(' ');
                if (space == std::string::npos)
                    return fail(
                        Status::parseError("merge '" + text + "' has no space").atField("model.merges"));
                left = text.substr(0, space);
                right = text.substr(space + 1);
            } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
                       merge[1].is_string()) {
                left = merge[0].get<std::string>();
                right = merge[1].get<std::string>();
            } else {
                return fail(Status::parseError("expected \"a b\" or [\"a\", \"b\"]").atField("model.merges"));
            }
            vocabulary.pairRanks.emplace(pairKey(spaced(left), spaced(right)), rank++);
        }
        const std::string unk = model.value("unk_token", std::string("<unk>"));
        vocabulary.unk = vocab.contains(unk) ? vocab[unk].get<int32_t>() : 0;
        vocabulary.bos = vocabulary.eos = -1;
        for (const auto& entry : root.value("added_tokens", nlohmann::json::array())) {
            // A float id out of int64 range converted with undefined behaviour (found by
            // fuzz_tokenizer_json).
            if (!entry.at("id").is_number_integer())
                return fail(Status::parseError("added token id is not an integer").atField("added_tokens"));
            const auto id = entry.at("id").get<int64_t>();
            if (id < 0 || static_cast<std::size_t>(id) >= size)
                return fail(
                    Status::parseError("added token id outside the vocabulary").atField("added_tokens"));
            const std::string content = entry.at("content").get<std::string>();
            if (!entry.value("special", false))
                continue;
            vocabulary.control[static_cast<std::size_t>(id)] = true;
            vocabulary.specialTokens.emplace_back(content, static_cast<int32_t>(id));
        }
        // BOS: the first special token of a TemplateProcessing "single" template.
        const nlohmann::json post = root.value("post_processor", nlohmann::json());
        if (post.is_object() && post.value("type", "") == "TemplateProcessing")
            for (const auto& item : post.value("single", nlohmann::json::array()))
                if (item.contains("SpecialToken")) {
                    const std::string name = item["SpecialToken"].value("id", "");
                    if (vocab.contains(name))
                        vocabulary.bos = vocab[name].get<int32_t>();
                    break;
                }
        vocabulary.eos = vocab.contains("</s>") ? vocab["</s>"].get<int32_t>() : vocabulary.unk;
        if (vocabulary.bos < 0)
            vocabulary.bos = vocab.contains("<s>") ? vocab["<s>"].get<int32_t>() : vocabulary.unk;
    } catch (const nlohmann::json::exception& error) {
        return fail(Status::parseError(std::string("unexpected structure: ") + error.what()));
    }
    return makeSpmBpeTokenizer(std::move(vocabulary), source);
}

Expected<std::unique_ptr<Tokenizer>> loadLlama2cTokenizer(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    return parseLlama2cTokenizer(bytes, path);
}

Expected<std::unique_ptr<Tokenizer>> parseLlama2cTokenizer(std::string_view bytes, const std::string& path) {
    std::size_t at = 0;
    // Little-endian 4-byte fields, as llama2.c's export writes them.
    auto take = [&](void* out) {
        if (bytes.size() - at < 4)
            return false;
        std::memcpy(out, bytes.data() + at, 4);
        at += 4;
        return true;
    };
    int32_t maxLength = 0;
    if (!take(&maxLength))
        return Status::parseError("the file is shorter than its 4-byte header")
            .inFile(path)
            .atField("max_token_length");
    if (maxLength <= 0 || maxLength > 1024)
        return Status::parseError("implausible max_token_length " + std::to_string(maxLength))
            .inFile(path)
            .atField("max_token_length");
    SpmBpeVocabulary vocabulary;
    while (at < bytes.size()) {
        const std::string where = "tokens[" + std::to_string(vocabulary.pieces.size()) + "]";
        float score = 0;
        int32_t length = 0;
        if (!take(&score) || !take(&length))
            return Status::parseError("truncated entry").inFile(path).atField(where);
        if (length < 0 || length > maxLength)
            return Status::parseError("length " + std::to_string(length) + " exceeds max_token_length")
                .inFile(path)
                .atField(where);
        if (bytes.size() - at < static_cast<std::size_t>(length))
            return Status::parseError("truncated entry").inFile(path).atField(where);
        if (!std::isfinite(score))
            return Status::parseError("score is not a finite number").inFile(path).atField(where + ".score");
        vocabulary.pieces.emplace_back(bytes.substr(at, static_cast<std::size_t>(length)));
        vocabulary.scores.push_back(score);
        at += static_cast<std::size_t>(length);
        if (vocabulary.pieces.size() > (1u << 20))
            return Status::parseError("more than 2^20 tokens").inFile(path).atField("tokens");
    }
    if (vocabulary.pieces.empty())
        return Status::parseError("no tokens").inFile(path).atField("tokens");
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
