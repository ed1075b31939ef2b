// SPDX-License-Identifier: Apache-2.0
// Tokenizers embedded in GGUF files (tokenizer.ggml.*): "gpt2" (byte-level BPE, fed to the tokenizer.json
// reader), "llama" (SentencePiece BPE with byte fallback) and "bert" (WordPiece, rebuilt as a BERT
// tokenizer.json).
#include "attnscope/tokenizers/tokenizer.h"

#include "attnscope/model/gguf.h"
#include "spm_bpe.h"

#include <nlohmann/json.hpp>

namespace attnscope::tokenizers {

namespace {

using model::GgufFile;
using model::GgufType;
using model::GgufValue;

/// An array of `type` under `key`; errors name the key.
Expected<const std::vector<GgufValue>*> arrayOf(const GgufFile& gguf, const std::string& key, GgufType type,
                                                bool required, const std::string& source) {
    const GgufValue* value = gguf.find(key);
    if (!value) {
        if (required)
            return Status::parseError("missing tokenizer key").inFile(source).atField(key);
        return static_cast<const std::vector<GgufValue>*>(nullptr);
    }
    if (value->type != GgufType::Array || value->elementType != type)
        return Status::parseError(std::string("expected an array of ") + model::ggufTypeName(type))
            .inFile(source)
            .atField(key);
    return &value->array;
}

/// A string array under `key` whose entries are all UTF-8 text. GGUF strings are unchecked bytes; the
/// tokenizers built from tokenizer.json (which the gpt2 and bert vocabularies become) need text.
Expected<const std::vector<GgufValue>*> textArrayOf(const GgufFile& gguf, const std::string& key,
                                                    const std::string& source) {
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* list, arrayOf(gguf, key, GgufType::String, true, source));
    for (std::size_t i = 0; i < list->size(); ++i)
        if (!validateUtf8(*(*list)[i].toString()).isOk())
            return Status::parseError("entry " + std::to_string(i) + " is not valid UTF-8")
                .inFile(source)
                .atField(key);
    return list;
}

/// llama.cpp's pre-tokenizer names (tokenizer.ggml.pre) mapped to the regexes of their tokenizer.json.
std::string preTokenizerPattern(const std::string& name) {
    if (name == "llama-bpe" || name == "llama3" || name == "smaug-bpe")
        return R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    if (name == "qwen2")
        return R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    return R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"; // gpt-2, default
}

Expected<std::unique_ptr<Tokenizer>> byteLevelFromGguf(const GgufFile& gguf, const std::string& source) {
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* tokens, textArrayOf(gguf, "tokenizer.ggml.tokens", source));
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* merges, textArrayOf(gguf, "tokenizer.ggml.merges", source));
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* types,
                               arrayOf(gguf, "tokenizer.ggml.token_type", GgufType::Int32, false, source));
    nlohmann::json vocab = nlohmann::json::object(), added = nlohmann::json::array();
    for (std::size_t id = 0; id < tokens->size(); ++id) {
        const std::string& token = *(*tokens)[id].toString();
        const int type = types && id < types->size() ? static_cast<int>((*types)[id].toInt().value_or(1)) : 1;
        if (type == 3 || type == 4) // CONTROL or USER_DEFINED: matched as whole added tokens
            added.push_back({{"id", id}, {"content", token}, {"special", type == 3}});
        else
            vocab[token] = id;
    }
    nlohmann::json mergeList = nlohmann::json::array();
    for (const GgufValue& merge : *merges)
        mergeList.push_back(*merge.toString());
    std::string pre = "default";
    if (const GgufValue* value = gguf.find("tokenizer.ggml.pre"); value && value->toString())
        pre = *value->toString();
    const nlohmann::json json = {
        {"added_tokens", added},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"}, {"pattern", {{"Regex", preTokenizerPattern(pre)}}}, {"behavior", "Isolated"}},
            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", mergeList}}}};
    return parseTokenizerJson(json.dump(), source);
}

Expected<std::unique_ptr<Tokenizer>> sentencePieceFromGguf(const GgufFile& gguf, const std::string& source) {
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* tokens,
                               arrayOf(gguf, "tokenizer.ggml.tokens", GgufType::String, true, source));
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* scores,
                               arrayOf(gguf, "tokenizer.ggml.scores", GgufType::Float32, true, source));
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* types,
                               arrayOf(gguf, "tokenizer.ggml.token_type", GgufType::Int32, false, source));
    if (scores->size() != tokens->size())
        return Status::parseError("has " + std::to_string(scores->size()) + " entries for " +
                                  std::to_string(tokens->size()) + " tokens")
            .inFile(source)
            .atField("tokenizer.ggml.scores");
    SpmBpeVocabulary vocabulary;
    for (std::size_t id = 0; id < tokens->size(); ++id) {
        std::string text = *(*tokens)[id].toString();
        for (std::size_t at = text.find("\xE2\x96\x81"); at != std::string::npos;
             at = text.find("\xE2\x96\x81", at))
            text.replace(at, 3, " ");
        vocabulary.pieces.push_back(std::move(text));
        vocabulary.scores.push_back(static_cast<float>((*scores)[id].toDouble().value_or(0.0)));
        const int type = types && id < types->size() ? static_cast<int>((*types)[id].toInt().value_or(1)) : 1;
        vocabulary.control.push_back(type == 2 || type == 3); // UNKNOWN, CONTROL
    }
    auto special = [&](const char* key, int32_t fallback) {
        const GgufValue* value = gguf.find(key);
        return value && value->toInt() ? static_cast<int32_t>(*value->toInt()) : fallback;
    };
    vocabulary.unk = special("tokenizer.ggml.unknown_token_id", 0);
    vocabulary.bos = special("tokenizer.ggml.bos_token_id", 1);
    vocabulary.eos = special("tokenizer.ggml.eos_token_id", 2);
    return makeSpmBpeTokenizer(std::move(vocabulary), source);
}

