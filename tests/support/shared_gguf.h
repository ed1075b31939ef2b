// SPDX-License-Identifier: Apache-2.0
// The GGUF vocab files of shared/data/gguf-vocab as a GGUF reader needs them (tests only): the file
// itself when it is intact, else its restoration (gguf_restore.h), since the shared copies went through
// a text conversion.
#pragma once

#include <string>
#include <vector>

namespace attnscope::test {

struct SharedGguf {
    std::string bytes;                       ///< the GGUF image (empty when `error` is set)
    bool restored = false;                   ///< the file was text-converted and has been restored
    std::vector<std::string> restoredFields; ///< what the restoration recovered, one line per field
    std::string error;                       ///< why the file could not be read or restored
};

/// Reads `path`; a text-converted copy is restored, with SentencePiece scores taken from the intact
/// llama2.c vocabulary in `sharedDataDir`/tokenizers (llama-spm and phi-3 share Llama 2's pieces) and
/// llama.cpp's converter values for control, added (-1000) and unused (-10000) tokens.
SharedGguf readSharedGguf(const std::string& path, const std::string& sharedDataDir);

} // namespace attnscope::test
