// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli generate MODEL (--prompt TEXT | --prompt-file F | --tokens 1,2,3) --max-new-tokens N
//      [--greedy | --temperature T --seed S [--top-k K]] [--tokenizer FILE] [interventions] [sparse
//      attention]
//      [--json]`
// The continuation of the model as trained, or under the interventions and sparse attention `evaluate` takes
// (what the masks kept is reported).
#include "commands.h"

#include "../intervention_options.h"
#include "../json_output.h"
#include "../model_input.h"
#include "../option_checks.h"
#include "attnscope/analyses/generation_attention.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <iomanip>
#include <iostream>
#include <map>
#include <memory>

namespace attnscope::cli {

namespace {

struct GenerateCommandOptions {
    ModelInput input;
    int maxNewTokens = 32;
    bool greedy = false;
    double temperature = 0.0;
    int topK = 0;
    uint64_t seed = 0;
    int attentionTop = 0; ///< --attention-top: keys recorded per head and step (0: no trace)
    InterventionOptions intervene;
    SparseAttentionOptions sparse;
};

Expected<nlohmann::json> execute(const GenerateCommandOptions& options) {
    ATTNSCOPE_TRY(checkInterventionSyntax(options.intervene));
    ATTNSCOPE_TRY(checkSparseAttentionSyntax(options.sparse));
    // The tokenizer is also wanted with --tokens: it turns the continuation back into text.
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, true));
    const std::vector<int32_t>& prompt = input.tokens;
    const std::unique_ptr<tokenizers::Tokenizer>& tokenizer = input.tokenizer;

    runtime::GenerateOptions generateOptions;
    generateOptions.maxNewTokens = options.maxNewTokens;
    generateOptions.greedy = options.greedy || options.temperature <= 0.0;
    generateOptions.temperature = options.temperature;
    generateOptions.topK = options.topK;
    generateOptions.seed = options.seed;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model, loadOptions(options.input.weights)));
    // ACT calibration uses the sink analysis' default rule (threshold 0.1, drop-first), as `analyze` does.
    ATTNSCOPE_ASSIGN_OR_RETURN(generateOptions.interventions,
                               resolveInterventions(options.intervene, analyses::SinkParameters{},
                                                    model->config(), &options.sparse));
    runtime::MaskStatistics masks;
    std::vector<int32_t> generated;
    std::optional<analyses::GenerationAttention> trace;
    if (options.attentionTop > 0 && options.sparse.any())
        return Status::unsupported(
                   "records the dense attention rows, which --streaming-window, --sparse-prefill "
                   "and --kv-policy would not use: trace without sparse attention")
            .atField("--attention-top");
    if (options.attentionTop > 0) {
        ATTNSCOPE_ASSIGN_OR_RETURN(analyses::GenerationAttention traced,
                                   analyses::generateWithAttention(model, prompt, generateOptions,
                                                                   options.attentionTop, {}, &masks));
        generated = traced.generated();
        trace = std::move(traced);
    } else {
        ATTNSCOPE_ASSIGN_OR_RETURN(generated, runtime::generate(model, prompt, generateOptions, {}, &masks));
    }

    nlohmann::json document = {
        {"prompt_ids", prompt}, {"ids", generated}, {"mode", generateOptions.greedy ? "greedy" : "sampled"}};
    if (!generateOptions.interventions.empty())
        document["interventions"] = analyses::interventionsToJson(generateOptions.interventions);
    if (masks.rows > 0)
        document["sparse_attention"] = analyses::maskStatisticsToJson(masks);
    if (!generateOptions.greedy) {
        document["temperature"] = options.temperature;
        document["seed"] = options.seed;
    }
    if (tokenizer) {
        ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, tokenizer->decode(generated, /*skipSpecial=*/true));
        document["text"] = text;
    }
    if (trace)
        document["attention"] = analyses::generationAttentionToJson(
            *trace, analyses::positionTexts(input.text, input.offsets, prompt, generated, tokenizer.get()));
    return document;
}

/// Per step: the token, the row that chose it, the mean token-0 mass over heads, and the key most heads
/// put first.
void printAttentionTrace(const nlohmann::json& attention) {
    std::cout << "attention when each token was chosen (top " << attention["top_k"] << " keys per head):\n"
              << std::fixed << std::setprecision(2);
    for (const auto& step : attention["steps"]) {
        double sink = 0;
        std::map<int, int> firsts;
        for (const auto& head : step["heads"]) {
            sink += head["sink_mass"].get<double>();
            if (!head["keys"].empty())
                ++firsts[head["keys"][0].get<int>()];
        }
        sink /= std::max<std::size_t>(1, step["heads"].size());
        const auto top = std::max_element(firsts.begin(), firsts.end(),
                                          [](const auto& a, const auto& b) { return a.second < b.second; });
        std::cout << "  "
                  << nlohmann::json(step["text"].get<std::string>())
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << " <- row " << step["row"] << ": mean token-0 mass " << sink;
        if (top != firsts.end())
            std::cout << ", most heads' first key: position " << top->first << " "
                      << attention["texts"][static_cast<std::size_t>(top->first)].dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << " (" << top->second << " of " << step["heads"].size() << " heads)";
        std::cout << "\n";
    }
}

} // namespace

void registerGenerateCommand(CLI::App& app, int& exitCode) {
    CLI::App* command =
        app.add_subcommand("generate", "Continue a prompt (greedy or seeded sampling, KV cache)");
    auto options = std::make_shared<GenerateCommandOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--prompt");
    command->add_option("--max-new-tokens", options->maxNewTokens, "Tokens to generate")
        ->check(CLI::Range(0, 1 << 20))
        ->capture_default_str();
    auto* greedy =
        command->add_flag("--greedy", options->greedy, "Always take the most likely token (default)");
    command->add_option("--temperature", options->temperature, "Sample with this temperature (> 0)")
        ->check(positive())
        ->excludes(greedy);
    command->add_option("--top-k", options->topK, "Sample among the k most likely tokens (0: all)")
        ->check(atLeast(0));
    command->add_option("--seed", options->seed, "Random seed for sampling")->capture_default_str();
    command
        ->add_option(
            "--attention-top", options->attentionTop,
            "Record, for every generated token, each head's attention row that chose it: the top K keys, "
            "token-0 mass and entropy (JSON key \"attention\")")
        ->check(CLI::Range(0, 256));
    addInterventionOptions(*command, options->intervene);
    addSparseAttentionOptions(*command, options->sparse);
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        exitCode = output->finish(execute(*options), [](const nlohmann::json& document) {
            if (document.contains("text"))
                std::cout << document.at("text").get<std::string>() << "\n";
            else
                std::cout << document.at("ids").dump() << "\n";
            if (document.contains("attention"))
                printAttentionTrace(document.at("attention"));
        });
    });
}

} // namespace attnscope::cli
