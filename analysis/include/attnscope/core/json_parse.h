// SPDX-License-Identifier: Apache-2.0
// Parsing JSON read from files (configs, tokenizers, safetensors headers, manifests, project documents).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

namespace attnscope {

/// Deeper nesting than any file AttnScope reads has (tokenizer.json: about 8 levels).
constexpr int kMaxJsonDepth = 128;

/// The deepest nesting of arrays and objects in `text` (brackets inside strings do not count), or
/// kMaxJsonDepth + 1 as soon as it is exceeded. One linear pass.
inline int jsonNestingDepth(std::string_view text) {
    int depth = 0, deepest = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                return depth;
            deepest = std::max(deepest, depth);
        } else if (c == ']' || c == '}') {
            --depth; // unbalanced text is the parser's to refuse
        }
    }
    return deepest;
}

/// Parses `text` without exceptions. Nesting deeper than kMaxJsonDepth arrays and objects is refused
/// like a syntax error, before parsing: nlohmann parses iteratively but copies and compares nested values
/// recursively, so a file of a million '[' would overflow the stack later. (A parser callback could
/// count depth too, but any callback makes nlohmann rescan the parent container at the end of every
/// object: quadratic in a long array of objects.) Returns a discarded value on any error; `tooDeep`
/// (optional) says whether the depth was the reason.
inline nlohmann::json parseJsonText(std::string_view text, bool* tooDeep = nullptr) {
    const bool deep = jsonNestingDepth(text) > kMaxJsonDepth;
    if (tooDeep)
        *tooDeep = deep;
    if (deep)
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

} // namespace attnscope
