// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli evaluate MODEL [--text-file F [--window N]] [--needles FILE.jsonl]
//      [--copying PROBE.json] [--tokenizer FILE] [--json [OUT]]`
// Perplexity of a text, needle-in-a-haystack exact match (greedy), and in-context copying loss.
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "../model_tokenizer.h"
#include "../terminal_progress.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/evaluation.h"
#include "attnscope/runtime/model.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace attnscope::cli {

namespace {

struct EvaluateOptions {
    std::string model;
    std::string tokenizer;
    std::string textFile;
    int window = 1024;
    std::string needles;
    std::string copying;
    std::string weights = "f32";
    Progress progress;                  ///< the terminal's progress bar and Ctrl-C
    std::vector<std::string> maskHeads; ///< "L:H" each
    std::vector<runtime::HeadIndex> masked;
};

/// "L:H" -> (L, H); errors name the option.
Expected<std::vector<runtime::HeadIndex>> parseHeads(const std::vector<std::string>& specs) {
    std::vector<runtime::HeadIndex> heads;
    for (const std::string& spec : specs) {
        const auto colon = spec.find(':');
        int layer = -1, head = -1;
        try {
            if (colon != std::string::npos) {
                std::size_t used = 0;
                layer = std::stoi(spec.substr(0, colon), &used);
                if (used != colon)
                    layer = -1;
                const std::string rest = spec.substr(colon + 1);
                head = std::stoi(rest, &used);
                if (used != rest.size())
                    head = -1;
            }
        } catch (const std::exception&) {
            layer = head = -1;
        }
        if (layer < 0 || head < 0)
            return Status::invalidArgument("'" + spec + "' is not LAYER:HEAD (0-based)")
                .atField("--mask-heads");
        heads.emplace_back(layer, head);
    }
    return heads;
}

Expected<nlohmann::json> evaluatePerplexity(const runtime::Model& model,
                                            const tokenizers::Tokenizer& tokenizer,
                                            const EvaluateOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(options.textFile));
    auto encoding = tokenizer.encode(text, /*addSpecialTokens=*/false);
    if (!encoding)
        return std::move(encoding).status().inFile(options.textFile);
    // The BOS the tokenizer adds (if any) starts every window, as it starts every input.
    auto empty = tokenizer.encode("", /*addSpecialTokens=*/true);
    const int32_t bos = empty && !empty->ids.empty() ? empty->ids.front() : -1;
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::PerplexityResult result,
                               runtime::perplexity(model, encoding->ids, options.window, bos,
                                                   options.progress.subRange(0.0f, 0.4f, "perplexity"),
                                                   options.masked));
    return nlohmann::json{{"file", options.textFile},   {"tokens", result.scoredTokens},
                          {"windows", result.windows},  {"window", options.window},
                          {"mean_nll", result.meanNll}, {"perplexity", result.perplexity}};
}

Expected<nlohmann::json> evaluateNeedles(const std::shared_ptr<runtime::Model>& model,
                                         const tokenizers::Tokenizer& tokenizer,
                                         const EvaluateOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<runtime::NeedleCase> cases,
                               runtime::readNeedleCases(options.needles));
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::NeedleResult result,
                               runtime::needleExactMatch(model, tokenizer, cases,
                                                         options.progress.subRange(0.4f, 0.9f, "needles"),
                                                         options.masked));
    nlohmann::json outcomes = nlohmann::json::array();
    for (std::size_t i = 0; i < cases.size(); ++i)
        outcomes.push_back({{"answer", cases[i].answer},
                            {"produced", result.outcomes[i].produced},
                            {"correct", result.outcomes[i].correct}});
    return nlohmann::json{{"file", options.needles},
                          {"prompts", cases.size()},
                          {"correct", result.correct},
                          {"accuracy", result.accuracy},
                          {"mean_prompt_tokens", result.meanPromptTokens},
                          {"outcomes", outcomes}};
}

Expected<nlohmann::json> evaluateCopying(const runtime::Model& model, const EvaluateOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(options.copying));
    const auto probe = parseJsonText(text);
    if (probe.is_discarded() || !probe.is_object() || !probe.contains("ids") || !probe["ids"].is_array() ||
        !probe.contains("span") || !probe["span"].is_number_integer() || !probe.contains("repeats") ||
        !probe["repeats"].is_number_integer())
        return Status::parseError(
                   "expected an object with \"ids\" (array), \"span\" and \"repeats\" (integers)")
            .inFile(options.copying);
    std::vector<int32_t> ids;
    for (const auto& id : probe["ids"]) {
        if (!id.is_number_integer())
            return Status::parseError("ids must be integers").inFile(options.copying).atField("ids");
        ids.push_back(id.get<int32_t>());
    }
    auto result = runtime::copyingLoss(model, ids, probe["span"].get<int>(), probe["repeats"].get<int>(),
                                       options.progress.subRange(0.9f, 1.0f, "copying"), options.masked);
    if (!result)
        return std::move(result).status().inFile(options.copying);
    return nlohmann::json{{"file", options.copying},
                          {"span", result->span},
                          {"repeats", result->repeats},
                          {"mean_loss_per_copy", result->meanLossPerCopy},
                          {"first_to_second_ratio", result->firstToSecondRatio}};
}

