// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli analyze MODEL (--text TEXT | --text-file F | --tokens IDS | --sample NAME)
//      [--analyses sinks,retrieval,similarity,sparsity,taxonomy] [method options] [--json [OUT]]`
// Runs the model once over the input with in-kernel statistics and captured queries/keys (sinks,
// similarity, sparsity, taxonomy), plus the retrieval family's own passes (needle prompts with decoding,
// RazorAttention's repeated random tokens, DuoAttention's proxy), and writes each analysis with its
// parameters (schema: docs/analyze-json.md).
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "../run_record.h"
#include "../terminal_progress.h"
#include "analysis_json.h"
#include "attnscope/analyses/duo.h"
#include "attnscope/analyses/needle_generator.h"
#include "attnscope/analyses/razor.h"
#include "attnscope/analyses/retrieval.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/core/read_file.h"
#include "attnscope/model/model_format.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/version.h"
#ifdef ATTNSCOPE_HAS_STORE
#include "attnscope/store/project.h"
#endif

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
    std::string analyses = "sinks";
    analyses::SinkParameters sinks;
    double actAlpha = 0;
    std::string firstSink = "drop-first";
    analyses::RepeatProbe razorProbe{1, 0, 4}; ///< span 0: min(2500, what the context allows)
    analyses::RazorParameters razor;
    uint64_t seed = 0;
    std::string needles; ///< JSON lines {"prompt", "answer", "value_span": [begin, end)} (bytes)
    analyses::RetrievalParameters retrieval;
    analyses::DuoProxyParameters duo;
    // The built-in needle generator (instead of --needles).
    std::string haystack, needleText, question, answer;
    std::vector<int> lengths = {500, 1000};
    std::vector<double> depths = {0.0, 0.25, 0.5, 0.75, 1.0};
    std::string duoGates; ///< optional trained gates to report beside the proxy
    analyses::SimilarityParameters similarity;
    analyses::SparsityParameters sparsity;
    analyses::TaxonomyParameters taxonomy;
    std::string project; ///< store the run in this project (.attnscope)
    std::string label;
};

/// Arrays a project run keeps beside the document: the K4 block sums of every head (the report's and
/// the studio's block-level heatmaps) and FlexPrefill's block masks.
struct RunArrays {
    int blockSize = 0;
    std::vector<store::ArrayRecord> arrays;
};

/// DuoAttention's training-free proxy per head (and the trained gates, when given).
Expected<nlohmann::json> duoToJson(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                   const AnalyzeOptions& options, const Progress& progress) {
    const model::ModelConfig& c = model.config();
    std::vector<std::vector<double>> gates;
    if (!options.duoGates.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(gates, analyses::readDuoGates(options.duoGates));
        if (static_cast<int>(gates.size()) != c.layers || static_cast<int>(gates.front().size()) != c.kvHeads)
            return Status::invalidArgument("gates are " + std::to_string(gates.size()) + " x " +
                                           std::to_string(gates.front().size()) + ", the model has " +
                                           std::to_string(c.layers) + " layers x " +
                                           std::to_string(c.kvHeads) + " KV heads")
                .inFile(options.duoGates);
    }
    const int count = static_cast<int>(tokens.size());
    const analyses::StreamingKeySets sets = analyses::streamingKeySets(options.duo, count);
    runtime::ForwardOptions forward;
    forward.logits = false;
    forward.probe = analyses::streamingProbeRequest(sets);
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::ForwardResult result,
                               runtime::forward(model, tokens, forward, progress));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<analyses::DuoProxyHead> heads,
                               analyses::duoProxy(result.probes, c.heads, count));
    nlohmann::json list = nlohmann::json::array();
    for (const analyses::DuoProxyHead& h : heads) {
        nlohmann::json entry = {{"layer", h.layer},
                                {"head", h.head},
                                {"streaming_recall", h.streamingRecall},
                                {"output_error", h.outputError}};
        if (!gates.empty())
            entry["gate"] = gates[h.layer][h.head / (c.heads / c.kvHeads)];
        list.push_back(entry);
    }
    return nlohmann::json{{"parameters",
                           {{"sink_tokens", options.duo.sinkTokens},
                            {"recent_tokens", options.duo.recentTokens},
                            {"gates", options.duoGates}}},
                          {"heads", list}};
}

