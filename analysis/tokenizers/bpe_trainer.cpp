// SPDX-License-Identifier: Apache-2.0
// Byte-level BPE training with incremental pair counts: each merge touches only the words that hold
// the merged pair, so training a few thousand merges on megabytes of text takes seconds.
#include "attnscope/tokenizers/bpe_trainer.h"

#include "attnscope/tokenizers/tokenizer.h"
#include "bpe_model.h"
#include "regex_splitter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <unordered_map>

namespace attnscope::tokenizers {

const char* const kSingleDigitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

using Json = nlohmann::ordered_json;

struct Word {
    std::vector<int32_t> symbols;
    int64_t count = 0;
};

uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
}

/// Pair statistics over all words, kept current as merges rewrite words.
class PairTable {
public:
    void add(const Word& word, int32_t index, int64_t sign) {
        for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
            const uint64_t key = pairKey(word.symbols[i], word.symbols[i + 1]);
            int64_t& count = m_counts[key];
            count += sign * word.count;
            if (count <= 0)
                m_counts.erase(key);
            if (sign > 0)
                m_where[key].push_back(index);
        }
    }

    /// The most frequent pair (ties: lowest key), or false when none reaches `minFrequency`.
    bool best(int64_t minFrequency, uint64_t& key, int64_t& count) const {
        count = 0;
        for (const auto& [candidate, n] : m_counts)
            if (n > count || (n == count && candidate < key)) {
                key = candidate;
                count = n;
            }
        return count >= minFrequency;
    }

    /// Words that may hold `key` (stale entries possible: callers re-check); clears the list.
    std::vector<int32_t> takeWords(uint64_t key) {
        auto it = m_where.find(key);
        if (it == m_where.end())
            return {};
        std::vector<int32_t> words = std::move(it->second);
        m_where.erase(it);
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        return words;
    }

private:
    std::unordered_map<uint64_t, int64_t> m_counts;
    std::unordered_map<uint64_t, std::vector<int32_t>> m_where;
};

/// Replaces every non-overlapping (left, right), left to right, by `merged`; false when absent.
bool applyMerge(Word& word, int32_t left, int32_t right, int32_t merged) {
    std::vector<int32_t>& s = word.symbols;
    bool changed = false;
    std::size_t out = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
            s[out++] = merged;
            ++i;
            changed = true;
        } else {
            s[out++] = s[i];
        }
    }
    s.resize(out);
    return changed;
}

Json templateProcessor(const std::string& bos) {
    Json single = Json::array(), pair = Json::array();
    single.push_back({{"SpecialToken", {{"id", bos}, {"type_id", 0}}}});
    single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
    pair = single;
    pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
    return {{"type", "TemplateProcessing"},
            {"single", single},
            {"pair", pair},
            {"special_tokens", {{bos, {{"id", bos}, {"ids", {0}}, {"tokens", {bos}}}}}}};
}

} // namespace

Expected<std::string> trainByteLevelBpe(const std::vector<std::string>& documents,
                                        const BpeTrainerOptions& options, const Progress& progress) {
    const int specials = static_cast<int>(options.specialTokens.size());
    if (options.vocabSize < 256 + specials)
        return Status::invalidArgument("must be at least 256 + the number of special tokens")
            .atField("vocab_size");
    ATTNSCOPE_ASSIGN_OR_RETURN(RegexSplitter splitter, RegexSplitter::compile(options.pattern));

    std::unordered_map<std::string, int64_t> wordCounts;
    for (std::size_t d = 0; d < documents.size(); ++d) {
        const std::string& text = documents[d];
        if (Status valid = validateUtf8(text); !valid.isOk())
            return std::move(valid).atField("documents[" + std::to_string(d) + "]");
        for (const Span& span : splitter.split(text, 0, static_cast<int64_t>(text.size())))
            ++wordCounts[text.substr(span.first, span.second - span.first)];
    }
    std::map<std::string, int64_t> sortedWords(wordCounts.begin(), wordCounts.end()); // deterministic order
    std::vector<Word> words;
    words.reserve(sortedWords.size());
    for (const auto& [text, count] : sortedWords) {
        Word word{{}, count};
        for (unsigned char byte : text)
            word.symbols.push_back(byte);
        words.push_back(std::move(word));
    }

    const ByteAlphabet alphabet;
    std::vector<std::string> symbolText(256);
    for (int b = 0; b < 256; ++b)
        symbolText[b] = alphabet.encode(static_cast<unsigned char>(b));
    PairTable pairs;
    for (std::size_t i = 0; i < words.size(); ++i)
        pairs.add(words[i], static_cast<int32_t>(i), +1);

    const int mergesWanted = options.vocabSize - 256 - specials;
    std::vector<std::pair<int32_t, int32_t>> merges;
    while (static_cast<int>(merges.size()) < mergesWanted) {
        uint64_t key = 0;
        int64_t count = 0;
        if (!pairs.best(options.minFrequency, key, count))
            break;
        const auto left = static_cast<int32_t>(key >> 32), right = static_cast<int32_t>(key & 0xffffffffu);
        const auto merged = static_cast<int32_t>(symbolText.size());
        symbolText.push_back(symbolText[left] + symbolText[right]);
        merges.emplace_back(left, right);
        for (int32_t index : pairs.takeWords(key)) {
            Word& word = words[index];
            Word before = word;
            if (!applyMerge(word, left, right, merged))
                continue;
            pairs.add(before, index, -1);
            pairs.add(word, index, +1);
        }
        if (merges.size() % 64 == 0)
            ATTNSCOPE_TRY(progress.update(static_cast<float>(merges.size()) / mergesWanted, "training BPE"));
    }

    Json vocab = Json::object();
    for (int i = 0; i < specials; ++i)
        vocab[options.specialTokens[i]] = i;
    for (std::size_t s = 0; s < symbolText.size(); ++s)
        vocab[symbolText[s]] = specials + static_cast<int>(s);
    Json mergeList = Json::array();
    for (const auto& [left, right] : merges)
        mergeList.push_back(symbolText[left] + " " + symbolText[right]);
    Json added = Json::array();
    for (int i = 0; i < specials; ++i)
        added.push_back({{"id", i},
                         {"content", options.specialTokens[i]},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", false},
                         {"special", true}});

    Json root = Json::object();
    root["version"] = "1.0";
    root["truncation"] = nullptr;
    root["padding"] = nullptr;
    root["added_tokens"] = added;
    root["normalizer"] = nullptr;
    root["pre_tokenizer"] = {{"type", "Sequence"},
                             {"pretokenizers",
                              {{{"type", "Split"},
                                {"pattern", {{"Regex", options.pattern}}},
                                {"behavior", "Isolated"},
                                {"invert", false}},
                               {{"type", "ByteLevel"},
                                {"add_prefix_space", false},
                                {"trim_offsets", false},
                                {"use_regex", false}}}}};
    root["post_processor"] = options.prependBos && specials > 0
                                 ? templateProcessor(options.specialTokens[0])
                                 : Json{{"type", "ByteLevel"}, {"trim_offsets", false}};
    root["decoder"] = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
    root["model"] = {{"type", "BPE"},
                     {"dropout", nullptr},
                     {"unk_token", nullptr},
                     {"continuing_subword_prefix", nullptr},
                     {"end_of_word_suffix", nullptr},
                     {"fuse_unk", false},
                     {"byte_fallback", false},
                     {"vocab", vocab},
                     {"merges", mergeList}};
    ATTNSCOPE_TRY(progress.update(1.0f, "training BPE"));
    return root.dump(1);
}

} // namespace attnscope::tokenizers
