// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/needle_generator.h"

#include <algorithm>

namespace attnscope::analyses {

namespace {

Expected<int> tokenCount(const tokenizers::Tokenizer& tokenizer, const std::string& text, bool special) {
    ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding encoding, tokenizer.encode(text, special));
    return static_cast<int>(encoding.ids.size());
}

/// The byte position after the last sentence end at or before `at` (0 when there is none).
std::size_t sentenceBoundary(const std::string& text, std::size_t at) {
    for (std::size_t i = std::min(at, text.size()); i > 0; --i) {
        const char c = text[i - 1];
        if (c == '.' || c == '!' || c == '?' || c == '\n')
            return i;
    }
    return 0;
}

} // namespace

Expected<std::vector<GeneratedNeedle>> generateNeedlePrompts(const tokenizers::Tokenizer& tokenizer,
                                                             const std::string& haystack,
                                                             const std::vector<NeedleSpec>& needles,
                                                             const std::vector<int>& contextLengths,
                                                             const std::vector<double>& depths) {
    if (haystack.empty())
        return Status::invalidArgument("the haystack text is empty").atField("haystack");
    ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding hay, tokenizer.encode(haystack, false));
    std::vector<GeneratedNeedle> prompts;
    for (std::size_t n = 0; n < needles.size(); ++n) {
        const NeedleSpec& spec = needles[n];
        const std::size_t answerAt = spec.needle.find(spec.answer);
        if (spec.answer.empty() || answerAt == std::string::npos)
            return Status::invalidArgument("the answer does not occur in its needle")
                .atField("needles[" + std::to_string(n) + "].answer");
        const std::string needle = " " + spec.needle + " ", tail = "\n\n" + spec.question;
        ATTNSCOPE_ASSIGN_OR_RETURN(const int overhead, tokenCount(tokenizer, needle + tail, true));
        for (int length : contextLengths) {
            const int budget = length - overhead;
            if (budget < 1)
                return Status::invalidArgument("context length " + std::to_string(length) +
                                               " leaves no room for the haystack beside needle and question")
                    .atField("lengths");
            const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(budget), hay.ids.size());
            const std::string context =
                haystack.substr(0, keep > 0 ? static_cast<std::size_t>(hay.offsets[keep - 1].second) : 0);
            for (double depth : depths) {
                if (depth < 0.0 || depth > 1.0)
                    return Status::invalidArgument("depth " + std::to_string(depth) + " is outside [0, 1]")
                        .atField("depths");
                const std::size_t at =
                    depth <= 0.0
                        ? 0
                        : sentenceBoundary(
                              context, static_cast<std::size_t>(depth * static_cast<double>(context.size())));
                GeneratedNeedle prompt;
                prompt.prompt = context.substr(0, at) + needle + context.substr(at) + tail;
                prompt.answer = spec.answer;
                prompt.answerBegin = static_cast<int64_t>(at + 1 + answerAt);
                prompt.answerEnd = prompt.answerBegin + static_cast<int64_t>(spec.answer.size());
                prompt.targetTokens = length;
                prompt.depth = depth;
                ATTNSCOPE_ASSIGN_OR_RETURN(prompt.contextTokens, tokenCount(tokenizer, prompt.prompt, true));
                prompts.push_back(std::move(prompt));
            }
        }
    }
    return prompts;
}

} // namespace attnscope::analyses
