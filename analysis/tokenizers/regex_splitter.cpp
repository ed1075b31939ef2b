// SPDX-License-Identifier: Apache-2.0
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex_splitter.h"

#include <pcre2.h>

namespace attnscope::tokenizers {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct RegexSplitter::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() {
        if (code)
            pcre2_code_free(code);
    }
};

RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;
RegexSplitter::~RegexSplitter() = default;

Expected<RegexSplitter> RegexSplitter::compile(const std::string& pattern) {
    int error = 0;
    PCRE2_SIZE errorOffset = 0;
    // UTF + UCP: \s, \d and \w and the property classes follow Unicode, as in the Rust regex crate that
    // Hugging Face tokenizers use. The text is validated once before splitting, so skip re-checks.
    pcre2_code* code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                      PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &errorOffset, nullptr);
    if (!code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error, message, sizeof message);
        return Status::parseError("cannot compile the pre-tokenizer regex at offset " +
                                  std::to_string(errorOffset) + ": " + reinterpret_cast<const char*>(message))
            .atField("pattern");
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // best effort: falls back to the interpreter
    RegexSplitter splitter;
    splitter.m_compiled = std::make_unique<Compiled>();
    splitter.m_compiled->code = code;
    return splitter;
}

std::vector<Span> RegexSplitter::split(std::string_view text, int64_t begin, int64_t end) const {
    std::vector<Span> pieces;
    pcre2_match_data* match = pcre2_match_data_create_from_pattern(m_compiled->code, nullptr);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    auto position = static_cast<PCRE2_SIZE>(begin);
    int64_t covered = begin;
    while (static_cast<int64_t>(position) < end) {
        const int rc = pcre2_match(m_compiled->code, subject, static_cast<PCRE2_SIZE>(end), position,
                                   PCRE2_NO_UTF_CHECK, match, nullptr);
        if (rc < 0)
            break;
        const PCRE2_SIZE* vector = pcre2_get_ovector_pointer(match);
        const auto matchStart = static_cast<int64_t>(vector[0]), matchEnd = static_cast<int64_t>(vector[1]);
        if (matchEnd == matchStart) { // empty match: step one character forward
            position = vector[1] + 1;
            while (static_cast<int64_t>(position) < end &&
                   (static_cast<unsigned char>(text[position]) & 0xC0) == 0x80)
                ++position;
            continue;
        }
        if (matchStart > covered)
            pieces.emplace_back(covered, matchStart);
        pieces.emplace_back(matchStart, matchEnd);
        covered = matchEnd;
        position = vector[1];
    }
    if (covered < end)
        pieces.emplace_back(covered, end);
    pcre2_match_data_free(match);
    return pieces;
}

} // namespace attnscope::tokenizers
