// SPDX-License-Identifier: Apache-2.0
// SentencePiece unigram models (T5, ALBERT, XLNet, mT5 and most .model files trained with the default
// model type), read by AttnScope itself: libsentencepiece cannot share a process with LibTorch
// (PLATFORM.md). Semantics follow SentencePiece's own code:
//  - the normalizer: the precompiled character map (a darts-clone double-array trie of rules, longest
//    match wins), heading/trailing/repeated whitespace removal, the "▁" dummy prefix, spaces as "▁";
//  - the encoder: Viterbi over piece scores (unknown characters cost min score − 10; runs of them merge
//    into one <unk>, or become <0xXX> byte pieces when the model has byte fallback);
//  - offsets: each piece's span of the original text, through the normalizer's alignment.
// Not supported: user-defined symbols matched before normalization, treat_whitespace_as_suffix.
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace attnscope::tokenizers {

/// NormalizerSpec of a SentencePiece model (proto field numbers in sentencepiece_model.cpp).
struct SpmNormalizerSpec {
    std::string name = "nmt_nfkc";
    std::string precompiledCharsmap; ///< <uint32 trie bytes><double-array units><NUL-separated outputs>
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
};

struct SpmPiece {
    std::string text;
    float score = 0;
    /// ModelProto.SentencePiece.Type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    int type = 1;
};

struct SpmUnigramModel {
    std::vector<SpmPiece> pieces;
    SpmNormalizerSpec normalizer;
    bool byteFallback = false;
};

/// Checks the model (an unknown piece, a readable character map) and builds the tokenizer; errors name
/// `source` and the field.
Expected<std::unique_ptr<Tokenizer>> makeSpmUnigramTokenizer(SpmUnigramModel model,
                                                             const std::string& source);

} // namespace attnscope::tokenizers
