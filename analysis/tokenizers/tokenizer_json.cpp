// SPDX-License-Identifier: Apache-2.0
// Hugging Face tokenizer.json: byte-level BPE (GPT-2, Llama 3, Qwen-style pre-tokenizers), added and
// special tokens, TemplateProcessing post-processors; WordPiece (BERT) is handed to wordpiece.cpp.
#include "attnscope/tokenizers/tokenizer.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"

#include "bpe_model.h"
#include "normalizer.h"
#include "regex_splitter.h"
#include "spm_bpe.h"
#include "token_template.h"
#include "wordpiece.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace attnscope::tokenizers {

namespace {

using Json = nlohmann::json;

struct AddedToken {
    std::string content;
    int32_t id = 0;
    bool special = false;
};

class ByteLevelBpeTokenizer final : public Tokenizer {
public:
    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::string> idToToken;
    std::vector<bool> isSpecial;
    std::vector<AddedToken> added;                                                ///< longest content first
    std::unordered_map<unsigned char, std::vector<std::size_t>> addedByFirstByte; ///< indices into `added`
    BpeMerges merges;
    ByteAlphabet alphabet;
    std::optional<RegexSplitter> splitter;
    bool addPrefixSpace = false;
    bool ignoreMerges = false;
    bool nfc = false;                         ///< the NFC normalizer (Qwen)
    std::vector<TemplateItem> singleTemplate; ///< empty: nothing added

    /// Merged symbols of recently seen pieces: natural text repeats its words, and merging is the hot
    /// path. Bounded (cleared when full); guarded so that encode() stays safe to call concurrently.
    struct CachedPiece {
        std::vector<int32_t> ids;
        std::vector<Span> relative; ///< offsets relative to the piece start
    };
    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, CachedPiece> cache;
    static constexpr std::size_t kCacheLimit = 1 << 16;

    Expected<Encoding> encode(std::string_view text, bool addSpecialTokens) const override {
        ATTNSCOPE_TRY(validateUtf8(text));
        if (!nfc)
            return encodeNormalized(text, addSpecialTokens);
        ATTNSCOPE_ASSIGN_OR_RETURN(NormalizedText normalized, normalizeNfc(text));
        ATTNSCOPE_ASSIGN_OR_RETURN(Encoding encoding, encodeNormalized(normalized.text, addSpecialTokens));
        for (Span& span : encoding.offsets) // back to the caller's bytes
            if (span.second > span.first)
                span = {normalized.originalStart[span.first], normalized.originalEnd[span.second - 1]};
        return encoding;
    }

    Expected<Encoding> encodeNormalized(std::string_view text, bool addSpecialTokens) const {
        Encoding body;
        int64_t segmentStart = 0;
        for (int64_t i = 0; i < static_cast<int64_t>(text.size());) {
            const AddedToken* token = matchAdded(text, i);
            if (!token) {
                ++i;
                continue;
            }
            ATTNSCOPE_TRY(encodeSegment(text, segmentStart, i, body));
            body.ids.push_back(token->id);
            body.offsets.emplace_back(i, i + static_cast<int64_t>(token->content.size()));
            i += static_cast<int64_t>(token->content.size());
            segmentStart = i;
        }
        ATTNSCOPE_TRY(encodeSegment(text, segmentStart, static_cast<int64_t>(text.size()), body));
        return addSpecialTokens ? applyTemplate(std::move(body), singleTemplate) : body;
    }

    Expected<std::string> decode(const std::vector<int32_t>& ids, bool skipSpecial) const override {
        std::string text;
        for (int32_t id : ids) {
            ATTNSCOPE_TRY(checkDecodableId(id, idToToken));
            if (isSpecial[id]) {
                if (!skipSpecial)
                    text += idToToken[id];
                continue;
            }
            if (isAddedContent(id)) {
                text += idToToken[id];
                continue;
            }
            if (!alphabet.decode(idToToken[id], text))
                return Status::internal("token " + std::to_string(id) + " is not byte-level text")
                    .atField("ids");
        }
        return text;
    }

    int vocabSize() const override { return static_cast<int>(idToToken.size()); }
    std::string tokenText(int32_t id) const override {
        return id >= 0 && id < static_cast<int32_t>(idToToken.size()) ? idToToken[id] : std::string();
    }
    std::string describe() const override {
        return "byte-level BPE, " + std::to_string(vocabSize()) + " tokens, " +
               std::to_string(merges.size()) + " merges";
    }

private:
    bool isAddedContent(int32_t id) const {
        return std::any_of(added.begin(), added.end(), [id](const AddedToken& t) { return t.id == id; });
    }

