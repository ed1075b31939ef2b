// SPDX-License-Identifier: Apache-2.0
#include "attnscope/tokenizers/tokenizer.h"

#include <algorithm>

namespace attnscope::tokenizers {

namespace {

/// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid (overlong forms,
/// surrogates and code points past U+10FFFF included).
std::size_t sequenceLength(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) {
        return static_cast<unsigned char>(text[k]);
    };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80)
        return 1;
    std::size_t length;
    uint32_t minimum;
    if ((b0 & 0xE0) == 0xC0) {
        length = 2;
        minimum = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        length = 3;
        minimum = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        length = 4;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    uint32_t code = b0 & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

} // namespace

Status validateUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = sequenceLength(text, i);
        if (length == 0)
            return Status::invalidArgument("invalid UTF-8 at byte " + std::to_string(i)).atField("text");
        i += length;
    }
    return Status::ok();
}

std::vector<Span> toCodePointOffsets(std::string_view text, const std::vector<Span>& byteOffsets) {
    // codePointAt[b] = number of code points before byte b (for every b at a sequence boundary).
    std::vector<int64_t> codePointAt(text.size() + 1, 0);
    int64_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool leadByte = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        codePointAt[i] =
            leadByte ? count : count - 1; // a continuation byte belongs to the previous character
        count += leadByte ? 1 : 0;
    }
    codePointAt[text.size()] = count;
    std::vector<Span> out;
    out.reserve(byteOffsets.size());
    for (const auto& [start, end] : byteOffsets) {
        const auto clamp = [&](int64_t b) {
            return codePointAt[static_cast<std::size_t>(std::clamp<int64_t>(b, 0, text.size()))];
        };
        // An end inside a multi-byte sequence counts the whole character.
        int64_t endCode = clamp(end);
        if (end > 0 && end < static_cast<int64_t>(text.size()) &&
            (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            endCode += 1;
        out.emplace_back(clamp(start), endCode);
    }
    return out;
}

} // namespace attnscope::tokenizers
