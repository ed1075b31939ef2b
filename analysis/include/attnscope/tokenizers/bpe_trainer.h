// SPDX-License-Identifier: Apache-2.0
// Trains a byte-level BPE tokenizer on text and writes it as a Hugging Face tokenizer.json.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"

#include <string>
#include <vector>

namespace attnscope::tokenizers {

/// Qwen2's pre-tokenizer pattern: words with their leading space, each digit alone (so numbers are
/// copied digit by digit), punctuation runs, newline runs.
extern const char* const kSingleDigitPattern;

struct BpeTrainerOptions {
    /// Total vocabulary including the 256 byte tokens and the special tokens.
    int vocabSize = 2048;
    /// Pre-tokenizer regex (HF "Split", Isolated) applied before byte-level BPE.
    std::string pattern = kSingleDigitPattern;
    /// Special tokens, given ids 0, 1, ... in this order. The first is the BOS token the
    /// post-processor prepends when it is non-empty.
    std::vector<std::string> specialTokens = {"<|bos|>", "<|eos|>"};
    bool prependBos = true;
    /// A pair must occur at least this often to be merged; training stops early otherwise.
    int minFrequency = 2;
};

/// Trains merges on `documents` (UTF-8; invalid UTF-8 is an error naming the document) and returns
/// tokenizer.json text that loadTokenizerJson() reads back. Deterministic: ties between equally
/// frequent pairs go to the pair of lower symbol ids. Reports progress per merge; cancellable.
Expected<std::string> trainByteLevelBpe(const std::vector<std::string>& documents,
                                        const BpeTrainerOptions& options = {}, const Progress& progress = {});

} // namespace attnscope::tokenizers
