// SPDX-License-Identifier: Apache-2.0
// Any byte string as a tokenizer.json, then (when it loads) as text to encode: errors are Statuses,
// never crashes; an accepted encoding has one in-range offset per id.
#include "attnscope/tokenizers/tokenizer.h"

#include "refusal_checks.h"
#include "tokenizer_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // The first line is the tokenizer.json, the rest the text to encode.
    const std::size_t newline = input.find('\n');
    const std::string_view json = input.substr(0, newline);
    const std::string_view text =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    auto tokenizer = attnscope::tokenizers::parseTokenizerJson(json, "fuzz.json");
    if (attnscope::fuzz::refused(tokenizer, "fuzz.json"))
        return 0;
    attnscope::fuzz::checkEncodes(**tokenizer, text, true);
    return 0;
}
