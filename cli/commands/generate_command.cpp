// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli generate MODEL (--prompt TEXT | --tokens 1,2,3) --max-new-tokens N
//      [--greedy | --temperature T --seed S [--top-k K]] [--tokenizer FILE] [--json]`
#include "commands.h"

#include "../json_output.h"
#include "../model_tokenizer.h"
#include "../token_list.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

struct GenerateCommandOptions {
    std::string model;
    std::string prompt;
    std::string tokens;
    std::string tokenizer;
    int maxNewTokens = 32;
    bool greedy = false;
    double temperature = 0.0;
    int topK = 0;
    uint64_t seed = 0;
};

Expected<nlohmann::json> execute(const GenerateCommandOptions& options) {
    std::unique_ptr<tokenizers::Tokenizer> tokenizer;
    if (!options.prompt.empty() || !options.tokenizer.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizer, tokenizerForModel(options.model, options.tokenizer));
    } else if (auto found = tokenizerForModel(options.model, {})) {
        tokenizer = std::move(found).value(); // optional here: only used to print the text
    }
    std::vector<int32_t> prompt;
    if (!options.prompt.empty()) {
        if (!tokenizer)
            return Status::invalidArgument(
                       "--prompt needs a tokenizer: give --tokenizer tokenizer.json, or --tokens")
                .atField("--prompt");
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding encoding, tokenizer->encode(options.prompt, true));
        prompt = std::move(encoding.ids);
    } else {
        ATTNSCOPE_ASSIGN_OR_RETURN(prompt, parseTokenList(options.tokens));
    }

    runtime::GenerateOptions generateOptions;
    generateOptions.maxNewTokens = options.maxNewTokens;
    generateOptions.greedy = options.greedy || options.temperature <= 0.0;
    generateOptions.temperature = options.temperature;
    generateOptions.topK = options.topK;
    generateOptions.seed = options.seed;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model, runtime::Model::load(options.model));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<int32_t> generated,
                               runtime::generate(model, prompt, generateOptions));

    nlohmann::json document = {
        {"prompt_ids", prompt}, {"ids", generated}, {"mode", generateOptions.greedy ? "greedy" : "sampled"}};
    if (!generateOptions.greedy) {
        document["temperature"] = options.temperature;
        document["seed"] = options.seed;
    }
    if (tokenizer) {
        ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, tokenizer->decode(generated, /*skipSpecial=*/true));
        document["text"] = text;
    }
    return document;
}

} // namespace

void registerGenerateCommand(CLI::App& app, int& exitCode) {
    CLI::App* command =
        app.add_subcommand("generate", "Continue a prompt (greedy or seeded sampling, KV cache)");
    auto options = std::make_shared<GenerateCommandOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("MODEL", options->model, "An HF directory, a .gguf file or a llama2.c .bin")
        ->required();
    auto* prompt = command->add_option("--prompt", options->prompt, "Prompt text (needs a tokenizer)");
    auto* tokens = command->add_option("--tokens", options->tokens, "Prompt token ids, e.g. 1,2,3");
    prompt->excludes(tokens);
    command->add_option("--tokenizer", options->tokenizer,
                        "tokenizer.json, .model or tokenizer.bin (default: the model's own, if it has one)");
    command->add_option("--max-new-tokens", options->maxNewTokens, "Tokens to generate")
        ->capture_default_str();
    auto* greedy =
        command->add_flag("--greedy", options->greedy, "Always take the most likely token (default)");
    command->add_option("--temperature", options->temperature, "Sample with this temperature (> 0)")
        ->excludes(greedy);
    command->add_option("--top-k", options->topK, "Sample among the k most likely tokens");
    command->add_option("--seed", options->seed, "Random seed for sampling")->capture_default_str();
    output->addOption(*command);
    command->callback([options, output, prompt, tokens, &exitCode] {
        if (prompt->count() == 0 && tokens->count() == 0) {
            exitCode = output->fail(
                Status::invalidArgument("give --prompt TEXT or --tokens IDS").atField("--prompt"));
            return;
        }
        Expected<nlohmann::json> document = execute(*options);
        if (!document) {
            exitCode = output->fail(document.status());
            return;
        }
        if (output->enabled()) {
            exitCode = output->write(*document);
            return;
        }
        if (document->contains("text"))
            std::cout << document->at("text").get<std::string>() << "\n";
        else
            std::cout << document->at("ids").dump() << "\n";
        exitCode = 0;
    });
}

} // namespace attnscope::cli
