// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/suite.h"

#include "attnscope/analyses/interventions_json.h"
#include "attnscope/analyses/needle_generator.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/forward.h"
#include "suite_json.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <random>
#include <sstream>

namespace attnscope::analyses {

namespace {

/// DuoAttention's training-free proxy per head (and the trained gates, when given).
Expected<nlohmann::json> duoToJson(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                   const SuiteOptions& options, const Progress& progress) {
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
    forward.interventions = options.interventions;
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
        const auto item = parseJsonText(line);
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
    if (prompts.empty())
        return Status::parseError("no needle prompts").inFile(path);
    return prompts;
}

/// Needle prompts from the built-in generator (--haystack, --needle, --question, --answer, --lengths,
/// --depths).
Expected<std::vector<NeedlePromptSpan>> generatedNeedlePrompts(const tokenizers::Tokenizer& tokenizer,
                                                               const SuiteOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string haystack, readWholeFile(options.haystack));
    if (options.needleTexts.empty() || options.needleTexts.size() != options.questions.size() ||
        options.needleTexts.size() != options.answers.size())
        return Status::invalidArgument("give each --needle with its --question and --answer (" +
                                       std::to_string(options.needleTexts.size()) + " needles, " +
                                       std::to_string(options.questions.size()) + " questions, " +
                                       std::to_string(options.answers.size()) + " answers)")
            .atField("--needle");
    std::vector<NeedleSpec> specs;
    for (std::size_t i = 0; i < options.needleTexts.size(); ++i)
        specs.push_back({options.needleTexts[i], options.questions[i], options.answers[i]});
    ATTNSCOPE_ASSIGN_OR_RETURN(
        std::vector<analyses::GeneratedNeedle> generated,
        analyses::generateNeedlePrompts(tokenizer, haystack, specs, options.lengths, options.depths));
    std::vector<NeedlePromptSpan> prompts;
    for (const auto& g : generated)
        prompts.push_back({g.prompt, g.answerBegin, g.answerEnd});
    return prompts;
}
Expected<nlohmann::json> retrievalToJson(const std::shared_ptr<runtime::Model>& model,
                                         const tokenizers::Tokenizer& tokenizer, const SuiteOptions& options,
                                         std::vector<double>& scoresOut, const Progress& progress) {
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
        generate.interventions = options.interventions;
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
                            {"generated_needles", options.needleTexts.size()},
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

Expected<nlohmann::json> razorToJson(const runtime::Model& model, const SuiteOptions& options, int32_t bos,
                                     analyses::RazorAnalysis& razorOut, const Progress& progress) {
    analyses::RepeatProbe probe = options.razorProbe;
    // The default span stays inside the trained context when the config states it: RazorAttention's spans
    // probe the model's trained copying, which need not extrapolate to the nominal maximum.
    const model::ModelConfig& config = model.config();
    const int64_t context = config.contextLength > 0 ? config.contextLength : 10001;
    const int64_t trained =
        config.trainedContextLength > 0 ? std::min(config.trainedContextLength, context) : context;
    if (probe.span <= 0)
        probe.span = static_cast<int>(std::min<int64_t>(2500, (trained - probe.prefix) / probe.repeats));
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
        forward.interventions = options.interventions;
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
kernels::ProbeRequest suiteProbeRequest(const std::set<std::string>& wanted, const SuiteOptions& options,
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
nlohmann::json sinksToJson(const analyses::SinkAnalysis& a, const SuiteInput& input) {
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

} // namespace

Expected<std::set<std::string>> suiteAnalyses(const std::string& list) {
    const std::set<std::string> named = splitAnalyses(list);
    for (const std::string& name : named)
        if (!kAnalyses.count(name))
            return Status::unsupported(
                       "analysis '" + name +
                       "' (known: all, sinks, retrieval, razor, duo, similarity, sparsity, taxonomy)")
                .atField("--analyses");
    if (named.empty())
        return Status::invalidArgument("no analysis named").atField("--analyses");
    return expandAnalyses(named);
}

Expected<SuiteResult> runSuite(const std::shared_ptr<runtime::Model>& model, const SuiteInput& input,
                               const SuiteOptions& options, const Progress& progress) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::set<std::string> wanted, suiteAnalyses(options.analyses));
    const model::ModelConfig& c = model->config();
    if (!c.causal)
        return Status::unsupported("these analyses assume causal attention").atField("MODEL");
    const int tokens = static_cast<int>(input.tokens.size());
    nlohmann::json document = {{"model", input.modelPath}, {"tokens", tokens}};
    std::optional<analyses::SinkAnalysis> sinks;
    std::optional<analyses::SparsityAnalysis> sparsity;
    std::optional<analyses::RazorAnalysis> razor;
    std::optional<std::vector<double>> retrievalScores;
    std::vector<kernels::ProbeResult> probes;
    std::map<runtime::HeadIndex, std::vector<int>> calibratedKeys; // of the input pass
    SuiteResult arrays;
    ATTNSCOPE_TRY(runtime::checkInterventions(c, options.interventions));
    if (wanted.count("sinks") || wanted.count("similarity") || wanted.count("sparsity")) {
        runtime::ForwardOptions forward;
        forward.logits = false;
        forward.probe = suiteProbeRequest(wanted, options, tokens);
        forward.captureQueryKey = wanted.count("similarity") || wanted.count("sparsity");
        forward.interventions = options.interventions;
        ATTNSCOPE_ASSIGN_OR_RETURN(
            runtime::ForwardResult result,
            runtime::forward(*model, input.tokens, forward, progress.subRange(0.0f, 0.2f, "input pass")));
        probes = std::move(result.probes);
        calibratedKeys = std::move(result.calibratedColumns);
        if (!probes.empty() && probes.front().blockRows > 0) {
            store::ArrayRecord grid;
            grid.name = "attention.block_sum";
            const int nb = probes.front().blockRows;
            grid.shape = {c.layers, c.heads, nb, nb};
            for (const kernels::ProbeResult& probe : probes)
                grid.f32.insert(grid.f32.end(), probe.blockSum.begin(), probe.blockSum.end());
            arrays.blockSize = options.sparsity.probeBlock;
            arrays.arrays.push_back(std::move(grid));
            store::ArrayRecord peaks; // K4 block max: SeerAttention's ground truth
            peaks.name = "attention.block_max";
            peaks.shape = {c.layers, c.heads, nb, nb};
            for (const kernels::ProbeResult& probe : probes)
                peaks.f32.insert(peaks.f32.end(), probe.blockMax.begin(), probe.blockMax.end());
            if (peaks.f32.size() == static_cast<std::size_t>(c.layers) * c.heads * nb * nb)
                arrays.arrays.push_back(std::move(peaks));
        }
        if (!probes.empty() &&
            probes.front().columnMass.size() == static_cast<std::size_t>(c.heads) * tokens) {
            // Attention each token receives (K3 over all rows): the token view and ACT's ā.
            store::ArrayRecord received;
            received.name = "attention.column_mass";
            received.shape = {c.layers, c.heads, tokens};
            for (const kernels::ProbeResult& probe : probes)
                received.f32.insert(received.f32.end(), probe.columnMass.begin(), probe.columnMass.end());
            arrays.arrays.push_back(std::move(received));
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
            // The decode-time key selections as 0/1 per key: [layers, heads, tokens]; keys from `cachedFrom`
            // on are kept whatever the selection (SnapKV keeps the decoded tokens).
            auto keptKeys = [&](const char* name, std::vector<int> analyses::HeadSparsity::*kept,
                                int cachedFrom) {
                store::ArrayRecord keep;
                keep.name = name;
                keep.type = store::ArrayType::U8;
                keep.shape = {c.layers, c.heads, sparsity->tokens};
                for (const analyses::HeadSparsity& h : sparsity->heads) {
                    std::vector<uint8_t> row(static_cast<std::size_t>(sparsity->tokens), 0);
                    for (int j = std::max(0, cachedFrom); j < sparsity->tokens; ++j)
                        row[static_cast<std::size_t>(j)] = 1;
                    for (int j : h.*kept)
                        if (j >= 0 && j < sparsity->tokens)
                            row[static_cast<std::size_t>(j)] = 1;
                    keep.u8.insert(keep.u8.end(), row.begin(), row.end());
                }
                arrays.arrays.push_back(std::move(keep));
            };
            keptKeys("sparsity.snapkv_keep", &analyses::HeadSparsity::snapKvKept,
                     sparsity->tokens - sparsity->decodeRows);
            keptKeys("sparsity.tokenselect_keep", &analyses::HeadSparsity::tokenSelectKept, sparsity->tokens);
        }
    }
    if (wanted.count("razor")) {
        const int32_t bos = input.razorBos;
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
    if (!options.interventions.empty())
        document["interventions"] = analyses::interventionsToJson(options.interventions, calibratedKeys);
    // Token texts can be partial UTF-8 sequences (byte-level tokens): stored with U+FFFD instead.
    arrays.documentJson = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (store::ArrayRecord& a : suiteMatrices(document))
        arrays.arrays.push_back(std::move(a));
    return arrays;
}

} // namespace attnscope::analyses
