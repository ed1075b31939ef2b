// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli analyze MODEL (--text TEXT | --text-file F | --tokens IDS | --sample NAME)
//      [--analyses sinks,retrieval,similarity,sparsity,taxonomy] [method options] [--json [OUT]]`
// Runs the model once over the input with in-kernel statistics and captured queries/keys (sinks,
// similarity, sparsity, taxonomy), plus the retrieval family's own passes (needle prompts with decoding,
// RazorAttention's repeated random tokens, DuoAttention's proxy), and writes each analysis with its
// parameters (schema: docs/analyze-json.md).
#include "commands.h"

#include "../intervention_options.h"
#include "../json_output.h"
#include "../model_input.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/analyses/suite.h"
#include "attnscope/analyses/suite_settings.h"
#include "attnscope/runtime/attention_device.h"
#include "attnscope/runtime/model.h"
#ifdef ATTNSCOPE_HAS_STORE
#include "attnscope/store/suite_run.h"
#endif

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <sstream>

namespace attnscope::cli {

namespace {

struct AnalyzeOptions {
    ModelInput input;
    std::string sample;
    analyses::SuiteOptions suite;
    double actAlpha = 0;
    std::string firstSink = "drop-first";
    std::string settingsFile; ///< --settings: a JSON object of suite settings (suite_settings.h)
    /// The settings keys whose options were given on the command line: they win over the file.
    std::set<std::string> explicitKeys;
    std::string project; ///< store the run in this project (.attnscope)
    std::string label;
    InterventionOptions intervene; ///< the model the suite measures: ablated, calibrated, sharing
};

/// Where the bundled samples live: beside the executable's share directory or in the source tree.
std::string sampleFile(const std::string& name, const std::string& extension = ".txt") {
    for (const std::string& directory :
         {std::string(ATTNSCOPE_SOURCE_RESOURCES "/samples"), std::string("/usr/share/attnscope/samples")})
        if (std::filesystem::exists(directory + "/" + name + extension))
            return directory + "/" + name + extension;
    return {};
}

/// Writes the run to options.project (created when missing) and says where it went.
Expected<nlohmann::json> storeRun(const AnalyzeOptions& options, const ResolvedInput& input,
                                  analyses::SuiteResult result, const std::string& started, double seconds) {
#ifdef ATTNSCOPE_HAS_STORE
    nlohmann::json parameters = analyses::suiteSettingsToJson(options.suite);
    if (parameters["needles"] == sampleFile("needles", ".jsonl"))
        parameters["needles"] = ""; // the bundled prompts: found again wherever AttnScope is installed
    store::SuiteRunInfo info;
    info.modelPath = options.input.model;
    info.label = options.label;
    nlohmann::json settings = nlohmann::json{
        {"analyses", options.suite.analyses},
        {"sample", options.sample},
        {"text_file", options.input.textFile},
        {"max_tokens", options.input.maxTokens},
        {"block_size", result.blockSize},
        {"parameters", parameters},
        // How the numbers were computed: the studio recomputes deep-zoom tiles with the same weights.
        {"weights", options.input.weights},
        {"attention_device", runtime::attentionDeviceName(runtime::attentionDevice())}};
    if (!options.suite.interventions.empty()) // the model the numbers describe
        settings["interventions"] = analyses::interventionsToJson(options.suite.interventions);
    info.settingsJson = settings.dump();
    info.text = input.text;
    info.tokens = input.tokens;
    info.offsets = input.offsets;
    info.started = started;
    info.seconds = seconds;
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, store::suiteRunRecord(std::move(result), info));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(options.project, store::OpenMode::CreateIfMissing));
    ATTNSCOPE_ASSIGN_OR_RETURN(int64_t id, project.addRun(run));
    return nlohmann::json{{"path", options.project}, {"run", id}};
#else
    return Status::unsupported("this build has no project support (SQLite and zlib were not found)")
        .atField("--project");
#endif
}

/// Refuses, before the analysis runs, a project the run could not be stored in: an existing file that
/// is not a readable project, or a new one in a folder that does not exist. Nothing is created or
/// migrated here (storeRun does that once there is a run to store).
Status checkProject(const std::string& path) {
#ifdef ATTNSCOPE_HAS_STORE
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
        auto project = store::Project::open(path, store::OpenMode::ReadOnly);
        if (project)
            return Status::ok();
        Status status = project.status();
        return std::move(status).atField("--project");
    }
    const std::filesystem::path parent = std::filesystem::absolute(path, error).parent_path();
    if (!std::filesystem::is_directory(parent, error))
        return Status::notFound("the folder " + parent.string() + " does not exist")
            .inFile(path)
            .atField("--project");
    return Status::ok();
#else
    return Status::unsupported("this build has no project support (SQLite and zlib were not found)")
        .atField("--project");
