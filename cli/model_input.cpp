// SPDX-License-Identifier: Apache-2.0
#include "model_input.h"

#include "attnscope/core/read_file.h"

#include "model_tokenizer.h"
#include "token_list.h"

#include <fstream>
#include <sstream>

namespace attnscope::cli {

namespace {

void truncate(std::vector<int32_t>& tokens, int maxTokens) {
    if (maxTokens > 0 && static_cast<int>(tokens.size()) > maxTokens)
        tokens.resize(static_cast<std::size_t>(maxTokens));
}

} // namespace

void addModelInputOptions(CLI::App& command, ModelInput& input, const std::string& textName) {
    command.add_option("MODEL", input.model, "An HF directory, a .gguf file or a llama2.c .bin")->required();
    input.tokensOption = command.add_option("--tokens", input.tokens, "Token ids, e.g. 1,2,3");
    input.textOption =
        command.add_option(textName, input.text, "Input text (tokenized with the model's tokenizer)");
    input.textFileOption =
        command.add_option(textName + "-file", input.textFile, "Input text from a UTF-8 file");
    input.tokensOption->excludes(input.textOption)->excludes(input.textFileOption);
    input.textOption->excludes(input.textFileOption);
    command.add_option("--tokenizer", input.tokenizer,
                       "tokenizer.json, .model or tokenizer.bin (default: the model's own, if it has one)");
    command.add_flag("--no-bos", input.noBos, "Add no BOS/special tokens when tokenizing the text");
    command.add_option("--max-tokens", input.maxTokens, "Keep only the first N tokens of the input (0: all)")
        ->check(CLI::NonNegativeNumber);
    addWeightsOption(command, input.weights);
}

void addWeightsOption(CLI::App& command, std::string& weights) {
    command
        .add_option("--weights", weights,
                    "Weight matrices kept and multiplied as f32 (exact) or bf16 (half the memory; GEMMs in "
                    "bf16 with fp32 results, attention and statistics in fp32)")
        ->check(CLI::IsMember({"f32", "bf16"}))
        ->capture_default_str();
}

runtime::LoadOptions loadOptions(const std::string& weights) {
    runtime::LoadOptions options;
    options.matrices = weights == "bf16" ? runtime::WeightPrecision::BF16 : runtime::WeightPrecision::F32;
    return options;
}

Expected<ResolvedInput> resolveModelInput(const ModelInput& input, bool tokenizerForOutput) {
    // A text file may also be set by the command itself (e.g. analyze --sample).
    const bool fromText =
        input.textOption->count() + input.textFileOption->count() > 0 || !input.textFile.empty();
    if (!fromText && input.tokensOption->count() == 0)
        return Status::invalidArgument("give " + input.tokensOption->get_name() + ", " +
                                       input.textOption->get_name() + " or " +
                                       input.textFileOption->get_name())
            .atField(input.tokensOption->get_name());
    ResolvedInput resolved;
    if (fromText || !input.tokenizer.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(resolved.tokenizer, tokenizerForModel(input.model, input.tokenizer));
    } else if (tokenizerForOutput) {
        if (auto found = tokenizerForModel(input.model, {}))
            resolved.tokenizer = std::move(found).value();
    }
    if (!fromText) {
        ATTNSCOPE_ASSIGN_OR_RETURN(resolved.tokens, parseTokenList(input.tokens));
        truncate(resolved.tokens, input.maxTokens);
        return resolved;
    }
    std::string text = input.text;
    if (!input.textFile.empty()) {
        auto contents = readWholeFile(input.textFile);
        if (!contents)
            return std::move(contents).status().atField(input.textFileOption->get_name());
        text = std::move(contents).value();
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding encoding, resolved.tokenizer->encode(text, !input.noBos));
    resolved.tokens = std::move(encoding.ids);
    resolved.offsets = std::move(encoding.offsets);
    truncate(resolved.tokens, input.maxTokens);
    if (resolved.offsets.size() > resolved.tokens.size())
        resolved.offsets.resize(resolved.tokens.size());
    resolved.text = std::move(text);
    return resolved;
}

} // namespace attnscope::cli
