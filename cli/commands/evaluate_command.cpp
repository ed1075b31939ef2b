// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli evaluate MODEL [--text-file F [--window N]] [--needles FILE.jsonl]
//      [--copying PROBE.json] [--tokenizer FILE] [--mask-heads L:H,...] [--calibrate-heads L:H,...]
//      [--share-layers A-B,...] [--streaming-window W] [--sparse-prefill flexprefill]
//      [--kv-policy snapkv] [--compare-baseline] [--json [OUT]]`
// Perplexity of a text, needle-in-a-haystack exact match (greedy), and in-context copying loss, each
// optionally under interventions (ablation, ACT calibration, EchoAtt sharing, sparse attention) and
// against the baseline.
#include "commands.h"

#include "../intervention_options.h"
#include "../json_output.h"
#include "../model_input.h"
#include "../model_tokenizer.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/evaluation_report.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/model.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
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
    InterventionOptions intervene;
    ActRuleOptions actRule;            ///< ACT's sink rule for --calibrate-heads, as given
    analyses::SinkParameters sinkRule; ///< the same, resolved by execute()
    bool compareBaseline = false;
    SparseAttentionOptions sparse;
};

/// The interventions as the document records them: the shared record plus ACT's rule, spelled as the
/// options that set it.
nlohmann::json interventionsJson(const runtime::Interventions& interventions,
                                 const EvaluateOptions& options) {
    nlohmann::json json = analyses::interventionsToJson(interventions);
    if (json.contains("calibration")) {
        const analyses::SinkParameters& rule = options.sinkRule;
        const bool absolute = rule.actThreshold == analyses::ActThreshold::Absolute;
        json["calibration"]["method"] = "act";
        json["calibration"]["act_threshold"] = absolute ? nlohmann::json(rule.actAbsolute) : nlohmann::json();
        json["calibration"]["act_alpha"] = absolute ? nlohmann::json() : nlohmann::json(rule.actAlpha);
        json["calibration"]["act_first_sink"] = analyses::actFirstSinkName(rule.actFirstSink);
    }
    const SparseAttentionOptions& sparse = options.sparse;
    if (json.contains("sparse_prefill"))
        json["sparse_prefill"].update({{"method", sparse.sparsePrefill},
                                       {"gamma", sparse.flex.flexGamma},
                                       {"tau", sparse.flex.flexTau},
                                       {"min_budget", sparse.flex.flexMinBudget},
                                       {"max_budget", sparse.flex.flexMaxBudget}});
    if (json.contains("kv_selection"))
        json["kv_selection"].update({{"method", sparse.kvPolicy},
                                     {"capacity", sparse.snapCapacity},
                                     {"kernel", sparse.snapKernel},
                                     {"pooling", sparse.snapMaxPool ? "max" : "average"}});
    return json;
}

/// `progress`: the terminal's progress bar and Ctrl-C.
Expected<nlohmann::json> execute(EvaluateOptions options, const Progress& progress) {
    if (options.textFile.empty() && options.needles.empty() && options.copying.empty())
        return Status::invalidArgument("nothing to evaluate: give --text-file, --needles and/or --copying");
    if (options.compareBaseline && !options.intervene.any() && !options.sparse.any())
        return Status::invalidArgument("--compare-baseline needs an intervention to compare with: give "
                                       "--mask-heads, --calibrate-heads, --share-layers, --streaming-window, "
                                       "--sparse-prefill or --kv-policy")
            .atField("--compare-baseline");
    ATTNSCOPE_TRY(checkInterventionSyntax(options.intervene));
    ATTNSCOPE_TRY(checkSparseAttentionSyntax(options.sparse));
    if (!options.sparse.kvPolicy.empty() && options.needles.empty())
        return Status::invalidArgument("a KV-cache policy changes decoding only, and only --needles decodes: "
                                       "give --needles (perplexity and copying are scored in one prefill)")
            .atField("--kv-policy");
    options.sinkRule = actRuleFrom(options.actRule);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.model, loadOptions(options.weights)));
    ATTNSCOPE_ASSIGN_OR_RETURN(
        runtime::Interventions interventions,
        resolveInterventions(options.intervene, options.sinkRule, model->config(), &options.sparse));
    nlohmann::json document = {{"model", options.model}, {"weights", options.weights}};
    if (!interventions.empty())
        document["interventions"] = interventionsJson(interventions, options);
    if (!interventions.maskedHeads.empty()) // also at the top level, where earlier versions wrote it
        document["masked_heads"] = document["interventions"]["masked_heads"];
    std::unique_ptr<tokenizers::Tokenizer> tokenizer;
    if (!options.textFile.empty() || !options.needles.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizer, tokenizerForModel(options.model, options.tokenizer));
    }
    analyses::EvaluationRequest request;
    if (!options.textFile.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(request.text, readWholeFile(options.textFile));
        request.textSource = options.textFile;
        if (request.text.empty())
            return Status::invalidArgument("the text is empty").inFile(options.textFile);
    }
    request.window = options.window;
    request.needlesFile = options.needles;
    request.copyingFile = options.copying;
    request.compareBaseline = options.compareBaseline;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        nlohmann::json measured,
        analyses::evaluateModel(model, tokenizer.get(), request, interventions, progress));
    document.update(measured);
    return document;
}