Expected<nlohmann::json> execute(EvaluateOptions options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(options.masked, parseHeads(options.maskHeads));
    if (options.textFile.empty() && options.needles.empty() && options.copying.empty())
        return Status::invalidArgument("nothing to evaluate: give --text-file, --needles and/or --copying");
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.model, loadOptions(options.weights)));
    nlohmann::json document = {{"model", options.model}, {"weights", options.weights}};
    for (const auto& [layer, head] : options.masked)
        if (layer >= model->config().layers || head >= model->config().heads)
            return Status::invalidArgument("no head " + std::to_string(layer) + ":" + std::to_string(head) +
                                           " (the model has " + std::to_string(model->config().layers) +
                                           " layers of " + std::to_string(model->config().heads) + " heads)")
                .atField("--mask-heads");
    if (!options.masked.empty()) {
        nlohmann::json masked = nlohmann::json::array();
        for (const auto& [layer, head] : options.masked)
            masked.push_back({layer, head});
        document["masked_heads"] = masked;
    }
    if (!options.textFile.empty() || !options.needles.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                                   tokenizerForModel(options.model, options.tokenizer));
        if (!options.textFile.empty()) {
            ATTNSCOPE_ASSIGN_OR_RETURN(document["perplexity"],
                                       evaluatePerplexity(*model, *tokenizer, options));
        }
        if (!options.needles.empty()) {
            ATTNSCOPE_ASSIGN_OR_RETURN(document["needles"], evaluateNeedles(model, *tokenizer, options));
        }
    }
    if (!options.copying.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(document["copying"], evaluateCopying(*model, options));
    }
    return document;
}

void printText(const nlohmann::json& d) {
    if (d.contains("perplexity")) {
        const auto& p = d["perplexity"];
        std::cout << "perplexity: " << p["perplexity"].get<double>() << " (" << p["mean_nll"].get<double>()
                  << " nats/token over " << p["tokens"].get<int64_t>() << " tokens, "
                  << p["windows"].get<int>() << " windows)\n";
    }
    if (d.contains("needles")) {
        const auto& n = d["needles"];
        std::cout << "needles: " << n["correct"].get<int>() << "/" << n["prompts"].get<int>()
                  << " exact (accuracy " << n["accuracy"].get<double>() << ", mean prompt "
                  << n["mean_prompt_tokens"].get<double>() << " tokens)\n";
    }
    if (d.contains("copying")) {
        const auto& c = d["copying"];
        std::cout << "copying: mean loss per copy " << c["mean_loss_per_copy"].dump() << ", first/second "
                  << c["first_to_second_ratio"].get<double>() << "\n";
    }
}

} // namespace

void registerEvaluateCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand(
        "evaluate", "Perplexity of a text, needle-in-a-haystack exact match, in-context copying loss");
    auto options = std::make_shared<EvaluateOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("MODEL", options->model, "HF directory, .gguf or llama2.c .bin")->required();
    command->add_option("--tokenizer", options->tokenizer, "Tokenizer file when the model has none");
    addWeightsOption(*command, options->weights);
    command->add_option("--text-file", options->textFile, "Text whose perplexity to measure");
    command->add_option("--window", options->window, "Tokens per scoring window (BOS included)")
        ->capture_default_str();
    command->add_option("--needles", options->needles,
                        "JSON lines of {\"prompt\", \"answer\"}: greedy exact match");
    command->add_option("--copying", options->copying,
                        "JSON {\"ids\", \"span\", \"repeats\"}: mean loss of each copy of a repeated span");
    command
        ->add_option("--mask-heads", options->maskHeads,
                     "Zero these heads' outputs (LAYER:HEAD, 0-based; repeatable or comma-separated) to "
                     "measure their effect")
        ->delimiter(',');
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        TerminalProgress bar;
        EvaluateOptions run = *options;
        run.progress = bar.progress();
        exitCode = output->finish(execute(run), printText);
    });
}

} // namespace attnscope::cli
