// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/evaluation_report.h"

#include "attnscope/analyses/interventions_json.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/evaluation.h"

namespace attnscope::analyses {

namespace {

/// `section` with "sparse_attention": what the masks kept, when a sparse-attention intervention ran.
nlohmann::json withMasks(nlohmann::json section, const runtime::MaskStatistics& masks) {
    if (masks.rows > 0)
        section["sparse_attention"] = maskStatisticsToJson(masks);
    return section;
}

Expected<nlohmann::json> evaluatePerplexity(const runtime::Model& model,
                                            const tokenizers::Tokenizer& tokenizer,
                                            const EvaluationRequest& request,
                                            const runtime::Interventions& interventions,
                                            const Progress& progress) {
    auto encoding = tokenizer.encode(request.text, /*addSpecialTokens=*/false);
    if (!encoding)
        return std::move(encoding).status().inFile(request.textSource);
    // The BOS the tokenizer adds (if any) starts every window, as it starts every input.
    auto empty = tokenizer.encode("", /*addSpecialTokens=*/true);
    const int32_t bos = empty && !empty->ids.empty() ? empty->ids.front() : -1;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        runtime::PerplexityResult result,
        runtime::perplexity(model, encoding->ids, request.window, bos, progress, interventions));
    return withMasks({{"file", request.textSource},
                      {"tokens", result.scoredTokens},
                      {"windows", result.windows},
                      {"window", request.window},
                      {"mean_nll", result.meanNll},
                      {"perplexity", result.perplexity}},
                     result.masks);
}

Expected<nlohmann::json> evaluateNeedles(const std::shared_ptr<const runtime::Model>& model,
                                         const tokenizers::Tokenizer& tokenizer,
                                         const EvaluationRequest& request,
                                         const runtime::Interventions& interventions,
                                         const Progress& progress) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<runtime::NeedleCase> cases,
                               runtime::readNeedleCases(request.needlesFile));
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::NeedleResult result,
                               runtime::needleExactMatch(model, tokenizer, cases, progress, interventions));
    nlohmann::json outcomes = nlohmann::json::array();
    for (std::size_t i = 0; i < cases.size(); ++i)
        outcomes.push_back({{"answer", cases[i].answer},
                            {"produced", result.outcomes[i].produced},
                            {"correct", result.outcomes[i].correct}});
    return withMasks({{"file", request.needlesFile},
                      {"prompts", cases.size()},
                      {"correct", result.correct},
                      {"accuracy", result.accuracy},
                      {"mean_prompt_tokens", result.meanPromptTokens},
                      {"outcomes", outcomes}},
                     result.masks);
}

Expected<nlohmann::json> evaluateCopying(const runtime::Model& model, const EvaluationRequest& request,
                                         const runtime::Interventions& interventions,
                                         const Progress& progress) {
    const std::string& path = request.copyingFile;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
    const auto probe = parseJsonText(text);
    if (probe.is_discarded() || !probe.is_object() || !probe.contains("ids") || !probe["ids"].is_array() ||
        !probe.contains("span") || !probe["span"].is_number_integer() || !probe.contains("repeats") ||
        !probe["repeats"].is_number_integer())
        return Status::parseError(
                   "expected an object with \"ids\" (array), \"span\" and \"repeats\" (integers)")
            .inFile(path);
    std::vector<int32_t> ids;
    for (const auto& id : probe["ids"]) {
        if (!id.is_number_integer())
            return Status::parseError("ids must be integers").inFile(path).atField("ids");
        ids.push_back(id.get<int32_t>());
    }
    auto result = runtime::copyingLoss(model, ids, probe["span"].get<int>(), probe["repeats"].get<int>(),
                                       progress, interventions);
    if (!result)
        return std::move(result).status().inFile(path);
    return withMasks({{"file", path},
                      {"span", result->span},
                      {"repeats", result->repeats},
                      {"mean_loss_per_copy", result->meanLossPerCopy},
                      {"first_to_second_ratio", result->firstToSecondRatio}},
                     result->masks);
}

/// Every requested measurement under `interventions`; progress spans [0, 1] of `progress`.
Expected<nlohmann::json> evaluateAll(const std::shared_ptr<const runtime::Model>& model,
                                     const tokenizers::Tokenizer* tokenizer, const EvaluationRequest& request,
                                     const runtime::Interventions& interventions, const Progress& progress) {
    nlohmann::json document = nlohmann::json::object();
    if (!request.text.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(document["perplexity"],
                                   evaluatePerplexity(*model, *tokenizer, request, interventions,
                                                      progress.subRange(0.0f, 0.4f, "perplexity")));
    }
    if (!request.needlesFile.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(document["needles"],
                                   evaluateNeedles(model, *tokenizer, request, interventions,
                                                   progress.subRange(0.4f, 0.9f, "needles")));
    }
    if (!request.copyingFile.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(
            document["copying"],
            evaluateCopying(*model, request, interventions, progress.subRange(0.9f, 1.0f, "copying")));
    }
    return document;
}

/// Intervened minus baseline for each figure both measured.
nlohmann::json deltas(const nlohmann::json& intervened, const nlohmann::json& baseline) {
    nlohmann::json delta = nlohmann::json::object();
    auto difference = [&](const char* section, const char* key, const char* name) {
        if (intervened.contains(section) && baseline.contains(section))
            delta[name] = intervened[section][key].get<double>() - baseline[section][key].get<double>();
    };
    difference("perplexity", "perplexity", "perplexity");
    difference("perplexity", "mean_nll", "mean_nll");
    difference("needles", "accuracy", "needle_accuracy");
    difference("copying", "first_to_second_ratio", "copying_first_to_second_ratio");
    return delta;
}

} // namespace

Expected<nlohmann::json> evaluateModel(const std::shared_ptr<const runtime::Model>& model,
                                       const tokenizers::Tokenizer* tokenizer,
                                       const EvaluationRequest& request,
                                       const runtime::Interventions& interventions,
                                       const Progress& progress) {
    if (request.empty())
        return Status::invalidArgument(
            "nothing to evaluate: give a text, needle prompts and/or a copying probe");
    if ((!request.text.empty() || !request.needlesFile.empty()) && !tokenizer)
        return Status::invalidArgument("a text or needle prompts need the model's tokenizer")
            .atField("tokenizer");
    if (interventions.kvSelection && request.needlesFile.empty())
        return Status::invalidArgument("a KV-cache policy changes decoding only, and only the needle prompts "
                                       "decode: give them (perplexity and copying are scored in one prefill)")
            .atField("kv_selection");
    const float split = request.compareBaseline ? 0.5f : 1.0f;
    ATTNSCOPE_ASSIGN_OR_RETURN(nlohmann::json document, evaluateAll(model, tokenizer, request, interventions,
                                                                    progress.subRange(0.0f, split)));
    if (request.compareBaseline) {
        ATTNSCOPE_ASSIGN_OR_RETURN(
            nlohmann::json baseline,
            evaluateAll(model, tokenizer, request, {}, progress.subRange(split, 1.0f, "baseline")));
        document["delta"] = deltas(document, baseline);
        document["baseline"] = std::move(baseline);
    }
    return document;
}

} // namespace attnscope::analyses
