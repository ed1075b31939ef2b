// SPDX-License-Identifier: Apache-2.0
#include "normalizer.h"

#ifdef ATTNSCOPE_HAS_ICU
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#endif

namespace attnscope::tokenizers {

bool unicodeNormalizationAvailable() {
#ifdef ATTNSCOPE_HAS_ICU
    return true;
#else
    return false;
#endif
}

#ifndef ATTNSCOPE_HAS_ICU

Expected<NormalizedText> normalizeNfc(std::string_view) {
    return Status::unsupported("this build has no Unicode normalization (configure with ICU: libicu-dev)")
        .atField("normalizer");
}

#else

namespace {

/// Appends UTF-16 `units` as UTF-8 to `out`; each byte maps to [begin, end) of the original.
Status appendUtf8(const std::u16string& units, int64_t begin, int64_t end, NormalizedText& out) {
    UErrorCode error = U_ZERO_ERROR;
    int32_t length = 0;
    u_strToUTF8(nullptr, 0, &length, units.data(), static_cast<int32_t>(units.size()), &error);
    if (error != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(error))
        return Status::internal(std::string("UTF-16 to UTF-8: ") + u_errorName(error));
    error = U_ZERO_ERROR;
    const std::size_t at = out.text.size();
    out.text.resize(at + static_cast<std::size_t>(length));
    u_strToUTF8(out.text.data() + at, length, nullptr, units.data(), static_cast<int32_t>(units.size()),
                &error);
    if (U_FAILURE(error))
        return Status::internal(std::string("UTF-16 to UTF-8: ") + u_errorName(error));
    out.originalStart.insert(out.originalStart.end(), static_cast<std::size_t>(length), begin);
    out.originalEnd.insert(out.originalEnd.end(), static_cast<std::size_t>(length), end);
    return Status::ok();
}

} // namespace

Expected<NormalizedText> normalizeNfc(std::string_view text) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2* nfc = unorm2_getNFCInstance(&error);
    if (U_FAILURE(error))
        return Status::internal(std::string("ICU NFC: ") + u_errorName(error));

    // Decode to UTF-16, remembering each code point's original byte span.
    std::u16string units;
    std::vector<int64_t> unitByte; // original byte offset of each UTF-16 unit's code point
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
        UChar32 code = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
            code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        UChar buffer[2];
        int32_t count = 0;
        UBool failed = false; // cannot fail: the text was validated, so every code point fits
        U16_APPEND(buffer, count, 2, code, failed);
        (void)failed;
        for (int32_t u = 0; u < count; ++u) {
            units.push_back(static_cast<char16_t>(buffer[u]));
            unitByte.push_back(static_cast<int64_t>(i));
        }
        i += length;
    }
    unitByte.push_back(static_cast<int64_t>(text.size()));

    NormalizedText out;
    out.text.reserve(text.size());
    // Normalize stretch by stretch between boundaries, so unchanged text keeps exact offsets.
    std::size_t start = 0;
    while (start < units.size()) {
        std::size_t end = start;
        do {
            UChar32 code;
            U16_NEXT(units.data(), end, units.size(), code);
        } while (end < units.size() && !unorm2_hasBoundaryBefore(nfc, [&] {
                     UChar32 next;
                     std::size_t probe = end;
                     U16_NEXT(units.data(), probe, units.size(), next);
                     return next;
                 }()));
        const std::u16string stretch = units.substr(start, end - start);
        error = U_ZERO_ERROR;
        std::u16string normalized(stretch.size() * 3 + 4, u'\0');
        const int32_t length = unorm2_normalize(
            nfc, reinterpret_cast<const UChar*>(stretch.data()), static_cast<int32_t>(stretch.size()),
            reinterpret_cast<UChar*>(normalized.data()), static_cast<int32_t>(normalized.size()), &error);
        if (U_FAILURE(error))
            return Status::internal(std::string("ICU NFC: ") + u_errorName(error));
        normalized.resize(static_cast<std::size_t>(length));
        const int64_t byteBegin = unitByte[start], byteEnd = unitByte[end];
        if (normalized == stretch) {
            // Unchanged: copy the original bytes with their own offsets.
            for (int64_t b = byteBegin; b < byteEnd; ++b) {
                out.text.push_back(text[static_cast<std::size_t>(b)]);
                out.originalStart.push_back(b);
                out.originalEnd.push_back(b + 1);
            }
        } else {
            ATTNSCOPE_TRY(appendUtf8(normalized, byteBegin, byteEnd, out));
        }
        start = end;
    }
    return out;
}

#endif

} // namespace attnscope::tokenizers
