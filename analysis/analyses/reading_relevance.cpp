// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/reading_relevance.h"

#include "attnscope/runtime/forward.h"
#include "attnscope/scanpath/attention_flow.h"

#include <cmath>

namespace attnscope::analyses {

namespace {

/// The rows [first, end) from the first to the last token that lies in a word: the rows of special tokens
/// around the text (BOS, EOS, CLS, SEP) are left out.
std::pair<std::size_t, std::size_t> wordRows(const std::vector<int>& tokenWord) {
    std::size_t first = tokenWord.size(), end = 0;
    for (std::size_t i = 0; i < tokenWord.size(); ++i)
        if (tokenWord[i] >= 0) {
            first = std::min(first, i);
            end = i + 1;
        }
    return {first, std::max(first, end)};
}

/// Head-mean column mass of one layer over rows [first, end), optionally divided by the rows that see j.
std::vector<double> receivedFromColumnMass(const kernels::ProbeResult& probe, int heads, std::size_t tokens,
                                           std::size_t first, std::size_t end, bool causal,
                                           bool perVisibleRow) {
    std::vector<double> received(tokens, 0.0);
    for (int h = 0; h < heads; ++h)
        for (std::size_t j = 0; j < tokens; ++j)
            received[j] += probe.columnMass[static_cast<std::size_t>(h) * tokens + j] / heads;
    if (perVisibleRow)
        for (std::size_t j = 0; j < tokens; ++j) {
            // Rows i in [first, end) see j when i ≥ j (causal) — every row otherwise.
            const std::size_t from = causal ? std::max(first, j) : first;
            const double rows = end > from ? static_cast<double>(end - from) : 0.0;
            received[j] = rows > 0.0 ? received[j] / rows : 0.0;
        }
    return received;
}

} // namespace

const char* relevanceMethodName(RelevanceMethod method) {
    switch (method) {
    case RelevanceMethod::Received:
        return "received";
    case RelevanceMethod::ReceivedMean:
        return "received-mean";
    case RelevanceMethod::Rollout:
        return "rollout";
    case RelevanceMethod::Flow:
        return "flow";
    }
    return "received";
}

Expected<ReadingRelevance> readingRelevance(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                            const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                            const std::string& text, const ReadingRelevanceRequest& request,
                                            const Progress& progress) {
    return readingRelevanceOfWords(model, tokens, offsets, scanpath::splitWords(text), request, progress);
}

Expected<ReadingRelevance> readingRelevanceOfWords(const runtime::Model& model,
                                                   const std::vector<int32_t>& tokens,
                                                   const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                                   std::vector<scanpath::WordSpan> words,
                                                   const ReadingRelevanceRequest& request,
                                                   const Progress& progress) {
    const model::ModelConfig& config = model.config();
    const int layer = request.layer < 0 ? config.layers - 1 : request.layer;
    if (layer < 0 || layer >= config.layers)
        return Status::invalidArgument("layer " + std::to_string(request.layer) +
                                       " is out of range: the model has " + std::to_string(config.layers) +
                                       " layers")
            .atField("layer");
    if (offsets.size() != tokens.size())
        return Status::invalidArgument("every token needs its byte offsets in the text").atField("offsets");
    const std::size_t n = tokens.size();
    const bool fullMaps =
        request.method == RelevanceMethod::Rollout || request.method == RelevanceMethod::Flow;
    if (fullMaps) {
        const bool flow = request.method == RelevanceMethod::Flow;
        const int limit = flow ? request.flowMaxTokens : request.rolloutMaxTokens;
        if (static_cast<int64_t>(n) > limit ||
            static_cast<double>(n) * n * config.heads * (layer + 1) * 4.0 > 4e9)
            return Status::invalidArgument(
                       std::string(flow
                                       ? "attention flow solves a max-flow problem per token pair over every "
                                         "layer's full map; "
                                       : "rollout keeps every head's full map; ") +
                       std::to_string(n) + " tokens is past its limit of " + std::to_string(limit) +
                       " (use received attention, computed in the kernel, for long texts)")
                .atField("method");
    }

    ReadingRelevance result;
    result.request = request;
    result.layer = layer;
    result.words = std::move(words);
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    spans.reserve(n);
    for (const auto& [begin, end] : offsets)
        spans.emplace_back(static_cast<std::size_t>(std::max<int64_t>(begin, 0)),
                           static_cast<std::size_t>(std::max<int64_t>(end, 0)));
    result.tokenWord = scanpath::tokenWords(result.words, spans);
    const auto [first, end] = wordRows(result.tokenWord);

    runtime::ForwardOptions options;
    options.logits = false;
    if (fullMaps) {
        for (int l = 0; l <= layer; ++l)
            for (int h = 0; h < config.heads; ++h)
                options.attentionMaps.emplace_back(l, h);
    } else {
        kernels::ProbeRequest probe;
        probe.columnMass = true;
        probe.columnMassRows = {static_cast<int>(first), static_cast<int>(end)};
        options.probe = probe;
    }
    // Flow's max-flow problems take far longer than the forward pass; the others are the forward pass.
    const float forwardShare = request.method == RelevanceMethod::Flow ? 0.1f : 1.0f;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        runtime::ForwardResult forward,
        runtime::forward(model, tokens, options, progress.subRange(0.0f, forwardShare)));

