// SPDX-License-Identifier: Apache-2.0
// Any byte string as a SentencePiece .model: refuse with a Status or load; a loaded model encodes a fixed
// text without crashing and with one offset per id.
#include "attnscope/tokenizers/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto tokenizer = attnscope::tokenizers::parseSentencePieceModel(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.model");
    if (!tokenizer) {
        if (tokenizer.status().file() != "fuzz.model")
            __builtin_trap();
        return 0;
    }
    auto encoding = (*tokenizer)->encode("Hello wörld 😀 ▁x", true);
    if (encoding && encoding->ids.size() != encoding->offsets.size())
        __builtin_trap();
    if (encoding)
        (void)(*tokenizer)->decode(encoding->ids);
    return 0;
}
