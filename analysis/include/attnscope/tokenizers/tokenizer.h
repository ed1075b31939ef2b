// SPDX-License-Identifier: Apache-2.0
// Tokenizers: text to ids with the span of text each id came from (views and gaze alignment need it).
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope::model {
struct GgufFile;
}

namespace attnscope::tokenizers {

/// [start, end) byte offsets into the encoded text. Special tokens added by post-processing (BOS, CLS)
/// cover nothing: {0, 0}.
using Span = std::pair<int64_t, int64_t>;

struct Encoding {
    std::vector<int32_t> ids;
    std::vector<Span> offsets;
};

/// A loaded tokenizer. Thread-safety: encode and decode are const and may run concurrently.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    /// Encodes UTF-8 `text`; `addSpecialTokens` applies the post-processor (BOS/EOS, CLS/SEP).
    /// Invalid UTF-8 is an error naming the byte offset.
    virtual Expected<Encoding> encode(std::string_view text, bool addSpecialTokens = true) const = 0;
    /// Decodes ids back to text; `skipSpecial` drops special tokens.
    virtual Expected<std::string> decode(const std::vector<int32_t>& ids, bool skipSpecial = false) const = 0;
    virtual int vocabSize() const = 0;
    /// The token's surface form as stored in the vocabulary, or "" for an unknown id.
    virtual std::string tokenText(int32_t id) const = 0;
    /// A short description ("byte-level BPE, 128256 tokens").
    virtual std::string describe() const = 0;
};

/// Loads a Hugging Face tokenizer.json (a file, or a directory containing one).
Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string& path);
/// Parses tokenizer.json text; `source` names it in errors.
Expected<std::unique_ptr<Tokenizer>> parseTokenizerJson(std::string_view json, const std::string& source);

/// Loads a SentencePiece `.model` file through libsentencepiece (Llama 2, Mistral, ...).
Expected<std::unique_ptr<Tokenizer>> loadSentencePieceModel(const std::string& path);

/// Parses the bytes of a SentencePiece `.model` (ModelProto); `source` names it in errors.
Expected<std::unique_ptr<Tokenizer>> parseSentencePieceModel(std::string_view data,
                                                             const std::string& source);

/// Loads a llama2.c `tokenizer.bin` (SentencePiece BPE pieces with scores, byte fallback <0xXX>).
Expected<std::unique_ptr<Tokenizer>> loadLlama2cTokenizer(const std::string& path);

/// The same over the file's bytes already in memory; `path` names it in errors.
Expected<std::unique_ptr<Tokenizer>> parseLlama2cTokenizer(std::string_view bytes, const std::string& path);

/// The tokenizer embedded in a GGUF file (tokenizer.ggml.model "gpt2" or "llama").
Expected<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const model::GgufFile& gguf,
                                                       const std::string& source);

/// Picks the loader by what `path` is: a directory or `.json` (tokenizer.json), a `.model`
/// (SentencePiece), a `.gguf` (its embedded tokenizer), or a llama2.c tokenizer `.bin`.
Expected<std::unique_ptr<Tokenizer>> loadTokenizer(const std::string& path);

/// Converts byte offsets into `text` to Unicode code point offsets (what Python's str indices count).
std::vector<Span> toCodePointOffsets(std::string_view text, const std::vector<Span>& byteOffsets);

/// Checks that `text` is valid UTF-8; the error names the first bad byte's offset.
Status validateUtf8(std::string_view text);

} // namespace attnscope::tokenizers
