// SPDX-License-Identifier: Apache-2.0
// Reading a whole (small) file: configs, tokenizer files, text inputs.
#pragma once

#include "attnscope/core/expected.h"

#include <string>

namespace attnscope {

/// The bytes of `path`; a file that cannot be opened or read is NotFound / IoError naming the file.
Expected<std::string> readWholeFile(const std::string& path);

} // namespace attnscope