/// Wu et al.'s retrieval score over needle prompts: greedy decoding with decode-time top-1 keys.
/// A needle prompt and the byte span of the value the answer copies.
struct NeedlePromptSpan {
    std::string prompt;
    int64_t begin = 0, end = 0;
};

/// Needle prompts from a JSON-lines file ({"prompt", "value_span"}).
Expected<std::vector<NeedlePromptSpan>> readNeedlePrompts(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
    std::vector<NeedlePromptSpan> prompts;
    std::stringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const auto item = nlohmann::json::parse(line, nullptr, false);
        if (item.is_discarded() || !item.is_object() || !item.contains("prompt") ||
            !item["prompt"].is_string() || !item.contains("value_span") || !item["value_span"].is_array() ||
            item["value_span"].size() != 2 || !item["value_span"][0].is_number_integer() ||
            !item["value_span"][1].is_number_integer())
            return Status::parseError("expected {\"prompt\": string, \"value_span\": [begin, end]}")
                .inFile(path)
                .atField("line " + std::to_string(number));
        prompts.push_back({item["prompt"].get<std::string>(), item["value_span"][0].get<int64_t>(),
                           item["value_span"][1].get<int64_t>()});
    }
    return prompts;
}

/// Needle prompts from the built-in generator (--haystack, --needle, --question, --answer, --lengths,
/// --depths).
Expected<std::vector<NeedlePromptSpan>> generatedNeedlePrompts(const tokenizers::Tokenizer& tokenizer,
                                                               const AnalyzeOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string haystack, readWholeFile(options.haystack));
    ATTNSCOPE_ASSIGN_OR_RETURN(
        std::vector<analyses::GeneratedNeedle> generated,
        analyses::generateNeedlePrompts(tokenizer, haystack,
                                        {{options.needleText, options.question, options.answer}},
                                        options.lengths, options.depths));
    std::vector<NeedlePromptSpan> prompts;
    for (const auto& g : generated)
        prompts.push_back({g.prompt, g.answerBegin, g.answerEnd});
    return prompts;
}

Expected<nlohmann::json> retrievalToJson(const std::shared_ptr<runtime::Model>& model,
                                         const tokenizers::Tokenizer& tokenizer,
                                         const AnalyzeOptions& options, std::vector<double>& scoresOut,
                                         const Progress& progress) {
    std::vector<NeedlePromptSpan> prompts;
    if (!options.needles.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(prompts, readNeedlePrompts(options.needles));
    } else if (!options.haystack.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(prompts, generatedNeedlePrompts(tokenizer, options));
    } else {
        return Status::invalidArgument(
                   "the retrieval score needs --needles FILE.jsonl or --haystack FILE with "
                   "--needle, --question and --answer (no bundled needles.jsonl was found)")
            .atField("--needles");
    }
    std::vector<analyses::NeedleTrace> traces;
    for (std::size_t n = 0; n < prompts.size(); ++n) {
        ATTNSCOPE_TRY(progress.update(static_cast<float>(n) / static_cast<float>(prompts.size())));
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding prompt, tokenizer.encode(prompts[n].prompt, true));
        analyses::NeedleTrace trace;
        trace.prompt = prompt.ids;
        trace.needleBegin = -1;
        for (std::size_t t = 0; t < prompt.offsets.size(); ++t)
            if (prompt.offsets[t].second > prompt.offsets[t].first &&
                prompt.offsets[t].first < prompts[n].end && prompt.offsets[t].second > prompts[n].begin) {
                if (trace.needleBegin < 0)
                    trace.needleBegin = static_cast<int>(t);
                trace.needleEnd = static_cast<int>(t) + 1;
            }
        if (trace.needleBegin < 0)
            return Status::invalidArgument("the value span covers no token")
                .atField("prompts[" + std::to_string(n) + "]");
        runtime::GenerateOptions generate;
        generate.maxNewTokens = trace.needleEnd - trace.needleBegin + 2;
        ATTNSCOPE_ASSIGN_OR_RETURN(runtime::TracedGeneration decoded,
                                   runtime::generateTraced(model, trace.prompt, generate));
        trace.generated = std::move(decoded.generated);
        trace.topKeys = std::move(decoded.topKeys);
        traces.push_back(std::move(trace));
    }
    const model::ModelConfig& c = model->config();
    ATTNSCOPE_ASSIGN_OR_RETURN(analyses::RetrievalResult result,
                               analyses::retrievalScores(traces, c.layers, c.heads, options.retrieval));
    scoresOut = result.scores;
    nlohmann::json heads = nlohmann::json::array();
    for (int l = 0; l < c.layers; ++l)
        for (int h = 0; h < c.heads; ++h)
            heads.push_back({{"layer", l},
                             {"head", h},
                             {"score", result.scores[static_cast<std::size_t>(l) * c.heads + h]}});
    return nlohmann::json{{"parameters",
                           {{"needles", options.needles},
                            {"haystack", options.haystack},
                            {"lengths", options.lengths},
                            {"depths", options.depths},
                            {"accept_rouge1_recall", options.retrieval.acceptRecall},
                            {"head_threshold", options.retrieval.headThreshold},
                            {"needle_span", "the value's tokens (value_span)"},
                            {"decoding", "greedy, needle length + 2 tokens"}}},
                          {"samples", result.samples},
                          {"accepted", result.accepted},
                          {"retrieval_heads", result.retrievalHeads},
                          {"heads", heads}};
}