#endif
}

/// The suite's settings: the --settings file's first, then every option given on the command line.
Status applyOptionsAndSettings(AnalyzeOptions& options) {
    analyses::SuiteOptions& suite = options.suite;
    if (!options.settingsFile.empty()) {
        auto read = analyses::readSuiteSettingsFile(options.settingsFile);
        if (!read)
            return std::move(read).status().atField("--settings");
        nlohmann::json settings = std::move(*read);
        for (const std::string& key : options.explicitKeys)
            settings.erase(key); // the command line's value (already in `suite`) wins
        // --act-threshold given means the absolute threshold, whatever α the file names.
        if (options.explicitKeys.count("act_threshold") && !options.explicitKeys.count("act_alpha"))
            settings["act_alpha"] = 0;
        ATTNSCOPE_TRY(analyses::applySuiteSettings(settings, suite, options.settingsFile));
    }
    if (options.explicitKeys.count("act_alpha")) {
        suite.sinks.actThreshold = analyses::ActThreshold::RelativeAlpha;
        suite.sinks.actAlpha = options.actAlpha;
    }
    if (options.explicitKeys.count("act_first_sink"))
        ATTNSCOPE_TRY(
            analyses::applySuiteSettings({{"act_first_sink", options.firstSink}}, suite, "--act-first-sink"));
    return Status::ok();
}

Expected<nlohmann::json> execute(AnalyzeOptions options, const Progress& progress) {
    const auto clock = std::chrono::steady_clock::now();
#ifdef ATTNSCOPE_HAS_STORE
    const std::string started = store::utcNow();
#else
    const std::string started;
#endif
    if (!options.sample.empty()) {
        options.input.textFile = sampleFile(options.sample);
        if (options.input.textFile.empty())
            return Status::notFound("no bundled sample '" + options.sample + "' (short, long)")
                .atField("--sample");
    }
    analyses::SuiteOptions& suite = options.suite;
    ATTNSCOPE_TRY(applyOptionsAndSettings(options));
    ATTNSCOPE_TRY(checkInterventionSyntax(options.intervene));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::set<std::string> wanted, analyses::suiteAnalyses(suite.analyses));
    if (!options.project.empty())
        ATTNSCOPE_TRY(checkProject(options.project)); // before minutes of work, not after
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, true));
    if (wanted.count("retrieval") && suite.needles.empty() && suite.haystack.empty())
        suite.needles = sampleFile("needles", ".jsonl");
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model, loadOptions(options.input.weights)));
    ATTNSCOPE_ASSIGN_OR_RETURN(suite.interventions,
                               resolveInterventions(options.intervene, suite.sinks, model->config()));
    analyses::SuiteInput suiteInput;
    suiteInput.modelPath = options.input.model;
    suiteInput.tokens = input.tokens;
    suiteInput.tokenizer = input.tokenizer.get();
    // RazorAttention's probe starts with the BOS the input's tokenizer added, if any.
    suiteInput.razorBos = !input.tokens.empty() && options.input.tokens.empty() && !options.input.noBos
                              ? input.tokens.front()
                              : 0;
    ATTNSCOPE_ASSIGN_OR_RETURN(analyses::SuiteResult result,
                               analyses::runSuite(model, suiteInput, suite, progress));
    nlohmann::json document = nlohmann::json::parse(result.documentJson);
    if (!options.project.empty()) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
        ATTNSCOPE_ASSIGN_OR_RETURN(document["project"],
                                   storeRun(options, input, std::move(result), started, seconds));
    }
    return document;
}

