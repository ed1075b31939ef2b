// SPDX-License-Identifier: Apache-2.0
// Any byte string as a GGUF image whose embedded tokenizer (tokenizer.ggml.*: gpt2, llama, bert) is
// built and used: errors are Statuses naming the file, never crashes; an accepted encoding has one
// in-range offset per id and ids inside the vocabulary. (A GGUF vocabulary with non-UTF-8 tokens once
// aborted here: the file's metadata is untrusted input like its tensors.)
#include "attnscope/model/gguf.h"
#include "attnscope/tokenizers/tokenizer.h"

#include "refusal_checks.h"
#include "tokenizer_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto gguf = attnscope::model::parseGguf(reinterpret_cast<const std::byte*>(data), size, "fuzz.gguf");
    if (!gguf)
        return 0; // the gguf target checks the parser's errors
    auto tokenizer = attnscope::tokenizers::tokenizerFromGguf(*gguf, "fuzz.gguf");
    if (attnscope::fuzz::refused(tokenizer, "fuzz.gguf"))
        return 0;
    // Text every tokenizer meets: ASCII words, digits, whitespace runs, a line break, accents, CJK,
    // an emoji (byte fallback), and an invalid UTF-8 byte.
    attnscope::fuzz::checkEncodes(**tokenizer, "Hello world 123  \n\tcafé 東京 \xF0\x9F\x99\x82 x\xFFy",
                                  true);
    attnscope::fuzz::checkEncodes(**tokenizer, "", false);
    return 0;
}
