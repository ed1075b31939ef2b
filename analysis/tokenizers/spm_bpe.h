// SPDX-License-Identifier: Apache-2.0
// SentencePiece-style BPE shared by the .model and llama2.c tokenizer.bin loaders (internal).
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attnscope::tokenizers {

/// Pieces in id order with "▁" already turned into plain spaces; byte pieces spelled "<0xXX>".
struct SpmBpeVocabulary {
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<bool> control; ///< never produced from text (<unk>, <s>, </s>, ...)
    int32_t unk = 0, bos = 1, eos = 2;
    /// HF tokenizer.json form: merge ranks of (left, right) pairs ("▁" as a space), keyed by
    /// pairKey(). When present they decide merges (lowest rank first) instead of piece scores.
    std::unordered_map<std::string, int> pairRanks;
    /// Special tokens matched verbatim in the text before tokenizing (HF added tokens).
    std::vector<std::pair<std::string, int32_t>> specialTokens;
};

/// The key of a merge pair: byte 0xFF never occurs in UTF-8, so it cannot be part of a piece.
inline std::string pairKey(const std::string& left, const std::string& right) {
    return left + '\xff' + right;
}

/// Validates the vocabulary (all 256 byte pieces present) and builds the tokenizer.
Expected<std::unique_ptr<Tokenizer>> makeSpmBpeTokenizer(SpmBpeVocabulary vocabulary,
                                                         const std::string& source);

/// SentencePiece-style BPE from a tokenizer.json with "byte_fallback": true (HF's Llama 2, Mistral,
/// Phi-3 files): vocabulary and merges, the Prepend/Replace normalizer or the Metaspace pre-tokenizer,
/// added special tokens. Errors name the field.
Expected<std::unique_ptr<Tokenizer>> byteFallbackBpeFromJson(const nlohmann::json& root,
                                                             const std::string& source);

} // namespace attnscope::tokenizers
