// SPDX-License-Identifier: Apache-2.0
#include "model_tokenizer.h"

#include <filesystem>

namespace attnscope::cli {

Expected<std::unique_ptr<tokenizers::Tokenizer>> tokenizerForModel(const std::string& modelPath,
                                                                   const std::string& explicitPath) {
    if (!explicitPath.empty())
        return tokenizers::loadTokenizer(explicitPath);
    const std::filesystem::path model(modelPath);
    std::error_code error;
    if (std::filesystem::is_directory(model, error) || model.extension() == ".gguf")
        return tokenizers::loadTokenizer(modelPath);
    return Status::invalidArgument(
               "this model file carries no tokenizer: give --tokenizer (tokenizer.json, a "
               "SentencePiece .model or a llama2.c tokenizer.bin), or --tokens")
        .inFile(modelPath)
        .atField("--tokenizer");
}

} // namespace attnscope::cli