void printText(const nlohmann::json& d) {
    if (d.contains("interventions"))
        std::cout << "Measured under interventions: " << d["interventions"].dump() << "\n";
    if (d.contains("project"))
        std::cout << "Stored as run " << d["project"]["run"].get<int64_t>() << " in "
                  << d["project"]["path"].get<std::string>() << "\n";
    if (d.contains("retrieval") && d["retrieval"].contains("score")) {
        const auto& score = d["retrieval"]["score"];
        std::cout << "Retrieval score: " << score["accepted"].get<int>() << " of "
                  << score["samples"].get<int>() << " samples accepted; "
                  << score["retrieval_heads"].get<int>() << " heads above "
                  << score["parameters"]["head_threshold"].get<double>() << "\n";
    }
    if (d.contains("retrieval") && d["retrieval"].contains("razor")) {
        const auto& razor = d["retrieval"]["razor"];
        std::cout << "RazorAttention (span " << razor["parameters"]["span"].get<int>() << " x "
                  << razor["parameters"]["repeats"].get<int>()
                  << "): layer kv-head induction echo retained\n";
        for (const auto& h : razor["kv_heads"])
            std::printf("  %5d %7d %9.3f %6.3f %s\n", h["layer"].get<int>(), h["kv_head"].get<int>(),
                        h["induction"].get<double>(), h["echo"].get<double>(),
                        h["retained"].get<bool>() ? "yes" : "");
    }
    if (d.contains("retrieval") && d["retrieval"].contains("duo")) {
        const auto& duo = d["retrieval"]["duo"];
        std::cout << "DuoAttention proxy (" << duo["parameters"]["sink_tokens"].get<int>() << " sink + "
                  << duo["parameters"]["recent_tokens"].get<int>()
                  << " recent tokens): layer head  streaming recall  output error"
                  << (duo["heads"].empty() || !duo["heads"][0].contains("gate") ? "" : "  gate") << "\n";
        for (const auto& h : duo["heads"]) {
            std::printf("  %5d %4d  %16.3f  %12.3g", h["layer"].get<int>(), h["head"].get<int>(),
                        h["streaming_recall"].get<double>(), h["output_error"].get<double>());
            if (h.contains("gate"))
                std::printf("  %.3f", h["gate"].get<double>());
            std::cout << "\n";
        }
    }
    if (d.contains("similarity")) {
        std::cout << "Layer similarity (cosine of head-averaged maps):\n";
        for (const auto& row : d["similarity"]["layer_head_averaged"]) {
            for (const auto& value : row)
                std::printf(" %6.3f", value.get<double>());
            std::cout << "\n";
        }
    }
    if (d.contains("sparsity")) {
        const auto& sp = d["sparsity"];
        std::printf("Sparsity: FlexPrefill (gamma %.2f) mean recall %.3f at mean density %.3f\n",
                    sp["parameters"]["flex_gamma"].get<double>(), sp["flexprefill_mean_recall"].get<double>(),
                    sp["flexprefill_mean_density"].get<double>());
        std::cout << "layer head  pattern          oracle@R  flex recall/density  query-aware\n";
        for (const auto& h : sp["heads"])
            std::printf("%5d %4d  %-15s  %8.3f  %6.3f / %6.3f      %s\n", h["layer"].get<int>(),
                        h["head"].get<int>(), h["pattern"]["class"].get<std::string>().c_str(),
                        h["pattern"]["oracle_density"].get<double>(),
                        h["flexprefill"]["recall"].get<double>(), h["flexprefill"]["density"].get<double>(),
                        h["flexprefill"]["query_aware"].get<bool>() ? "yes" : "");
    }
    if (d.contains("taxonomy")) {
        std::cout << "Head taxonomy (primary label):\n";
        int layer = -1;
        for (const auto& h : d["taxonomy"]["heads"]) {
            if (h["layer"].get<int>() != layer) {
                layer = h["layer"].get<int>();
                std::printf("%s  layer %d:", layer ? "\n" : "", layer);
            }
            std::printf(" %s", h["primary"].get<std::string>().c_str());
        }
        std::cout << "\n";
    }
    if (!d.contains("sinks"))
        return;
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
        "analyze", "Per-head analyses from in-kernel statistics: sinks, retrieval heads, layer similarity, "
                   "sparsity masks, head taxonomy");
    auto options = std::make_shared<AnalyzeOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--text");
    command->add_option("--sample", options->sample, "A bundled sample input: short, long")
        ->excludes(options->input.tokensOption)
        ->excludes(options->input.textOption)
        ->excludes(options->input.textFileOption);
    options->suite.analyses = "all";
    command
        ->add_option(
            "--analyses", options->suite.analyses,
            "Comma-separated: all, sinks, retrieval (= score + razor + duo), razor, duo, similarity, "
            "sparsity, taxonomy")
        ->capture_default_str();
    command
        ->add_option("--layers-per-block", options->suite.similarity.layersPerBlock,
                     "EchoAtt: consecutive layers per proposed shared block (k)")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    command
        ->add_option("--flex-gamma", options->suite.sparsity.flexGamma,
                     "FlexPrefill: cumulative-attention gamma")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--flex-tau", options->suite.sparsity.flexTau, "FlexPrefill: pattern threshold tau")
        ->check(between(0, 1e9))
        ->capture_default_str();
    command
        ->add_option("--flex-min-budget", options->suite.sparsity.flexMinBudget,
                     "FlexPrefill: min_budget (tokens)")
        ->check(atLeast(0))
        ->capture_default_str();
    command->add_option("--anchor-theta", options->suite.sparsity.anchorTheta, "AnchorAttention: theta")
        ->check(between(0, 1e9))
        ->capture_default_str();
    command
        ->add_option(
            "--decode-rows", options->suite.sparsity.decodeRows,
            "SnapKV/TokenSelect: the last tokens scored as teacher-forced decode steps (0: skip both)")
        ->check(atLeast(0))
        ->capture_default_str();
    command->add_option("--snap-capacities", options->suite.sparsity.snapCapacities, "SnapKV: cache sizes C")
        ->delimiter(',')
        ->check(positive())
        ->capture_default_str();
    command->add_flag("--snap-max-pool", options->suite.sparsity.snapMaxPool,
                      "SnapKV: max pooling (LongBench configs) instead of average (code default)");
    command
        ->add_option("--tokenselect-budgets", options->suite.sparsity.tokenSelectBudgets,
                     "TokenSelect: budgets K")
        ->delimiter(',')
        ->check(positive())
        ->capture_default_str();
    command->add_flag("--tokenselect-modulo-kv", options->suite.sparsity.tokenSelectModuloKvHead,
                      "TokenSelect: pair query head h with KV head h % kv_heads, as the reference kernel");
    command
        ->add_option("--razor-span", options->suite.razorProbe.span,
                     "RazorAttention: random tokens per copy (default min(2500, what the context allows))")
        ->check(positive());
    command->add_option("--razor-repeats", options->suite.razorProbe.repeats, "RazorAttention: copies")
        ->check(CLI::Range(2, 64)) // induction needs a copy to look back at
        ->capture_default_str();
    command
        ->add_option("--induction-ratio", options->suite.razor.inductionRatio,
                     "Top share kept by induction score")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--echo-ratio", options->suite.razor.echoRatio, "Top share kept by echo score")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--seed", options->suite.seed, "Seed of the random probe tokens")
        ->capture_default_str();
    command->add_option("--haystack", options->suite.haystack,
                        "Retrieval score: generate needle prompts from this text");
    command->add_option("--needle", options->suite.needleTexts,
                        "Generated prompts: a needle sentence (repeat for several needles, each with its "
                        "--question and --answer)");
    command->add_option("--question", options->suite.questions,
                        "Generated prompts: the question of each needle");
    command->add_option("--answer", options->suite.answers,
                        "Generated prompts: the answer of each needle, which occurs in it");
    command->add_option("--lengths", options->suite.lengths, "Generated prompts: context lengths in tokens")
        ->delimiter(',')
        ->check(positive())
        ->capture_default_str();
    command->add_option("--depths", options->suite.depths, "Generated prompts: needle depths in [0, 1]")
        ->delimiter(',')
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--duo-sink", options->suite.duo.sinkTokens, "DuoAttention proxy: sink tokens")
        ->check(atLeast(0))
        ->capture_default_str();
    command->add_option("--duo-recent", options->suite.duo.recentTokens, "DuoAttention proxy: recent tokens")
        ->check(atLeast(0))
        ->capture_default_str();
    command->add_option("--duo-gates", options->suite.duoGates,
                        "DuoAttention's trained gates (TSV, layers x KV heads) to report beside the proxy");
    command->add_option(
        "--needles", options->suite.needles,
        "Retrieval score: JSON lines {\"prompt\", \"value_span\": [begin, end]} (bytes), e.g. "
        "resources/samples/needles.jsonl");
    command->add_option("--sink-tokens", options->suite.sinks.sinkTokens, "StreamingLLM sink tokens S")
        ->check(atLeast(0))
        ->capture_default_str();
    command->add_option("--window", options->suite.sinks.window, "StreamingLLM recent window W")
        ->check(atLeast(0))
        ->capture_default_str();
    command
        ->add_option("--act-threshold", options->suite.sinks.actAbsolute,
                     "ACT's absolute threshold (code: 0.1)")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command
        ->add_option("--act-alpha", options->actAlpha, "Use the relative threshold alpha/N instead (paper)")
        ->check(positive())
        ->check(between(0, 1e9));
    command
        ->add_option("--act-first-sink", options->firstSink,
                     "drop-first (reference code), exclude-token0, keep-all")
        ->check(CLI::IsMember({"drop-first", "exclude-token0", "keep-all"}))
        ->capture_default_str();
    command->add_option(
        "--project", options->project,
        "Store the run (results, arrays, input, model identity) in this project file; created "
        "when missing");
    command->add_option("--label", options->label, "A label for the stored run");
    addInterventionOptions(*command, options->intervene);
    command->add_option("--settings", options->settingsFile,
                        "Analysis settings from a JSON object keyed by these options' names without dashes "
                        "(\"flex_gamma\": 0.95), e.g. a stored run's \"parameters\"; options given here win");
    output->addOption(*command);
    command->callback([command, options, output, &exitCode] {
        for (const std::string& key : analyses::suiteSettingKeys()) {
            std::string flag = "--" + key;
            std::replace(flag.begin(), flag.end(), '_', '-');
            if (command->count(flag) > 0)
                options->explicitKeys.insert(key);
        }
        TerminalProgress bar;
        exitCode = output->finish(execute(*options, bar.progress()), printText);
    });
}

} // namespace attnscope::cli
