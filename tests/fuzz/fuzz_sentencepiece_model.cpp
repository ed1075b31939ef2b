// SPDX-License-Identifier: Apache-2.0
// Any byte string as a SentencePiece .model (BPE or unigram): refuse with a Status or load; a loaded model
// encodes a fixed text without crashing, with one in-range offset per id.
#include "attnscope/tokenizers/tokenizer.h"

#include "refusal_checks.h"
#include "tokenizer_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto tokenizer = attnscope::tokenizers::parseSentencePieceModel(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.model");
    if (attnscope::fuzz::refused(tokenizer, "fuzz.model"))
        return 0;
    // Spaces to collapse, a full-width letter and a no-break space for normalization rules, an emoji for
    // unknown runs and byte fallback.
    constexpr std::string_view text = "  Hello  wörld ｆ\u00A0😀😀 ▁x ";
    attnscope::fuzz::checkEncodes(**tokenizer, text, true);
    return 0;
}
