// SPDX-License-Identifier: Apache-2.0
// WordPiece (BERT) from tokenizer.json: BertNormalizer, BertPreTokenizer, greedy longest-match-first
// pieces with the "##" continuation prefix, [CLS]/[SEP] templates (internal header).
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace attnscope::tokenizers {

/// Builds a WordPiece tokenizer from a parsed tokenizer.json whose model.type is "WordPiece".
/// Errors name the field; `source` names the file.
Expected<std::unique_ptr<Tokenizer>> wordPieceFromJson(const nlohmann::json& root, const std::string& source);

} // namespace attnscope::tokenizers