/// llama.cpp's `bert` vocabulary (WordPiece): its converter stores "##ing" as "ing", "hello" as "▁hello"
/// and keeps bracketed specials ("[CLS]"); undone here into a BERT tokenizer.json (uncased BertNormalizer,
/// BertPreTokenizer, [CLS] ... [SEP]), the form the WordPiece tokenizer reads.
Expected<std::unique_ptr<Tokenizer>> wordPieceFromGguf(const GgufFile& gguf, const std::string& source) {
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* tokens, textArrayOf(gguf, "tokenizer.ggml.tokens", source));
    ATTNSCOPE_ASSIGN_OR_RETURN(const auto* types,
                               arrayOf(gguf, "tokenizer.ggml.token_type", GgufType::Int32, false, source));
    const std::string phantomSpace = "\xE2\x96\x81";
    nlohmann::json vocab = nlohmann::json::object(), added = nlohmann::json::array();
    for (std::size_t id = 0; id < tokens->size(); ++id) {
        const std::string& stored = *(*tokens)[id].toString();
        const int type = types && id < types->size() ? static_cast<int>((*types)[id].toInt().value_or(1)) : 1;
        const bool bracketed = stored.size() >= 2 && stored.front() == '[' && stored.back() == ']';
        std::string token = bracketed                            ? stored
                            : stored.rfind(phantomSpace, 0) == 0 ? stored.substr(phantomSpace.size())
                                                                 : "##" + stored;
        if (type == 3 || type == 4) // CONTROL or USER_DEFINED
            added.push_back({{"id", id}, {"content", token}, {"special", type == 3}});
        if (!vocab.contains(token)) // the first id of a duplicate wins, as in a vocab.txt
            vocab[token] = id;
    }
    auto special = [&](const char* key, const char* name) -> Expected<int64_t> {
        const GgufValue* value = gguf.find(key);
        if (value && value->toInt())
            return *value->toInt();
        if (vocab.contains(name))
            return vocab[name].get<int64_t>();
        return Status::notFound(std::string("no ") + name + " token").inFile(source).atField(key);
    };
    ATTNSCOPE_ASSIGN_OR_RETURN(const int64_t cls, special("tokenizer.ggml.cls_token_id", "[CLS]"));
    // llama.cpp spells the key "seperator".
    ATTNSCOPE_ASSIGN_OR_RETURN(const int64_t sep, special("tokenizer.ggml.seperator_token_id", "[SEP]"));
    ATTNSCOPE_ASSIGN_OR_RETURN(const int64_t unk, special("tokenizer.ggml.unknown_token_id", "[UNK]"));
    for (const auto& [id, key] : {std::pair{cls, "tokenizer.ggml.cls_token_id"},
                                  {sep, "tokenizer.ggml.seperator_token_id"},
                                  {unk, "tokenizer.ggml.unknown_token_id"}})
        if (id < 0 || static_cast<std::size_t>(id) >= tokens->size())
            return Status::parseError("token id " + std::to_string(id) + " is outside the vocabulary")
                .inFile(source)
                .atField(key);
    auto name = [&](int64_t id) {
        const std::string& stored = *(*tokens)[static_cast<std::size_t>(id)].toString();
        return stored.rfind(phantomSpace, 0) == 0 ? stored.substr(phantomSpace.size()) : stored;
    };
    const nlohmann::json json = {
        {"added_tokens", added},
        {"normalizer",
         {{"type", "BertNormalizer"},
          {"clean_text", true},
          {"handle_chinese_chars", true},
          {"strip_accents", nullptr},
          {"lowercase", true}}},
        {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
        {"post_processor",
         {{"type", "BertProcessing"}, {"cls", {name(cls), cls}}, {"sep", {name(sep), sep}}}},
        {"model",
         {{"type", "WordPiece"},
          {"unk_token", name(unk)},
          {"continuing_subword_prefix", "##"},
          {"max_input_chars_per_word", 100},
          {"vocab", vocab}}}};
    return parseTokenizerJson(json.dump(), source);
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const GgufFile& gguf, const std::string& source) {
    const GgufValue* kind = gguf.find("tokenizer.ggml.model");
    if (!kind || !kind->toString())
        return Status::notFound("this GGUF file has no embedded tokenizer")
            .inFile(source)
            .atField("tokenizer.ggml.model");
    const std::string& name = *kind->toString();
    if (name == "gpt2")
        return byteLevelFromGguf(gguf, source);
    if (name == "llama")
        return sentencePieceFromGguf(gguf, source);
    if (name == "bert")
        return wordPieceFromGguf(gguf, source);
    return Status::unsupported("GGUF tokenizer model '" + name + "' (supported: gpt2, llama)")
        .inFile(source)
        .atField("tokenizer.ggml.model");
}

} // namespace attnscope::tokenizers
