// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/razor.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnscope::analyses {

CopyKeySets copyKeySets(const RepeatProbe& probe, bool induction) {
    CopyKeySets sets;
    const int tokens = static_cast<int>(probe.tokens()); // checked against the context before
    sets.offsets.reserve(static_cast<std::size_t>(tokens) + 1);
    sets.offsets.push_back(0);
    for (int row = 0; row < tokens; ++row) {
        const int inSpan = row - probe.prefix;
        const int copy = inSpan >= 0 ? inSpan / probe.span : -1,
                  offset = inSpan >= 0 ? inSpan % probe.span : 0;
        for (int earlier = 0; earlier < copy; ++earlier)
            sets.keys.push_back(probe.prefix + earlier * probe.span + offset + (induction ? 1 : 0));
        sets.offsets.push_back(static_cast<int64_t>(sets.keys.size()));
    }
    return sets;
}

kernels::ProbeRequest copyProbeRequest(const CopyKeySets& sets) {
    return measureOnlyRowKeys(sets);
}

namespace {

Status scoreLayers(const std::vector<kernels::ProbeResult>& layers, int queryHeads, const RepeatProbe& probe,
                   const char* name, std::vector<double>& scores) {
    const int tokens = static_cast<int>(probe.tokens()), first = probe.prefix + probe.span;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const std::vector<float>& recall = layers[l].maskRecall;
        if (recall.size() != static_cast<std::size_t>(queryHeads) * tokens)
            return Status::invalidArgument("no masked recall for " + std::to_string(queryHeads) +
                                           " heads x " + std::to_string(tokens) + " tokens")
                .atField(std::string(name) + "Layers[" + std::to_string(l) + "].maskRecall");
        for (int h = 0; h < queryHeads; ++h) {
            double sum = 0;
            for (int row = first; row < tokens; ++row)
                sum += recall[static_cast<std::size_t>(h) * tokens + row];
            scores.push_back(sum / std::max(1, tokens - first));
        }
    }
    return Status::ok();
}

/// Marks the top floor(ratio x n) (at least one) entries of `score` as retained.
void retainTop(std::vector<RazorKvHead>& heads, double ratio, double RazorKvHead::*score) {
    if (heads.empty() || ratio <= 0)
        return;
    const std::size_t keep = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(ratio * static_cast<double>(heads.size()))));
    std::vector<std::size_t> order(heads.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return heads[a].*score > heads[b].*score; });
    for (std::size_t k = 0; k < std::min(keep, order.size()); ++k)
        heads[order[k]].retained = true;
}

} // namespace

Expected<RazorAnalysis> analyzeRazor(const std::vector<kernels::ProbeResult>& inductionLayers,
                                     const std::vector<kernels::ProbeResult>& echoLayers, int queryHeads,
                                     int kvHeads, const RepeatProbe& probe,
                                     const RazorParameters& parameters) {
    if (probe.span < 1 || probe.repeats < 2 || probe.prefix < 0)
        return Status::invalidArgument("need a span of at least one token repeated at least twice")
            .atField("probe");
    if (queryHeads < 1 || kvHeads < 1 || queryHeads % kvHeads != 0)
        return Status::invalidArgument("query heads must be a multiple of KV heads").atField("kvHeads");
    if (inductionLayers.size() != echoLayers.size())
        return Status::invalidArgument("induction and echo passes cover different layer counts")
            .atField("echoLayers");
    RazorAnalysis analysis;
    analysis.parameters = parameters;
    analysis.probe = probe;
    analysis.queryHeads = queryHeads;
    analysis.kvHeads = kvHeads;
    ATTNSCOPE_TRY(
        scoreLayers(inductionLayers, queryHeads, probe, "induction", analysis.inductionPerQueryHead));
    ATTNSCOPE_TRY(scoreLayers(echoLayers, queryHeads, probe, "echo", analysis.echoPerQueryHead));
    const int group = queryHeads / kvHeads;
    for (std::size_t l = 0; l < inductionLayers.size(); ++l)
        for (int g = 0; g < kvHeads; ++g) {
            RazorKvHead head;
            head.layer = static_cast<int>(l);
            head.kvHead = g;
            for (int h = g * group; h < (g + 1) * group; ++h) {
                const std::size_t at = l * static_cast<std::size_t>(queryHeads) + static_cast<std::size_t>(h);
                head.induction = std::max(head.induction, analysis.inductionPerQueryHead[at]);
                head.echo = std::max(head.echo, analysis.echoPerQueryHead[at]);
            }
            analysis.kvHeadScores.push_back(head);
        }
    retainTop(analysis.kvHeadScores, parameters.inductionRatio, &RazorKvHead::induction);
    retainTop(analysis.kvHeadScores, parameters.echoRatio, &RazorKvHead::echo);
    return analysis;
}

} // namespace attnscope::analyses
