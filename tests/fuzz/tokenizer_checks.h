// SPDX-License-Identifier: Apache-2.0
// What every accepted tokenizer must do with a text, shared by the tokenizer fuzz targets.
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <cstdint>
#include <string_view>

namespace attnscope::fuzz {

/// Encodes `text`: a refusal is fine, a crash is not; an accepted encoding has one offset per id, every
/// offset inside the text, every id inside the vocabulary, and decodes without crashing.
inline void checkEncodes(const tokenizers::Tokenizer& tokenizer, std::string_view text, bool special) {
    auto encoding = tokenizer.encode(text, special);
    if (!encoding)
        return;
    if (encoding->ids.size() != encoding->offsets.size())
        __builtin_trap();
    for (const auto& [start, end] : encoding->offsets)
        if (start < 0 || end < start || end > static_cast<int64_t>(text.size()))
            __builtin_trap();
    for (int32_t id : encoding->ids)
        if (id < 0 || id >= tokenizer.vocabSize())
            __builtin_trap();
    (void)tokenizer.decode(encoding->ids);
}

} // namespace attnscope::fuzz
