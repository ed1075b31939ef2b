// SPDX-License-Identifier: Apache-2.0
// Parsing JSON read from files (configs, tokenizers, safetensors headers, manifests, project documents).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace attnscope {

/// Deeper nesting than any file AttnScope reads has (tokenizer.json: about 8 levels).
constexpr int kMaxJsonDepth = 128;

/// Parses `text` without exceptions. Nesting deeper than kMaxJsonDepth is refused like a syntax error:
/// nlohmann parses iteratively but copies and compares nested values recursively, so a file of a million
/// '[' would overflow the stack later. Returns a discarded value on any error; `tooDeep` (optional) says
/// whether the depth was the reason.
inline nlohmann::json parseJsonText(std::string_view text, bool* tooDeep = nullptr) {
    bool deep = false;
    // Values below the limit are dropped as they are met, so nothing deep is ever built.
    auto limit = [&deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth)
            deep = true;
        return !deep;
    };
    nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
    if (tooDeep)
        *tooDeep = deep;
    return deep ? nlohmann::json(nlohmann::json::value_t::discarded) : value;
}

} // namespace attnscope
