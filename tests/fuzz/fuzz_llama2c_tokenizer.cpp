// SPDX-License-Identifier: Apache-2.0
// Any byte string as a llama2.c tokenizer.bin: refuse with a Status naming the file, or load; a loaded
// tokenizer encodes a fixed text with one in-range offset per id and decodes its own ids.
#include "attnscope/tokenizers/tokenizer.h"

#include "refusal_checks.h"
#include "tokenizer_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto tokenizer = attnscope::tokenizers::parseLlama2cTokenizer(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-tokenizer.bin");
    if (attnscope::fuzz::refused(tokenizer, "fuzz-tokenizer.bin"))
        return 0;
    // Spaces to merge, a multi-byte letter and an emoji for byte fallback, a control token's text.
    constexpr std::string_view text = " Hello  wörld 😀 <s>\n x";
    attnscope::fuzz::checkEncodes(**tokenizer, text, true);
    return 0;
}