    if (fullMaps) {
        std::vector<std::vector<double>> layers;
        for (int l = 0; l <= layer; ++l) {
            std::vector<double> mean(n * n, 0.0);
            for (int h = 0; h < config.heads; ++h) {
                const std::vector<float>& map = forward.attention.at({l, h});
                for (std::size_t k = 0; k < n * n; ++k)
                    mean[k] += map[k] / config.heads;
            }
            layers.push_back(std::move(mean));
        }
        std::vector<std::size_t> rows; // the rows of word tokens only
        for (std::size_t i = 0; i < n; ++i)
            if (result.tokenWord[i] >= 0)
                rows.push_back(i);
        if (request.method == RelevanceMethod::Flow) {
            ATTNSCOPE_ASSIGN_OR_RETURN(
                std::vector<double> flow,
                scanpath::attentionFlow(layers, n, rows,
                                        progress.subRange(forwardShare, 1.0f, "attention flow")));
            result.tokenRelevance = scanpath::columnSums(flow, n, rows);
        } else {
            result.tokenRelevance = scanpath::columnSums(scanpath::attentionRollout(layers, n), n, rows);
        }
    } else {
        result.tokenRelevance =
            receivedFromColumnMass(forward.probes.at(static_cast<std::size_t>(layer)), config.heads, n, first,
                                   end, config.causal, request.method == RelevanceMethod::ReceivedMean);
    }
    result.wordRelevance =
        scanpath::mergeToWords(result.tokenRelevance, result.tokenWord, result.words.size(), request.merge);
    return result;
}

nlohmann::json readingRelevanceToJson(const ReadingRelevance& relevance) {
    static const char* merges[] = {"sum", "max", "mean", "first"};
    nlohmann::json words = nlohmann::json::array();
    for (std::size_t w = 0; w < relevance.words.size(); ++w) {
        const double value = relevance.wordRelevance[w];
        words.push_back({{"word", relevance.words[w].text},
                         {"begin", relevance.words[w].begin},
                         {"end", relevance.words[w].end},
                         {"relevance", std::isfinite(value) ? nlohmann::json(value) : nlohmann::json()}});
    }
    nlohmann::json tokens = nlohmann::json::array();
    for (std::size_t t = 0; t < relevance.tokenRelevance.size(); ++t)
        tokens.push_back({{"word", relevance.tokenWord[t]}, {"relevance", relevance.tokenRelevance[t]}});
    return {{"parameters",
             {{"method", relevanceMethodName(relevance.request.method)},
              {"layer", relevance.layer},
              {"merge", merges[static_cast<int>(relevance.request.merge)]}}},
            {"words", words},
            {"tokens", tokens}};
}

} // namespace attnscope::analyses