std::set<std::string> splitAnalyses(const std::string& text) {
    std::set<std::string> names;
    std::stringstream stream(text);
    for (std::string name; std::getline(stream, name, ',');)
        if (!name.empty())
            names.insert(name);
    return names;
}

/// RazorAttention's probe: BOS (the tokenizer's, else id 0), then `span` ids drawn uniformly from the
/// upper 90% of the vocabulary (seeded), repeated.
std::vector<int32_t> razorTokens(const analyses::RepeatProbe& probe, int vocabulary, int32_t bos,
                                 uint64_t seed) {
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<int32_t> id(vocabulary / 10, vocabulary - 1);
    std::vector<int32_t> span(static_cast<std::size_t>(probe.span));
    for (int32_t& token : span)
        token = id(random);
    std::vector<int32_t> tokens(static_cast<std::size_t>(probe.prefix), bos);
    for (int r = 0; r < probe.repeats; ++r)
        tokens.insert(tokens.end(), span.begin(), span.end());
    return tokens;
}

Expected<nlohmann::json> razorToJson(const runtime::Model& model, AnalyzeOptions& options, int32_t bos,
                                     analyses::RazorAnalysis& razorOut, const Progress& progress) {
    analyses::RepeatProbe& probe = options.razorProbe;
    const int64_t context = model.config().contextLength > 0 ? model.config().contextLength : 10001;
    if (probe.span <= 0)
        probe.span = static_cast<int>(std::min<int64_t>(2500, (context - probe.prefix) / probe.repeats));
    if (probe.span < 1 || probe.tokens() > context)
        return Status::invalidArgument("the probe (" + std::to_string(probe.tokens()) +
                                       " tokens) does not fit the model's context of " +
                                       std::to_string(context))
            .atField("--razor-span");
    const std::vector<int32_t> tokens = razorTokens(probe, model.config().vocabSize, bos, options.seed);
    std::vector<kernels::ProbeResult> passes[2];
    for (int induction = 0; induction < 2; ++induction) {
        const analyses::CopyKeySets sets = analyses::copyKeySets(probe, induction == 1);
        runtime::ForwardOptions forward;
        forward.logits = false;
        forward.probe = analyses::copyProbeRequest(sets);
        ATTNSCOPE_ASSIGN_OR_RETURN(
            runtime::ForwardResult result,
            runtime::forward(model, tokens, forward,
                             progress.subRange(0.5f * induction, 0.5f * (induction + 1))));
        passes[induction] = std::move(result.probes);
    }
    const model::ModelConfig& c = model.config();
    ATTNSCOPE_ASSIGN_OR_RETURN(
        analyses::RazorAnalysis razor,
        analyses::analyzeRazor(passes[1], passes[0], c.heads, c.kvHeads, probe, options.razor));
    razorOut = razor;
    nlohmann::json heads = nlohmann::json::array();
    for (const analyses::RazorKvHead& h : razor.kvHeadScores)
        heads.push_back({{"layer", h.layer},
                         {"kv_head", h.kvHead},
                         {"induction", h.induction},
                         {"echo", h.echo},
                         {"retained", h.retained}});
    nlohmann::json perQuery = nlohmann::json::array();
    for (int l = 0; l < c.layers; ++l)
        for (int h = 0; h < c.heads; ++h) {
            const std::size_t at = static_cast<std::size_t>(l) * c.heads + h;
            perQuery.push_back({{"layer", l},
                                {"head", h},
                                {"induction", razor.inductionPerQueryHead[at]},
                                {"echo", razor.echoPerQueryHead[at]}});
        }
    return nlohmann::json{{"parameters",
                           {{"prefix", probe.prefix},
                            {"span", probe.span},
                            {"repeats", probe.repeats},
                            {"seed", options.seed},
                            {"induction_head_ratio", options.razor.inductionRatio},
                            {"echo_head_ratio", options.razor.echoRatio},
                            {"gqa", "max over the query heads of a group"}}},
                          {"kv_heads", heads},
                          {"query_heads", perQuery}};
}

