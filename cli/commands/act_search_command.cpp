// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli act-search MODEL (--text-file F [--window N] | --needles FILE.jsonl | --copying PROBE.json)
//      [--heads L:H,L:*,...] [--act-beta B] [--act-threshold T | --act-alpha A] [--act-first-sink RULE]
//      [--json]`
// ACT's offline head search (METHODS.md section 2): each candidate head calibrated alone, kept when the one
// measurement improves on the uncalibrated model, then the kept heads together.
#include "commands.h"

#include "../intervention_options.h"
#include "../json_output.h"
#include "../model_input.h"
#include "../model_tokenizer.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/act_calibration.h"
#include "attnscope/analyses/act_search.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/model.h"

#include <algorithm>
#include <iostream>

namespace attnscope::cli {

namespace {

struct ActSearchCommandOptions {
    std::string model, tokenizer, textFile, needles, copying, weights = "f32";
    int window = 1024;
    std::vector<std::string> heads;
    double beta = analyses::kActBeta;
    ActRuleOptions actRule;
};

std::string headText(const runtime::HeadIndex& head) {
    return std::to_string(head.first) + ":" + std::to_string(head.second);
}

/// `progress`: the terminal's progress bar and Ctrl-C.
Expected<nlohmann::json> execute(const ActSearchCommandOptions& options, const Progress& progress) {
    std::vector<std::string> entries;
    for (const std::string& value : options.heads)
        for (std::string& entry : runtime::splitSpecList(value))
            entries.push_back(std::move(entry));
    auto parsed = runtime::parseHeadSpecs(entries, true);
    if (!parsed)
        return std::move(parsed).status().atField("--heads");
    const analyses::SinkParameters rule = actRuleFrom(options.actRule);
    analyses::EvaluationRequest request;
    request.window = options.window;
    request.needlesFile = options.needles;
    request.copyingFile = options.copying;
    if (!options.textFile.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(request.text, readWholeFile(options.textFile));
        request.textSource = options.textFile;
        if (request.text.empty())
            return Status::invalidArgument("the text is empty").inFile(options.textFile);
    }
    const int asked = !options.textFile.empty() + !options.needles.empty() + !options.copying.empty();
    if (asked != 1)
        return Status::invalidArgument("judge the heads on exactly one of --text-file, --needles, --copying");
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.model, loadOptions(options.weights)));
    std::unique_ptr<tokenizers::Tokenizer> tokenizer;
    if (options.copying.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizer, tokenizerForModel(options.model, options.tokenizer));
    }
    analyses::ActSearchOptions search;
    search.candidates = parsed->empty() ? analyses::actDefaultCandidates(model->config())
                                        : runtime::expandWholeLayers(*parsed, model->config().heads);
    search.beta = options.beta;
    search.rule = rule;
    auto result = analyses::actHeadSearch(model, tokenizer.get(), request, search, progress);
    if (!result) {
        const Status& status = result.status();
        if (status.field().rfind("candidates", 0) == 0)
            return Status::error(status.code(), status.message()).atField("--heads");
        return std::move(result).status();
    }
    nlohmann::json trials = nlohmann::json::array();
    std::vector<std::string> selected;
    for (const analyses::ActHeadTrial& trial : result->trials)
        trials.push_back({{"layer", trial.head.first},
                          {"head", trial.head.second},
                          {"score", trial.score},
                          {"change", trial.change},
                          {"kept", trial.kept}});
    for (const runtime::HeadIndex& head : result->selected)
        selected.push_back(headText(head));
    nlohmann::json document = {
        {"model", options.model},
        {"metric", analyses::actSearchMetricName(result->metric)},
        {"rule", analyses::describeActCalibration(options.beta, rule)},
        {"baseline", result->baseline},
        {"trials", trials},
        {"selected", selected},
        {"combined", result->combined ? nlohmann::json(*result->combined) : nlohmann::json()}};
    return document;
}

void printDocument(const nlohmann::json& d) {
    std::cout << "ACT head search on " << d["metric"].get<std::string>() << " ("
              << d["rule"].get<std::string>() << "); uncalibrated: " << d["baseline"].get<double>() << "\n";
    for (const auto& trial : d["trials"])
        std::cout << "  " << trial["layer"].get<int>() << ":" << trial["head"].get<int>() << "  "
                  << trial["score"].get<double>() << " (" << std::showpos << trial["change"].get<double>()
                  << std::noshowpos << ")" << (trial["kept"].get<bool>() ? "  kept" : "") << "\n";
    std::string heads;
    for (const auto& head : d["selected"])
        heads += (heads.empty() ? "" : ",") + head.get<std::string>();
    if (heads.empty()) {
        std::cout << "no head improves on the uncalibrated model\n";
        return;
    }
    std::cout << "selected: --calibrate-heads " << heads << "; together: " << d["combined"].get<double>()
              << "\n";
}

} // namespace

void registerActSearchCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand(
        "act-search",
        "ACT's head search: calibrate each head alone, keep those that improve the measurement");
    auto options = std::make_shared<ActSearchCommandOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("MODEL", options->model, "HF directory, .gguf or llama2.c .bin")->required();
    command->add_option("--tokenizer", options->tokenizer, "Tokenizer file when the model has none");
    addWeightsOption(*command, options->weights);
    command->add_option("--text-file", options->textFile,
                        "Judge heads on this text's perplexity (lower is better)");
    command->add_option("--window", options->window, "Tokens per scoring window (BOS included)")
        ->check(CLI::Range(2, 1 << 24))
        ->capture_default_str();
    command->add_option("--needles", options->needles, "Judge heads on needle exact match (JSON lines)");
    command->add_option("--copying", options->copying,
                        "Judge heads on the copying ratio (first / second copy)");
    command
        ->add_option(
            "--heads", options->heads,
            "Candidates (LAYER:HEAD or LAYER:*, comma-separated; default: every head of layers 2 and up)")
        ->delimiter(',');
    command->add_option("--act-beta", options->beta, "ACT's beta: the share of attention a sink key keeps")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    addActRuleOptions(*command, options->actRule);
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        TerminalProgress bar;
        exitCode = output->finish(execute(*options, bar.progress()), printDocument);
    });
}

} // namespace attnscope::cli
