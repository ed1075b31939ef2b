// SPDX-License-Identifier: Apache-2.0
// SentencePiece-style BPE shared by the .model and llama2.c tokenizer.bin loaders (internal).
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace attnscope::tokenizers {

/// Pieces in id order with "▁" already turned into plain spaces; byte pieces spelled "<0xXX>".
struct SpmBpeVocabulary {
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<bool> control; ///< never produced from text (<unk>, <s>, </s>, ...)
    int32_t unk = 0, bos = 1, eos = 2;
};

/// Validates the vocabulary (all 256 byte pieces present) and builds the tokenizer.
Expected<std::unique_ptr<Tokenizer>> makeSpmBpeTokenizer(SpmBpeVocabulary vocabulary,
                                                         const std::string& source);

} // namespace attnscope::tokenizers