/// Where the bundled samples live: beside the executable's share directory or in the source tree.
std::string sampleFile(const std::string& name, const std::string& extension = ".txt") {
    for (const std::string& directory :
         {std::string(ATTNSCOPE_SOURCE_RESOURCES "/samples"), std::string("/usr/share/attnscope/samples")})
        if (std::filesystem::exists(directory + "/" + name + extension))
            return directory + "/" + name + extension;
    return {};
}

const std::set<std::string> kAnalyses = {"sinks",      "retrieval", "razor",    "duo",
                                         "similarity", "sparsity",  "taxonomy", "all"};

/// The names asked for, with "all" and "retrieval" expanded (retrieval = score + razor + duo).
std::set<std::string> expandAnalyses(std::set<std::string> names) {
    if (names.erase("all"))
        names.insert({"sinks", "retrieval", "similarity", "sparsity", "taxonomy"});
    if (names.count("retrieval"))
        names.insert({"razor", "duo"});
    if (names.count("taxonomy"))
        names.insert("sinks");
    return names;
}

/// The input pass's probe: the sinks' statistics, plus what sparsity and the taxonomy read.
kernels::ProbeRequest suiteProbeRequest(const std::set<std::string>& wanted, const AnalyzeOptions& options,
                                        int tokens) {
    kernels::ProbeRequest request = analyses::sinkProbeRequest(options.sinks, tokens);
    if (wanted.count("sparsity") || wanted.count("similarity") || wanted.count("taxonomy")) {
        const kernels::ProbeRequest sparsity = analyses::sparsityProbeRequest(options.sparsity, tokens);
        request.rowLogSumExp = true;
        request.rowEntropy = true;
        request.columnMass = true;
        request.columnMassRows = {};
        request.diagonalSums = true;
        request.diagonalRows = {};
        if (wanted.count("sparsity")) {
            request.blockSize = sparsity.blockSize;
            request.lastRows = sparsity.lastRows;
        }
    }
    return request;
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

/// Writes the run to options.project (created when missing) and says where it went.
Expected<nlohmann::json> storeRun(const AnalyzeOptions& options, const ResolvedInput& input, RunArrays arrays,
                                  const nlohmann::json& document, const std::string& started,
                                  double seconds) {
#ifdef ATTNSCOPE_HAS_STORE
    store::RunRecord run;
    run.label = options.label;
    run.settingsJson = nlohmann::json{
        {"analyses", options.analyses},
        {"sample", options.sample},
        {"text_file", options.input.textFile},
        {"max_tokens", options.input.maxTokens},
        {"block_size",
         arrays.blockSize}}.dump();
    run.documentJson = document.dump();
    run.programVersion = ATTNSCOPE_VERSION_STRING;
    run.started = started;
    run.finished = utcNow();
    run.seconds = seconds;
    ATTNSCOPE_ASSIGN_OR_RETURN(model::ModelProbe probe, model::probeModelFormat(options.input.model));
    run.model.path = std::filesystem::absolute(options.input.model).lexically_normal().string();
    run.model.format = model::modelFormatName(probe.format);
    ATTNSCOPE_ASSIGN_OR_RETURN(run.model.contentHash, store::modelContentHash(options.input.model));
    run.model.configJson = nlohmann::json{{"summary", probe.summary}}.dump();
    run.input.text = input.text;
    run.input.tokens = input.tokens;
    run.input.offsets = input.offsets;
    run.metrics = flattenHeadMetrics(document);
    run.arrays = documentArrays(document);
    for (store::ArrayRecord& a : arrays.arrays)
        run.arrays.push_back(std::move(a));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(options.project, store::OpenMode::CreateIfMissing));
    ATTNSCOPE_ASSIGN_OR_RETURN(int64_t id, project.addRun(run));
    return nlohmann::json{{"path", options.project}, {"run", id}};
#else
    return Status::unsupported("this build has no project support (SQLite and zlib were not found)")
        .atField("--project");
#endif
}

