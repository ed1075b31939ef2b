// SPDX-License-Identifier: Apache-2.0
// ACT's offline head search (METHODS.md section 2, "Which heads"): calibrate exactly one (layer, head) at a
// time, measure the task, and keep the head when the measurement improves on the uncalibrated model; then
// measure the kept heads calibrated together.
#pragma once

#include "attnscope/analyses/evaluation_report.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/interventions.h"

#include <optional>
#include <string>
#include <vector>

namespace attnscope::analyses {

/// The task a head is judged on: the one measurement of the request (perplexity: lower is better; needle
/// exact match and the copying ratio: higher is better).
enum class ActSearchMetric { Perplexity, Needles, Copying };

/// "perplexity", "needle_accuracy", "copying_first_to_second_ratio".
const char* actSearchMetricName(ActSearchMetric metric);

struct ActSearchOptions {
    /// Heads to try, each alone (no whole-layer entries: expand them first).
    std::vector<runtime::HeadIndex> candidates;
    double beta = 0.4;
    SinkParameters rule; ///< ACT's threshold and first-sink rule
};

struct ActHeadTrial {
    runtime::HeadIndex head;
    double score = 0;  ///< the metric with this head alone calibrated
    double change = 0; ///< score - baseline
    bool kept = false; ///< improves on the baseline (strictly)
};

struct ActSearchResult {
    ActSearchMetric metric = ActSearchMetric::Perplexity;
    double baseline = 0; ///< the uncalibrated model's score
    std::vector<ActHeadTrial> trials;
    std::vector<runtime::HeadIndex> selected;
    std::optional<double> combined; ///< the score with every selected head calibrated (none selected: empty)
};

/// Runs the search on `request`, which must ask for exactly one measurement (the metric; compareBaseline is
/// ignored). One evaluation per candidate plus the baseline and the combination; progress and cancellation
/// per evaluation. Errors name the candidate or the request.
Expected<ActSearchResult> actHeadSearch(const std::shared_ptr<const runtime::Model>& model,
                                        const tokenizers::Tokenizer* tokenizer, EvaluationRequest request,
                                        const ActSearchOptions& options, const Progress& progress = {});

/// The default candidates: every head of layers 2 and up, as ACT calibrates layers 2–30 of Llama-2 (all
/// layers of a model with at most two).
std::vector<runtime::HeadIndex> actDefaultCandidates(const model::ModelConfig& config);

} // namespace attnscope::analyses
