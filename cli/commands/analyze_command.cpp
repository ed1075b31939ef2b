// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli analyze MODEL (--text TEXT | --text-file F | --tokens IDS | --sample NAME)
//      [--analyses sinks] [--sink-tokens S] [--window W] [--act-threshold T | --act-alpha A]
//      [--act-first-sink drop-first|exclude-token0|keep-all] [--json [OUT]]`
// Runs the model once with in-kernel statistics and writes each analysis with its parameters.
// Analyses so far: sinks (METHODS.md 1-2); retrieval, similarity and sparsity arrive with the issue.
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"

#include <filesystem>
#include <iostream>

namespace attnscope::cli {

namespace {

struct AnalyzeOptions {
    ModelInput input;
    std::string sample;
    std::string analyses = "sinks";
    analyses::SinkParameters sinks;
    double actAlpha = 0;
    std::string firstSink = "drop-first";
};

/// Where the bundled samples live: beside the executable's share directory or in the source tree.
std::string sampleFile(const std::string& name) {
    for (const std::string& directory :
         {std::string(ATTNSCOPE_SOURCE_RESOURCES "/samples"), std::string("/usr/share/attnscope/samples")})
        if (std::filesystem::exists(directory + "/" + name + ".txt"))
            return directory + "/" + name + ".txt";
    return {};
}

nlohmann::json sinksToJson(const analyses::SinkAnalysis& a, const ResolvedInput& input) {
    const analyses::SinkParameters& p = a.parameters;
    nlohmann::json heads = nlohmann::json::array();
    for (const analyses::HeadSinks& h : a.heads) {
        nlohmann::json sinks = nlohmann::json::array();
        for (std::size_t s = 0; s < h.actSinks.size(); ++s) {
            const int token = h.actSinks[s];
            nlohmann::json entry = {{"token", token}, {"score", h.actScores[s]}, {"id", input.tokens[token]}};
            if (input.tokenizer)
                entry["text"] = input.tokenizer->tokenText(input.tokens[token]);
            sinks.push_back(entry);
        }
        heads.push_back({{"layer", h.layer},
                         {"head", h.head},
                         {"token0_mass", h.token0Mass},
                         {"sink_mass", h.sinkMass},
                         {"window_mass", h.windowMass},
                         {"streaming_recall", h.streamingRecall},
                         {"act_sinks", sinks},
                         {"hidden_sinks", h.hiddenSinks}});
    }
    const char* firstSink = p.actFirstSink == analyses::ActFirstSink::DropFirst       ? "drop-first"
                            : p.actFirstSink == analyses::ActFirstSink::ExcludeToken0 ? "exclude-token0"
                                                                                      : "keep-all";
    return {
        {"parameters",
         {{"sink_tokens", p.sinkTokens},
          {"window", p.window},
          {"act_threshold_mode", p.actThreshold == analyses::ActThreshold::Absolute ? "absolute" : "alpha/N"},
          {"act_threshold", p.actAbsolute},
          {"act_alpha", p.actAlpha},
          {"act_first_sink", firstSink},
          {"tokens", a.tokens}}},
        {"heads", heads}};
}

Expected<nlohmann::json> execute(AnalyzeOptions options) {
    if (!options.sample.empty()) {
        options.input.textFile = sampleFile(options.sample);
        if (options.input.textFile.empty())
            return Status::notFound("no bundled sample '" + options.sample + "' (short, long)")
                .atField("--sample");
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, true));
    if (options.analyses != "sinks")
        return Status::unsupported(
                   "analyses so far: sinks (retrieval, similarity and sparsity are not built yet)")
            .atField("--analyses");
    if (options.actAlpha > 0) {
        options.sinks.actThreshold = analyses::ActThreshold::RelativeAlpha;
        options.sinks.actAlpha = options.actAlpha;
    }
    options.sinks.actFirstSink = options.firstSink == "exclude-token0" ? analyses::ActFirstSink::ExcludeToken0
                                 : options.firstSink == "keep-all"     ? analyses::ActFirstSink::KeepAll
                                                                       : analyses::ActFirstSink::DropFirst;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model));
    if (!model->config().causal)
        return Status::unsupported("sink analyses assume causal attention").atField("MODEL");
    const int tokens = static_cast<int>(input.tokens.size());
    runtime::ForwardOptions forward;
    forward.logits = false;
    forward.probe = analyses::sinkProbeRequest(options.sinks, tokens);
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::ForwardResult result,
                               runtime::forward(*model, input.tokens, forward));
    ATTNSCOPE_ASSIGN_OR_RETURN(
        analyses::SinkAnalysis sinks,
        analyses::analyzeSinks(result.probes, model->config().heads, tokens, options.sinks));
    return nlohmann::json{
        {"model", options.input.model}, {"tokens", tokens}, {"sinks", sinksToJson(sinks, input)}};
}

void printText(const nlohmann::json& d) {
    std::cout << d["tokens"].get<int>() << " tokens\n";
    std::cout << "layer head  token0  sink(S)  window(W)  recall  ACT sinks\n";
    for (const auto& h : d["sinks"]["heads"]) {
        std::string sinks;
        for (const auto& s : h["act_sinks"])
            sinks += (sinks.empty() ? "" : " ") + std::to_string(s["token"].get<int>()) +
                     (s.contains("text") ? "'" + s["text"].get<std::string>() + "'" : "");
        std::printf("%5d %4d  %6.3f  %7.3f  %9.3f  %6.3f  %s\n", h["layer"].get<int>(), h["head"].get<int>(),
                    h["token0_mass"].get<double>(), h["sink_mass"].get<double>(),
                    h["window_mass"].get<double>(), h["streaming_recall"].get<double>(), sinks.c_str());
    }
}

} // namespace

void registerAnalyzeCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand(
        "analyze", "Per-head analyses from in-kernel statistics (so far: attention sinks)");
    auto options = std::make_shared<AnalyzeOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--text");
    command->add_option("--sample", options->sample, "A bundled sample input: short, long");
    command->add_option("--analyses", options->analyses, "Comma-separated analyses (so far: sinks)")
        ->capture_default_str();
    command->add_option("--sink-tokens", options->sinks.sinkTokens, "StreamingLLM sink tokens S")
        ->capture_default_str();
    command->add_option("--window", options->sinks.window, "StreamingLLM recent window W")
        ->capture_default_str();
    command->add_option("--act-threshold", options->sinks.actAbsolute, "ACT's absolute threshold (code: 0.1)")
        ->capture_default_str();
    command->add_option("--act-alpha", options->actAlpha,
                        "Use the relative threshold alpha/N instead (paper)");
    command
        ->add_option("--act-first-sink", options->firstSink,
                     "drop-first (reference code), exclude-token0, keep-all")
        ->check(CLI::IsMember({"drop-first", "exclude-token0", "keep-all"}))
        ->capture_default_str();
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(execute(*options), printText); });
}

} // namespace attnscope::cli
