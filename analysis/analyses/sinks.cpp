// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/sinks.h"

#include <algorithm>

namespace attnscope::analyses {

namespace {

int effectiveWindow(const SinkParameters& p, int tokens) {
    return std::clamp(p.window, 0, tokens);
}

int effectiveSinks(const SinkParameters& p, int tokens) {
    return std::clamp(p.sinkTokens, 0, tokens);
}

/// Rows whose window reaches back into the sink keys: i - j < W for some j < S.
int overlapRows(int sinks, int window, int tokens) {
    return sinks == 0 || window == 0 ? 0 : std::min(tokens, sinks + window - 1);
}

} // namespace

kernels::ProbeRequest sinkProbeRequest(const SinkParameters& parameters, int tokens) {
    kernels::ProbeRequest request;
    request.columnMass = true;
    request.diagonalSums = true;
    const int sinks = effectiveSinks(parameters, tokens),
              rows = overlapRows(sinks, effectiveWindow(parameters, tokens), tokens);
    if (rows > 0)
        request.tiles.push_back({0, rows, 0, sinks});
    return request;
}

const char* actFirstSinkName(ActFirstSink rule) {
    switch (rule) {
    case ActFirstSink::DropFirst:
        return "drop-first";
    case ActFirstSink::ExcludeToken0:
        return "exclude-token0";
    case ActFirstSink::KeepAll:
        break;
    }
    return "keep-all";
}

std::optional<ActFirstSink> actFirstSinkFromName(std::string_view name) {
    for (ActFirstSink rule : {ActFirstSink::DropFirst, ActFirstSink::ExcludeToken0, ActFirstSink::KeepAll})
        if (name == actFirstSinkName(rule))
            return rule;
    return std::nullopt;
}

std::vector<double> actMeanReceived(const float* columnMass, int tokens) {
    std::vector<double> mean(static_cast<std::size_t>(tokens));
    for (int j = 0; j < tokens; ++j)
        mean[j] = static_cast<double>(columnMass[j]) / static_cast<double>(tokens - j);
    return mean;
}

std::vector<int> actSinkSet(const std::vector<double>& meanReceived, const SinkParameters& parameters) {
    const double threshold =
        parameters.actThreshold == ActThreshold::Absolute
            ? parameters.actAbsolute
            : parameters.actAlpha / static_cast<double>(std::max<std::size_t>(1, meanReceived.size()));
    std::vector<int> sinks;
    for (std::size_t j = 0; j < meanReceived.size(); ++j)
        if (meanReceived[j] > threshold)
            sinks.push_back(static_cast<int>(j));
    switch (parameters.actFirstSink) {
    case ActFirstSink::DropFirst:
        if (!sinks.empty())
            sinks.erase(sinks.begin());
        break;
    case ActFirstSink::ExcludeToken0:
        if (!sinks.empty() && sinks.front() == 0)
            sinks.erase(sinks.begin());
        break;
    case ActFirstSink::KeepAll:
        break;
    }
    return sinks;
}

Expected<SinkAnalysis> analyzeSinks(const std::vector<kernels::ProbeResult>& layers, int queryHeads,
                                    int tokens, const SinkParameters& parameters) {
    if (tokens < 1 || queryHeads < 1)
        return Status::invalidArgument("need at least one token and one head").atField("tokens");
    if (parameters.sinkTokens < 0 || parameters.window < 0 || parameters.actAbsolute < 0 ||
        parameters.actAlpha < 0)
        return Status::invalidArgument("sink tokens, window and thresholds must not be negative")
            .atField("parameters");
    SinkAnalysis analysis;
    analysis.parameters = parameters;
    analysis.tokens = tokens;
    const int sinks = effectiveSinks(parameters, tokens), window = effectiveWindow(parameters, tokens);
    const int rows = overlapRows(sinks, window, tokens);
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const kernels::ProbeResult& r = layers[l];
        const std::string where = "layers[" + std::to_string(l) + "]";
        if (r.columnMass.size() != static_cast<std::size_t>(queryHeads) * tokens)
            return Status::invalidArgument("no column mass for " + std::to_string(queryHeads) + " heads x " +
                                           std::to_string(tokens) + " tokens")
                .atField(where + ".columnMass");
        if (r.diagonalSums.size() != static_cast<std::size_t>(queryHeads) * r.diagonalCount ||
            r.diagonalOrigin != tokens - 1)
            return Status::invalidArgument("no diagonal sums of a whole causal pass")
                .atField(where + ".diagonalSums");
        if (rows > 0 &&
            (r.tiles.empty() || r.tiles[0].size() != static_cast<std::size_t>(queryHeads) * rows * sinks))
            return Status::invalidArgument("no tile of the first keys").atField(where + ".tiles");
        for (int h = 0; h < queryHeads; ++h) {
            HeadSinks head;
            head.layer = static_cast<int>(l);
            head.head = h;
            const float* columns = r.columnMass.data() + static_cast<std::size_t>(h) * tokens;
            const float* diagonal = r.diagonalSums.data() + static_cast<std::size_t>(h) * r.diagonalCount;
            head.token0Mass = columns[0] / static_cast<double>(tokens);
            for (int j = 0; j < sinks; ++j)
                head.sinkMass += columns[j];
            for (int o = 0; o < window; ++o)
                head.windowMass += diagonal[o + r.diagonalOrigin];
            double overlap = 0;
            if (rows > 0) {
                const float* tile = r.tiles[0].data() + static_cast<std::size_t>(h) * rows * sinks;
                for (int i = 0; i < rows; ++i)
                    for (int j = 0; j < sinks && j <= i; ++j)
                        if (i - j < window)
                            overlap += tile[static_cast<std::size_t>(i) * sinks + j];
            }
            head.sinkMass /= tokens;
            head.windowMass /= tokens;
            head.streamingRecall = head.sinkMass + head.windowMass - overlap / tokens;
            const std::vector<double> mean = actMeanReceived(columns, tokens);
            head.actSinks = actSinkSet(mean, parameters);
            for (int j : head.actSinks) {
                head.actScores.push_back(mean[j]);
                if (j != 0)
                    head.hiddenSinks.push_back(j);
            }
            analysis.heads.push_back(std::move(head));
        }
    }
    return analysis;
}

} // namespace attnscope::analyses
