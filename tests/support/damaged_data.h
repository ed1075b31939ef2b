// SPDX-License-Identifier: Apache-2.0
// Recognises binary files that went through a text conversion (tests only).
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace attnscope::test {

/// True when a binary file had its invalid UTF-8 bytes replaced by U+FFFD (EF BF BD), as the copies of
/// llama.cpp's GGUF vocab files in shared/data were. Such a file cannot be read by any GGUF reader.
inline bool looksTextMangled(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return bytes.find("\xEF\xBF\xBD") != std::string::npos;
}

} // namespace attnscope::test
