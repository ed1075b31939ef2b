// SPDX-License-Identifier: Apache-2.0
// Unicode normalization for tokenizer.json normalizers, keeping a map back to the original bytes (internal).
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::tokenizers {

/// Normalized text and, for each of its bytes, the original byte span it came from.
struct NormalizedText {
    std::string text;
    std::vector<int64_t> originalStart; ///< per normalized byte
    std::vector<int64_t> originalEnd;   ///< per normalized byte
};

/// Whether this build can apply Unicode normalization forms (it needs ICU).
bool unicodeNormalizationAvailable();

/// NFC-normalizes valid UTF-8 `text`. Unchanged text maps byte to byte; a changed stretch (between
/// normalization boundaries) maps every one of its bytes to the whole original stretch.
Expected<NormalizedText> normalizeNfc(std::string_view text);

} // namespace attnscope::tokenizers
