// SPDX-License-Identifier: Apache-2.0
// Restores GGUF files that went through a text conversion (tests only).
//
// The copies of llama.cpp's GGUF vocab files in shared/data were once decoded as UTF-8 and written back:
// every ill-formed byte sequence became U+FFFD (EF BF BD). That destroys binary fields (lengths, counts,
// floats) but not the tokens and merges, which are UTF-8 text. Most lost bytes are fixed by the file's
// own structure (a count is the one that makes the array end where the next key starts; a string
// length is the one after which the next length and string make sense); lost floats need candidate
// values from elsewhere. The restoration is accepted only if converting the restored file the same way
// gives back the damaged file byte for byte, so every byte that survived is honoured.
//
// Limits: in lengths, counts and other integers each U+FFFD is taken for one lost byte (0x80-0xFF);
// a conversion that folded two or three bytes into one U+FFFD there (a truncated multi-byte sequence)
// makes the restoration fail, never succeed wrongly. Candidate floats are converted one element at a
// time, which is exact while no element ends inside a multi-byte sequence the next one completes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::test {

/// The text conversion: `bytes` decoded as UTF-8, each maximal ill-formed subpart replaced by U+FFFD
/// (as Python's `decode("utf-8", "replace")` and the Unicode standard's recommended practice do), and
/// encoded back as UTF-8.
std::string mangleAsText(std::string_view bytes);

/// Values to try, in order, for element `index` of a float array whose bytes were lost.
using FloatCandidates = std::function<std::vector<float>(std::size_t index)>;

/// The outcome of restoreTextMangledGguf.
struct GgufRestoration {
    std::string bytes;                 ///< the restored file (empty when `error` is set)
    std::vector<std::string> restored; ///< one line per field that had lost bytes: which, and how restored
    std::string error;                 ///< why the file could not be restored (empty on success)
};

/// Restores a text-converted GGUF file. String lengths and array counts are recovered from the
/// structure; token-id fields (`tokenizer.ggml.*_token_id`) become the one candidate that names a
/// control token; floats of the arrays named in `floatArrays` become the first candidate consistent with
/// the surviving bytes. Lost bytes in any other `tokenizer.*` value make the restoration fail; lost bytes
/// in architecture values (not read by tokenizers) are filled with the first candidate and reported.
GgufRestoration restoreTextMangledGguf(std::string_view damaged,
                                       const std::map<std::string, FloatCandidates>& floatArrays = {});

} // namespace attnscope::test