    const AddedToken* matchAdded(std::string_view text, int64_t at) const {
        auto it = addedByFirstByte.find(static_cast<unsigned char>(text[at]));
        if (it == addedByFirstByte.end())
            return nullptr;
        for (std::size_t index : it->second) // longest first
            if (text.compare(at, added[index].content.size(), added[index].content) == 0)
                return &added[index];
        return nullptr;
    }

    Status encodeSegment(std::string_view text, int64_t begin, int64_t end, Encoding& out) const {
        if (begin >= end)
            return Status::ok();
        std::vector<Span> pieces =
            splitter ? splitter->split(text, begin, end) : std::vector<Span>{{begin, end}};
        for (const Span& piece : pieces) {
            std::vector<BpeSymbol> symbols;
            std::string whole;
            if (addPrefixSpace && piece.first == 0 && text[0] != ' ') {
                symbols.push_back({alphabet.encode(' '), 0, 0});
                whole += symbols.back().text;
            }
            for (int64_t b = piece.first; b < piece.second; ++b) {
                symbols.push_back({alphabet.encode(static_cast<unsigned char>(text[b])), b, b + 1});
                whole += symbols.back().text;
            }
            if (ignoreMerges) {
                if (auto it = vocab.find(whole); it != vocab.end()) {
                    out.ids.push_back(it->second);
                    out.offsets.emplace_back(piece.first, piece.second);
                    continue;
                }
            }
            // A piece that starts with the virtual prefix space has other offsets than the same symbols
            // after a real space: mark it in the key (byte-level text never holds a raw \x01).
            const bool virtualPrefix = !symbols.empty() && symbols.front().begin == symbols.front().end;
            const std::string key = virtualPrefix ? "\x01" + whole : whole;
            {
                std::lock_guard lock(cacheMutex);
                if (auto it = cache.find(key); it != cache.end()) {
                    for (std::size_t k = 0; k < it->second.ids.size(); ++k) {
                        out.ids.push_back(it->second.ids[k]);
                        const Span& r = it->second.relative[k];
                        out.offsets.emplace_back(r.first < 0 ? 0 : piece.first + r.first,
                                                 piece.first + r.second);
                    }
                    continue;
                }
            }
            merges.merge(symbols);
            CachedPiece cached;
            for (const BpeSymbol& symbol : symbols) {
                auto it = vocab.find(symbol.text);
                if (it == vocab.end())
                    return Status::internal("no vocabulary entry for the merged symbol '" + symbol.text + "'")
                        .atField("model.vocab");
                out.ids.push_back(it->second);
                out.offsets.emplace_back(symbol.begin, symbol.end);
                cached.ids.push_back(it->second);
                // A symbol made only of the virtual prefix space covers nothing: keep it at [0, 0).
                cached.relative.emplace_back(symbol.end == symbol.begin ? -1 : symbol.begin - piece.first,
                                             symbol.end - piece.first);
            }
            std::lock_guard lock(cacheMutex);
            if (cache.size() >= kCacheLimit)
                cache.clear();
            cache.emplace(key, std::move(cached));
        }
        return Status::ok();
    }
};

/// A token id: an integer in [0, 2^24]. (nlohmann's get<int32_t>() would convert floats with undefined
/// behaviour when out of range: found by fuzz_tokenizer_json.)
std::optional<int32_t> tokenId(const Json& value) {
    if (!value.is_number_integer())
        return std::nullopt;
    const auto id = value.get<int64_t>();
    if (id < 0 || id > (1 << 24))
        return std::nullopt;
    return static_cast<int32_t>(id);
}

Status parsePreTokenizer(const Json& node, ByteLevelBpeTokenizer& tokenizer, const std::string& field) {
    if (node.is_null())
        return Status::ok();
    const std::string type = node.value("type", "");
    if (type == "Sequence") {
        const Json& list = node.contains("pretokenizers") ? node["pretokenizers"] : Json::array();
        for (std::size_t i = 0; i < list.size(); ++i)
            ATTNSCOPE_TRY(
                parsePreTokenizer(list[i], tokenizer, field + ".pretokenizers[" + std::to_string(i) + "]"));
        return Status::ok();
    }
    if (type == "ByteLevel") {
        tokenizer.addPrefixSpace = node.value("add_prefix_space", false);
        if (node.value("use_regex", true)) {
            ATTNSCOPE_ASSIGN_OR_RETURN(RegexSplitter splitter, RegexSplitter::compile(kGpt2Pattern));
            tokenizer.splitter = std::move(splitter);
        }
        return Status::ok();
    }
    if (type == "Split") {
        const Json& pattern = node.contains("pattern") ? node["pattern"] : Json();
        if (!pattern.is_object() || !pattern.contains("Regex") || !pattern["Regex"].is_string())
            return Status::unsupported("only Regex split patterns are supported").atField(field + ".pattern");
        if (node.value("behavior", "") != "Isolated" || node.value("invert", false))
            return Status::unsupported("only the Isolated, non-inverted split behaviour is supported")
                .atField(field + ".behavior");
        auto splitter = RegexSplitter::compile(pattern["Regex"].get<std::string>());
        if (!splitter)
            return std::move(splitter).status().atField(field);
        tokenizer.splitter = std::move(splitter).value();
        return Status::ok();
    }
    return Status::unsupported("pre-tokenizer '" + type + "' (supported: ByteLevel, Split, Sequence)")
        .atField(field + ".type");
}

Status parsePostProcessor(const Json& node, ByteLevelBpeTokenizer& tokenizer) {
    if (node.is_null())
        return Status::ok();
    const std::string type = node.value("type", "");
    if (type == "ByteLevel")
        return Status::ok(); // offsets only; adds no tokens
    if (type == "Sequence") {
        for (const Json& step : node.value("processors", Json::array()))
            ATTNSCOPE_TRY(parsePostProcessor(step, tokenizer));
        return Status::ok();
    }
    if (type != "TemplateProcessing")
        return Status::unsupported("post-processor '" + type + "'").atField("post_processor.type");
    const Json& single = node.contains("single") ? node["single"] : Json::array();
    const Json& specials = node.contains("special_tokens") ? node["special_tokens"] : Json::object();
    for (const Json& item : single) {
        if (item.contains("Sequence")) {
            tokenizer.singleTemplate.push_back({true, 0});
            continue;
        }
        const std::string name = item.contains("SpecialToken") ? item["SpecialToken"].value("id", "") : "";
        if (!specials.contains(name) || !specials[name].contains("ids") || specials[name]["ids"].empty())
            return Status::parseError("template names special token '" + name + "' without ids")
                .atField("post_processor.special_tokens");
        for (const Json& id : specials[name]["ids"]) {
            const auto value = tokenId(id);
            if (!value)
                return Status::parseError("special token ids must be integers in [0, 2^24]")
                    .atField("post_processor.special_tokens." + name);
            tokenizer.singleTemplate.push_back({false, *value});
        }
    }
    return Status::ok();
}

Status parseModel(const Json& model, ByteLevelBpeTokenizer& tokenizer) {
    if (model.value("type", "BPE") != "BPE")
        return Status::unsupported("model type '" + model.value("type", "") + "' (supported here: BPE)")
            .atField("model.type");
    if (model.value("byte_fallback", false))
        return Status::unsupported(
                   "SentencePiece-style BPE with byte fallback is not supported by this loader yet")
            .atField("model.byte_fallback");
    tokenizer.ignoreMerges = model.value("ignore_merges", false);
    const Json& vocab = model.contains("vocab") ? model["vocab"] : Json();
    if (!vocab.is_object() || vocab.empty())
        return Status::parseError("expected a non-empty object of token -> id").atField("model.vocab");
    for (const auto& [token, id] : vocab.items()) {
        const auto value = tokenId(id);
        if (!value)
            return Status::parseError("id of '" + token + "' is not an integer in [0, 2^24]")
                .atField("model.vocab");
        tokenizer.vocab.emplace(token, *value);
    }
    const Json& merges = model.contains("merges") ? model["merges"] : Json::array();
    int rank = 0;
    for (const Json& merge : merges) {
        std::string left, right;
        if (merge.is_string()) { // "a b"
            const std::string text = merge.get<std::string>();
            const auto space = text.find(' ');
            if (space == std::string::npos)
                return Status::parseError("merge '" + text + "' has no space").atField("model.merges");
            left = text.substr(0, space);
            right = text.substr(space + 1);
        } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
            left = merge[0].get<std::string>();
            right = merge[1].get<std::string>();
        } else {
            return Status::parseError("expected \"a b\" or [\"a\", \"b\"]").atField("model.merges");
        }
        tokenizer.merges.add(std::move(left), std::move(right), rank++);
    }
    return Status::ok();
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> parseTokenizerJson(std::string_view json, const std::string& source) {
    bool tooDeep = false;
    const Json root = parseJsonText(json, &tooDeep);
    if (root.is_discarded() || !root.is_object())
        return Status::parseError(tooDeep ? "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                                          : std::string("not a JSON object (or not valid UTF-8)"))
            .inFile(source);
    // Dispatch on the model kind; typed getters would throw on fields of another type (found by fuzzing).
    if (root.contains("model") && root["model"].is_object()) {
        const Json& model = root["model"];
        if (model.contains("type") && model["type"].is_string() &&
            model["type"].get<std::string>() == "WordPiece")
            return wordPieceFromJson(root, source);
        if (model.contains("byte_fallback") && model["byte_fallback"].is_boolean() &&
            model["byte_fallback"].get<bool>())
            return byteFallbackBpeFromJson(root, source);
    }
    auto tokenizer = std::make_unique<ByteLevelBpeTokenizer>();
    auto fail = [&source](Status status) {
        return std::move(status).inFile(source);
    };
    try { // nlohmann's typed getters throw on type mismatches: turn them into field errors
        if (root.contains("normalizer") && !root["normalizer"].is_null()) {
            const std::string type = root["normalizer"].value("type", "");
            if (type != "NFC")
                return fail(
                    Status::unsupported("normalizer '" + type + "' is not supported by this loader yet")
                        .atField("normalizer.type"));
            if (!unicodeNormalizationAvailable())
                return fail(
                    Status::unsupported("NFC needs ICU, which this build lacks").atField("normalizer.type"));
            tokenizer->nfc = true;
        }
        if (Status s = parseModel(root.value("model", Json::object()), *tokenizer); !s.isOk())
            return fail(s);
        if (Status s = parsePreTokenizer(root.value("pre_tokenizer", Json()), *tokenizer, "pre_tokenizer");
            !s.isOk())
            return fail(s);
        if (Status s = parsePostProcessor(root.value("post_processor", Json()), *tokenizer); !s.isOk())
            return fail(s);
        for (const Json& entry : root.value("added_tokens", Json::array())) {
            const auto id = tokenId(entry.at("id"));
            if (!id)
                return fail(Status::parseError("ids must be integers in [0, 2^24]").atField("added_tokens"));
            tokenizer->added.push_back(
                {entry.at("content").get<std::string>(), *id, entry.value("special", false)});
        }
    } catch (const Json::exception& error) {
        return fail(Status::parseError(std::string("unexpected structure: ") + error.what()));
    }

    int32_t size = 0;
    for (const auto& [token, id] : tokenizer->vocab)
        size = std::max(size, id + 1);
    for (const AddedToken& token : tokenizer->added)
        size = std::max(size, token.id + 1);
    tokenizer->idToToken.assign(static_cast<std::size_t>(size), {});
    tokenizer->isSpecial.assign(static_cast<std::size_t>(size), false);
    for (const auto& [token, id] : tokenizer->vocab)
        tokenizer->idToToken[id] = token;
    std::stable_sort(
        tokenizer->added.begin(), tokenizer->added.end(),
        [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
    for (std::size_t i = 0; i < tokenizer->added.size(); ++i) {
        const AddedToken& token = tokenizer->added[i];
        if (token.content.empty())
            return fail(Status::parseError("an added token has empty content").atField("added_tokens"));
        tokenizer->idToToken[token.id] = token.content;
        tokenizer->isSpecial[token.id] = token.special;
        tokenizer->addedByFirstByte[static_cast<unsigned char>(token.content[0])].push_back(i);
    }
    if (Status ids = checkTemplateIds(tokenizer->singleTemplate, tokenizer->idToToken); !ids.isOk())
        return fail(std::move(ids));
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string& path) {
    std::filesystem::path file(path);
    std::error_code error;
    if (std::filesystem::is_directory(file, error))
        file /= "tokenizer.json";
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string json, readWholeFile(file.string()));
    return parseTokenizerJson(json, file.string());
}

} // namespace attnscope::tokenizers
