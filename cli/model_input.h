// SPDX-License-Identifier: Apache-2.0
// The input of a command that runs a model: the model, and token ids or text (inline or from a file)
// tokenized with the model's tokenizer. Shared by `run` and `generate`.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace attnscope::cli {

struct ModelInput {
    std::string model;
    std::string tokens;
    std::string text;
    std::string textFile;
    std::string tokenizer;
    bool noBos = false;
    int maxTokens = 0;           ///< keep only the first maxTokens ids (0 = all)
    std::string weights = "f32"; ///< --weights: f32 or bf16 (runtime::WeightPrecision)
    // Set by addModelInputOptions: to tell which of the mutually exclusive inputs was given.
    CLI::Option* tokensOption = nullptr;
    CLI::Option* textOption = nullptr;
    CLI::Option* textFileOption = nullptr;
};

/// Adds MODEL, --tokens, the text options (named `textName`, e.g. "--text" or "--prompt", and
/// `textName` + "-file"), --tokenizer, --no-bos, --max-tokens and --weights to `command`.
void addModelInputOptions(CLI::App& command, ModelInput& input, const std::string& textName);

/// Adds --weights f32|bf16 (how the weight matrices are kept and multiplied) to `command`.
void addWeightsOption(CLI::App& command, std::string& weights);
/// The runtime's load options for a --weights value (validated by the option).
runtime::LoadOptions loadOptions(const std::string& weights);

/// The token ids to run, and the tokenizer when one was needed or found (for printing text back).
struct ResolvedInput {
    std::vector<int32_t> tokens;
    std::string text;                                 ///< the text tokenized ("" for token ids)
    std::vector<std::pair<int64_t, int64_t>> offsets; ///< byte span of each token (text inputs)
    std::unique_ptr<tokenizers::Tokenizer> tokenizer;
};

/// Checks that one input was given, reads the text file, tokenizes (BOS unless --no-bos). A tokenizer
/// is required for text; with token ids it is loaded only when `tokenizerForOutput` asks for it, and
/// its absence is then not an error.
Expected<ResolvedInput> resolveModelInput(const ModelInput& input, bool tokenizerForOutput);

} // namespace attnscope::cli
