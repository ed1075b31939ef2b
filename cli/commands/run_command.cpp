// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli run MODEL (--tokens IDS | --text TEXT | --text-file F) [--logits OUT.npy]
//      [--attention L:H:OUT.npy ...]`
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "attnscope/io/npy.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"

#include <cmath>
#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

struct RunOptions {
    ModelInput input;
    std::string logitsPath;
    std::vector<std::string> attention; ///< "L:H:PATH"
};

struct AttentionRequest {
    runtime::HeadIndex head;
    std::string path;
};

Expected<AttentionRequest> parseAttention(const std::string& spec) {
    const std::size_t first = spec.find(':'),
                      second = first == std::string::npos ? first : spec.find(':', first + 1);
    if (second == std::string::npos || second + 1 >= spec.size())
        return Status::invalidArgument("expected LAYER:HEAD:OUT.npy, got '" + spec + "'")
            .atField("--attention");
    try {
        return AttentionRequest{
            {std::stoi(spec.substr(0, first)), std::stoi(spec.substr(first + 1, second - first - 1))},
            spec.substr(second + 1)};
    } catch (const std::exception&) {
        return Status::invalidArgument("expected integer LAYER:HEAD in '" + spec + "'")
            .atField("--attention");
    }
}

Expected<nlohmann::json> execute(const RunOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, false));
    const std::vector<int32_t>& tokens = input.tokens;
    std::vector<AttentionRequest> maps;
    runtime::ForwardOptions forwardOptions;
    for (const std::string& spec : options.attention) {
        ATTNSCOPE_ASSIGN_OR_RETURN(AttentionRequest request, parseAttention(spec));
        forwardOptions.attentionMaps.push_back(request.head);
        maps.push_back(std::move(request));
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model, loadOptions(options.input.weights)));
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::ForwardResult result,
                               runtime::forward(*model, tokens, forwardOptions));

    nlohmann::json document = {{"model", options.input.model}, {"tokens", result.tokens}};
    if (!options.logitsPath.empty()) {
        ATTNSCOPE_TRY(
            io::writeNpyFloat32(options.logitsPath, {result.tokens, result.vocabSize}, result.logits));
        document["logits"] = options.logitsPath;
    }
    nlohmann::json written = nlohmann::json::array();
    for (const AttentionRequest& request : maps) {
        ATTNSCOPE_TRY(io::writeNpyFloat32(request.path, {result.tokens, result.tokens},
                                          result.attention.at(request.head)));
        written.push_back(
            {{"layer", request.head.first}, {"head", request.head.second}, {"path", request.path}});
    }
    document["attention"] = written;
    if (tokens.size() >= 2) {
        const std::vector<double> nll = runtime::nllFromLogits(result.logits, result.vocabSize, tokens);
        double total = 0;
        for (double value : nll)
            total += value;
        document["mean_nll"] = total / static_cast<double>(nll.size());
        document["perplexity"] = std::exp(total / static_cast<double>(nll.size()));
    }
    return document;
}

} // namespace

void registerRunCommand(CLI::App& app, int& exitCode) {
    CLI::App* command =
        app.add_subcommand("run", "Run a forward pass; write logits and attention maps as .npy");
    auto options = std::make_shared<RunOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--text");
    command->add_option("--logits", options->logitsPath, "Write float32 logits [T, vocab] to this .npy");
    command->add_option(
        "--attention", options->attention,
        "LAYER:HEAD:OUT.npy — write that query head's probabilities [T, T] (0-based; repeatable)");
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        exitCode = output->finish(execute(*options), [](const nlohmann::json& document) {
            std::cout << document.at("tokens").get<int>() << " tokens";
            if (document.contains("perplexity"))
                std::cout << ", perplexity " << document.at("perplexity").get<double>();
            std::cout << "\n";
            if (document.contains("logits"))
                std::cout << "logits: " << document.at("logits").get<std::string>() << "\n";
            for (const auto& map : document.at("attention"))
                std::cout << "attention " << map["layer"] << ":" << map["head"] << ": "
                          << map["path"].get<std::string>() << "\n";
        });
    });
}

} // namespace attnscope::cli
