// SPDX-License-Identifier: Apache-2.0
// Pre-tokenizer regexes (GPT-2, Llama 3, Qwen) with Unicode properties, through PCRE2 (internal).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::tokenizers {

/// Splits text into pieces with HF's "Isolated" behaviour: every match is a piece, and so is every
/// stretch of text between matches. Thread-safety: split() is const and reentrant.
class RegexSplitter {
public:
    static Expected<RegexSplitter> compile(const std::string& pattern);
    RegexSplitter(RegexSplitter&&) noexcept;
    RegexSplitter& operator=(RegexSplitter&&) noexcept;
    ~RegexSplitter();

    /// Byte spans of the pieces of text[begin, end), in order, covering it without gaps.
    std::vector<Span> split(std::string_view text, int64_t begin, int64_t end) const;

private:
    RegexSplitter() = default;
    struct Compiled;
    std::unique_ptr<Compiled> m_compiled;
};

/// GPT-2's pattern (also the ByteLevel pre-tokenizer's default when use_regex is true).
extern const char* const kGpt2Pattern;

} // namespace attnscope::tokenizers
