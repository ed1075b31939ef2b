// SPDX-License-Identifier: Apache-2.0
// The needle-in-a-haystack prompts of the retrieval score (METHODS.md 3a protocol): a haystack text cut
// to each context length, the needle inserted at each depth, the question appended.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::analyses {

struct NeedleSpec {
    std::string needle;   ///< the sentence inserted into the haystack; must contain `answer`
    std::string question; ///< appended after the haystack
    std::string answer;   ///< what a retrieving model copies from the needle
};

struct GeneratedNeedle {
    std::string prompt;
    std::string answer;
    int64_t answerBegin = 0, answerEnd = 0; ///< byte span of the answer inside the inserted needle
    int contextTokens = 0;                  ///< the prompt's length in tokens (with special tokens)
    int targetTokens = 0;
    double depth = 0;
};

/// For every needle, context length (tokens, the whole prompt) and depth in [0, 1]: the haystack's
/// beginning cut at a token boundary so that haystack + needle + question fit the length, the needle
/// inserted after the last sentence end ('.', '!', '?' or a newline) before depth × haystack (or at
/// the start), then "\n\n" + question. Errors name the field (empty haystack, an answer missing from its
/// needle, a length too small for needle and question, a depth outside [0, 1]).
Expected<std::vector<GeneratedNeedle>> generateNeedlePrompts(const tokenizers::Tokenizer& tokenizer,
                                                             const std::string& haystack,
                                                             const std::vector<NeedleSpec>& needles,
                                                             const std::vector<int>& contextLengths,
                                                             const std::vector<double>& depths);

} // namespace attnscope::analyses
