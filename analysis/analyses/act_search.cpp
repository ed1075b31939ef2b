// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/act_search.h"

#include "attnscope/analyses/act_calibration.h"

#include <string>

namespace attnscope::analyses {

namespace {

Expected<ActSearchMetric> metricOf(const EvaluationRequest& request) {
    const int asked = !request.text.empty() + !request.needlesFile.empty() + !request.copyingFile.empty();
    if (asked != 1)
        return Status::invalidArgument("the head search judges heads on exactly one measurement (a text's "
                                       "perplexity, needles or copying); " +
                                       std::to_string(asked) + " were given")
            .atField("request");
    return !request.text.empty()          ? ActSearchMetric::Perplexity
           : !request.needlesFile.empty() ? ActSearchMetric::Needles
                                          : ActSearchMetric::Copying;
}

double scoreOf(const nlohmann::json& document, ActSearchMetric metric) {
    switch (metric) {
    case ActSearchMetric::Perplexity:
        return document.at("perplexity").at("perplexity").get<double>();
    case ActSearchMetric::Needles:
        return document.at("needles").at("accuracy").get<double>();
    case ActSearchMetric::Copying:
        return document.at("copying").at("first_to_second_ratio").get<double>();
    }
    return 0;
}

bool improves(ActSearchMetric metric, double score, double baseline) {
    return metric == ActSearchMetric::Perplexity ? score < baseline : score > baseline;
}

std::string headName(const runtime::HeadIndex& head) {
    return std::to_string(head.first) + ":" + std::to_string(head.second);
}

} // namespace

const char* actSearchMetricName(ActSearchMetric metric) {
    switch (metric) {
    case ActSearchMetric::Perplexity:
        return "perplexity";
    case ActSearchMetric::Needles:
        return "needle_accuracy";
    case ActSearchMetric::Copying:
        return "copying_first_to_second_ratio";
    }
    return "?";
}

std::vector<runtime::HeadIndex> actDefaultCandidates(const model::ModelConfig& config) {
    std::vector<runtime::HeadIndex> heads;
    for (int layer = config.layers > 2 ? 2 : 0; layer < config.layers; ++layer)
        for (int head = 0; head < config.heads; ++head)
            heads.emplace_back(layer, head);
    return heads;
}

Expected<ActSearchResult> actHeadSearch(const std::shared_ptr<const runtime::Model>& model,
                                        const tokenizers::Tokenizer* tokenizer, EvaluationRequest request,
                                        const ActSearchOptions& options, const Progress& progress) {
    ATTNSCOPE_ASSIGN_OR_RETURN(ActSearchMetric metric, metricOf(request));
    if (options.candidates.empty())
        return Status::invalidArgument("no heads to try").atField("candidates");
    for (std::size_t i = 0; i < options.candidates.size(); ++i) {
        runtime::Interventions one;
        one.calibration = actCalibration({options.candidates[i]}, options.beta, options.rule);
        if (Status status = runtime::checkInterventions(model->config(), one); !status.isOk())
            return Status::error(status.code(), status.message())
                .atField("candidates[" + std::to_string(i) + "]");
    }
    request.compareBaseline = false;
    ActSearchResult result;
    result.metric = metric;
    const auto steps = static_cast<float>(options.candidates.size() + 2);
    auto measure = [&](const runtime::Interventions& interventions, int step,
                       const std::string& stage) -> Expected<double> {
        ATTNSCOPE_ASSIGN_OR_RETURN(
            nlohmann::json document,
            evaluateModel(model, tokenizer, request, interventions,
                          progress.subRange(static_cast<float>(step) / steps,
                                            static_cast<float>(step + 1) / steps, stage)));
        return scoreOf(document, metric);
    };
    ATTNSCOPE_ASSIGN_OR_RETURN(result.baseline, measure({}, 0, "uncalibrated"));
    for (std::size_t i = 0; i < options.candidates.size(); ++i) {
        const runtime::HeadIndex& head = options.candidates[i];
        runtime::Interventions one;
        one.calibration = actCalibration({head}, options.beta, options.rule);
        auto score = measure(one, static_cast<int>(i) + 1, "head " + headName(head));
        if (!score)
            return std::move(score).status().atField("candidates[" + std::to_string(i) + "] (" +
                                                     headName(head) + ")");
        ActHeadTrial trial{head, *score, *score - result.baseline, improves(metric, *score, result.baseline)};
        if (trial.kept)
            result.selected.push_back(head);
        result.trials.push_back(trial);
    }
    if (!result.selected.empty()) {
        runtime::Interventions all;
        all.calibration = actCalibration(result.selected, options.beta, options.rule);
        ATTNSCOPE_ASSIGN_OR_RETURN(double combined,
                                   measure(all, static_cast<int>(steps) - 1, "selected heads"));
        result.combined = combined;
    }
    return result;
}

} // namespace attnscope::analyses