Expected<nlohmann::json> execute(AnalyzeOptions options, const Progress& progress) {
    const auto clock = std::chrono::steady_clock::now();
    const std::string started = utcNow();
    if (!options.sample.empty()) {
        options.input.textFile = sampleFile(options.sample);
        if (options.input.textFile.empty())
            return Status::notFound("no bundled sample '" + options.sample + "' (short, long)")
                .atField("--sample");
    }
    const std::set<std::string> named = splitAnalyses(options.analyses);
    for (const std::string& name : named)
        if (!kAnalyses.count(name))
            return Status::unsupported("analysis '" + name +
                                       "' (known: all, sinks, retrieval, razor, duo, similarity, sparsity, "
                                       "taxonomy)")
                .atField("--analyses");
    if (named.empty())
        return Status::invalidArgument("no analysis named").atField("--analyses");
    const std::set<std::string> wanted = expandAnalyses(named);
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, true));
    if (options.actAlpha > 0) {
        options.sinks.actThreshold = analyses::ActThreshold::RelativeAlpha;
        options.sinks.actAlpha = options.actAlpha;
    }
    options.sinks.actFirstSink = options.firstSink == "exclude-token0" ? analyses::ActFirstSink::ExcludeToken0
                                 : options.firstSink == "keep-all"     ? analyses::ActFirstSink::KeepAll
                                                                       : analyses::ActFirstSink::DropFirst;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model));
    const model::ModelConfig& c = model->config();
    if (!c.causal)
        return Status::unsupported("these analyses assume causal attention").atField("MODEL");
    const int tokens = static_cast<int>(input.tokens.size());
    nlohmann::json document = {{"model", options.input.model}, {"tokens", tokens}};
    std::optional<analyses::SinkAnalysis> sinks;
    std::optional<analyses::SparsityAnalysis> sparsity;
    std::optional<analyses::RazorAnalysis> razor;
    std::optional<std::vector<double>> retrievalScores;
    std::vector<kernels::ProbeResult> probes;
    RunArrays arrays;
    if (wanted.count("sinks") || wanted.count("similarity") || wanted.count("sparsity")) {
        runtime::ForwardOptions forward;
        forward.logits = false;
        forward.probe = suiteProbeRequest(wanted, options, tokens);
        forward.captureQueryKey = wanted.count("similarity") || wanted.count("sparsity");
        ATTNSCOPE_ASSIGN_OR_RETURN(
            runtime::ForwardResult result,
            runtime::forward(*model, input.tokens, forward, progress.subRange(0.0f, 0.2f, "input pass")));
        probes = std::move(result.probes);
        if (!probes.empty() && probes.front().blockRows > 0) {
            store::ArrayRecord grid;
            grid.name = "attention.block_sum";
            const int nb = probes.front().blockRows;
            grid.shape = {c.layers, c.heads, nb, nb};
            for (const kernels::ProbeResult& probe : probes)
                grid.f32.insert(grid.f32.end(), probe.blockSum.begin(), probe.blockSum.end());
            arrays.blockSize = options.sparsity.probeBlock;
            arrays.arrays.push_back(std::move(grid));
        }
        if (wanted.count("sinks")) {
            ATTNSCOPE_ASSIGN_OR_RETURN(sinks, analyses::analyzeSinks(probes, c.heads, tokens, options.sinks));
            document["sinks"] = sinksToJson(*sinks, input);
        }
        if (wanted.count("similarity")) {
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::SimilarityAnalysis similarity,
                analyses::analyzeSimilarity(result.queryKeys, probes, options.similarity,
                                            progress.subRange(0.2f, 0.4f, "layer similarity")));
            document["similarity"] = similarityToJson(similarity);
        }
        if (wanted.count("sparsity")) {
            ATTNSCOPE_ASSIGN_OR_RETURN(sparsity,
                                       analyses::analyzeSparsity(result.queryKeys, probes, options.sparsity,
                                                                 progress.subRange(0.4f, 0.6f, "sparsity")));
            document["sparsity"] = sparsityToJson(*sparsity);
            store::ArrayRecord masks;
            masks.name = "sparsity.flexprefill_mask";
            masks.type = store::ArrayType::U8;
            const int nb = sparsity->heads.empty() ? 0 : sparsity->heads.front().flex.blocks;
            masks.shape = {c.layers, c.heads, nb, nb};
            for (const analyses::HeadSparsity& h : sparsity->heads)
                masks.u8.insert(masks.u8.end(), h.flex.blockMask.begin(), h.flex.blockMask.end());
            arrays.arrays.push_back(std::move(masks));
        }
    }
    if (wanted.count("razor")) {
        // The probe starts with the BOS the input's tokenizer added, if any.
        const int32_t bos = !input.tokens.empty() && options.input.tokens.empty() && !options.input.noBos
                                ? input.tokens.front()
                                : 0;
        razor.emplace();
        ATTNSCOPE_ASSIGN_OR_RETURN(
            document["retrieval"]["razor"],
            razorToJson(*model, options, bos, *razor, progress.subRange(0.6f, 0.75f, "RazorAttention")));
    }
    if (wanted.count("duo")) {
        ATTNSCOPE_ASSIGN_OR_RETURN(
            document["retrieval"]["duo"],
            duoToJson(*model, input.tokens, options, progress.subRange(0.75f, 0.8f, "DuoAttention proxy")));
    }
    if (wanted.count("retrieval")) {
        if (!input.tokenizer)
            return Status::invalidArgument("the retrieval score needs the model's tokenizer")
                .atField("--tokenizer");
        if (options.needles.empty() && options.haystack.empty())
            options.needles = sampleFile("needles", ".jsonl");
        retrievalScores.emplace();
        ATTNSCOPE_ASSIGN_OR_RETURN(document["retrieval"]["score"],
                                   retrievalToJson(model, *input.tokenizer, options, *retrievalScores,
                                                   progress.subRange(0.8f, 1.0f, "retrieval score")));
    }
    if (wanted.count("taxonomy")) {
        analyses::TaxonomyInputs in;
        in.layers = c.layers;
        in.heads = c.heads;
        in.tokens = tokens;
        in.probes = &probes;
        in.sinks = sinks ? &*sinks : nullptr;
        in.razor = razor ? &*razor : nullptr;
        in.retrievalScores = retrievalScores ? &*retrievalScores : nullptr;
        in.sparsity = sparsity ? &*sparsity : nullptr;
        ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<analyses::HeadTaxonomy> taxonomy,
                                   analyses::classifyHeads(in, options.taxonomy));
        document["taxonomy"] = taxonomyToJson(taxonomy, options.taxonomy);
    }
    if (!options.project.empty()) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
        ATTNSCOPE_ASSIGN_OR_RETURN(document["project"],
                                   storeRun(options, input, std::move(arrays), document, started, seconds));
    }
    return document;
}

