// SPDX-License-Identifier: Apache-2.0
// Finding the tokenizer that goes with a model given on the command line.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <string>

namespace attnscope::cli {

/// `explicitPath` when given; else the HF directory's tokenizer.json, or the GGUF file's embedded
/// tokenizer. A llama2.c checkpoint carries none: the error asks for --tokenizer.
Expected<std::unique_ptr<tokenizers::Tokenizer>> tokenizerForModel(const std::string& modelPath,
                                                                   const std::string& explicitPath);

} // namespace attnscope::cli