/// "  sparse attention: kept 23.1% of the causal pairs (mean recall 0.941 over 65536 rows)".
void printMasks(const nlohmann::json& section) {
    if (!section.contains("sparse_attention"))
        return;
    const auto& m = section["sparse_attention"];
    std::cout << "  sparse attention: kept " << 100.0 * m["density"].get<double>()
              << "% of the causal pairs (mean recall " << m["mean_recall"].get<double>() << " over "
              << m["masked_rows"].get<int64_t>() << " masked rows x heads x layers)\n";
}

void printText(const nlohmann::json& d) {
    if (d.contains("perplexity")) {
        const auto& p = d["perplexity"];
        std::cout << "perplexity: " << p["perplexity"].get<double>() << " (" << p["mean_nll"].get<double>()
                  << " nats/token over " << p["tokens"].get<int64_t>() << " tokens, "
                  << p["windows"].get<int>() << " windows)\n";
        printMasks(p);
    }
    if (d.contains("needles")) {
        const auto& n = d["needles"];
        std::cout << "needles: " << n["correct"].get<int>() << "/" << n["prompts"].get<int>()
                  << " exact (accuracy " << n["accuracy"].get<double>() << ", mean prompt "
                  << n["mean_prompt_tokens"].get<double>() << " tokens)\n";
        printMasks(n);
    }
    if (d.contains("copying")) {
        const auto& c = d["copying"];
        std::cout << "copying: mean loss per copy " << c["mean_loss_per_copy"].dump() << ", first/second "
                  << c["first_to_second_ratio"].get<double>() << "\n";
        printMasks(c);
    }
}

void printDocument(const nlohmann::json& d) {
    if (d.contains("interventions")) {
        const auto& i = d["interventions"];
        std::cout << "interventions:";
        if (i.contains("masked_heads"))
            std::cout << " masked heads " << i["masked_heads"].dump() << ";";
        if (i.contains("calibration"))
            std::cout << " calibrated heads " << i["calibration"]["heads"].dump() << " ("
                      << i["calibration"]["rule"].get<std::string>() << ");";
        if (i.contains("sharing"))
            for (const auto& share : i["sharing"])
                std::cout << " layer " << share["target"].get<int>() << " shares layer "
                          << share["source"].get<int>() << "'s attention;";
        if (i.contains("streaming"))
            std::cout << " StreamingLLM attention (" << i["streaming"]["sinks"].get<int>()
                      << " sinks, window " << i["streaming"]["window"].get<int>() << ");";
        for (const char* key : {"sparse_prefill", "kv_selection"})
            if (i.contains(key))
                std::cout << " " << i[key]["rule"].get<std::string>() << ";";
        std::cout << "\n";
    }
    printText(d);
    if (d.contains("baseline")) {
        std::cout << "baseline (no interventions):\n";
        printText(d["baseline"]);
        std::cout << "change:";
        for (const auto& [name, value] : d["delta"].items())
            std::cout << " " << name << " " << std::showpos << value.get<double>() << std::noshowpos;
        std::cout << "\n";
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
    addInterventionOptions(*command, options->intervene);
    addSparseAttentionOptions(*command, options->sparse);
    addActRuleOptions(*command, options->actRule);
    command->add_flag("--compare-baseline", options->compareBaseline,
                      "Also evaluate without the interventions and report the change");
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        TerminalProgress bar;
        exitCode = output->finish(execute(*options, bar.progress()), printDocument);
    });
}

} // namespace attnscope::cli