void printText(const nlohmann::json& d) {
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
    command->add_option("--sample", options->sample, "A bundled sample input: short, long");
    options->analyses = "all";
    command
        ->add_option(
            "--analyses", options->analyses,
            "Comma-separated: all, sinks, retrieval (= score + razor + duo), razor, duo, similarity, "
            "sparsity, taxonomy")
        ->capture_default_str();
    command
        ->add_option("--layers-per-block", options->similarity.layersPerBlock,
                     "EchoAtt: consecutive layers per proposed shared block (k)")
        ->capture_default_str();
    command
        ->add_option("--flex-gamma", options->sparsity.flexGamma, "FlexPrefill: cumulative-attention gamma")
        ->capture_default_str();
    command->add_option("--flex-tau", options->sparsity.flexTau, "FlexPrefill: pattern threshold tau")
        ->capture_default_str();
    command
        ->add_option("--flex-min-budget", options->sparsity.flexMinBudget, "FlexPrefill: min_budget (tokens)")
        ->capture_default_str();
    command->add_option("--anchor-theta", options->sparsity.anchorTheta, "AnchorAttention: theta")
        ->capture_default_str();
    command
        ->add_option("--decode-rows", options->sparsity.decodeRows,
                     "SnapKV/TokenSelect: the last tokens scored as teacher-forced decode steps")
        ->capture_default_str();
    command->add_option("--snap-capacities", options->sparsity.snapCapacities, "SnapKV: cache sizes C")
        ->delimiter(',')
        ->capture_default_str();
    command->add_flag("--snap-max-pool", options->sparsity.snapMaxPool,
                      "SnapKV: max pooling (LongBench configs) instead of average (code default)");
    command
        ->add_option("--tokenselect-budgets", options->sparsity.tokenSelectBudgets, "TokenSelect: budgets K")
        ->delimiter(',')
        ->capture_default_str();
    command->add_flag("--tokenselect-modulo-kv", options->sparsity.tokenSelectModuloKvHead,
                      "TokenSelect: pair query head h with KV head h % kv_heads, as the reference kernel");
    command->add_option(
        "--razor-span", options->razorProbe.span,
        "RazorAttention: random tokens per copy (default min(2500, what the context allows))");
    command->add_option("--razor-repeats", options->razorProbe.repeats, "RazorAttention: copies")
        ->capture_default_str();
    command
        ->add_option("--induction-ratio", options->razor.inductionRatio, "Top share kept by induction score")
        ->capture_default_str();
    command->add_option("--echo-ratio", options->razor.echoRatio, "Top share kept by echo score")
        ->capture_default_str();
    command->add_option("--seed", options->seed, "Seed of the random probe tokens")->capture_default_str();
    command->add_option("--haystack", options->haystack,
                        "Retrieval score: generate needle prompts from this text");
    command->add_option("--needle", options->needleText, "Generated prompts: the needle sentence");
    command->add_option("--question", options->question, "Generated prompts: the question appended");
    command->add_option("--answer", options->answer,
                        "Generated prompts: the answer, which occurs in the needle");
    command->add_option("--lengths", options->lengths, "Generated prompts: context lengths in tokens")
        ->delimiter(',')
        ->capture_default_str();
    command->add_option("--depths", options->depths, "Generated prompts: needle depths in [0, 1]")
        ->delimiter(',')
        ->capture_default_str();
    command->add_option("--duo-sink", options->duo.sinkTokens, "DuoAttention proxy: sink tokens")
        ->capture_default_str();
    command->add_option("--duo-recent", options->duo.recentTokens, "DuoAttention proxy: recent tokens")
        ->capture_default_str();
    command->add_option("--duo-gates", options->duoGates,
                        "DuoAttention's trained gates (TSV, layers x KV heads) to report beside the proxy");
    command->add_option(
        "--needles", options->needles,
        "Retrieval score: JSON lines {\"prompt\", \"value_span\": [begin, end]} (bytes), e.g. "
        "resources/samples/needles.jsonl");
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
    command->add_option(
        "--project", options->project,
        "Store the run (results, arrays, input, model identity) in this project file; created "
        "when missing");
    command->add_option("--label", options->label, "A label for the stored run");
    output->addOption(*command);
    command->callback([options, output, &exitCode] {
        TerminalProgress bar;
        exitCode = output->finish(execute(*options, bar.progress()), printText);
    });
}

} // namespace attnscope::cli
