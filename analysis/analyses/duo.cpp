// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/duo.h"

#include "attnscope/core/read_file.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace attnscope::analyses {

StreamingKeySets streamingKeySets(const DuoProxyParameters& parameters, int tokens) {
    StreamingKeySets sets;
    sets.offsets.reserve(static_cast<std::size_t>(tokens) + 1);
    sets.offsets.push_back(0);
    for (int row = 0; row < tokens; ++row) {
        const int recentBegin = std::max(0, row - parameters.recentTokens + 1);
        for (int key = 0; key < std::min(parameters.sinkTokens, recentBegin); ++key)
            sets.keys.push_back(key);
        for (int key = recentBegin; key <= row; ++key)
            sets.keys.push_back(key);
        sets.offsets.push_back(static_cast<int64_t>(sets.keys.size()));
    }
    return sets;
}

kernels::ProbeRequest streamingProbeRequest(const StreamingKeySets& sets) {
    return measureOnlyRowKeys(sets);
}

Expected<std::vector<DuoProxyHead>> duoProxy(const std::vector<kernels::ProbeResult>& layers, int queryHeads,
                                             int tokens) {
    if (tokens < 1 || queryHeads < 1)
        return Status::invalidArgument("need at least one token and one head").atField("tokens");
    std::vector<DuoProxyHead> heads;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const kernels::ProbeResult& r = layers[l];
        const std::size_t expected = static_cast<std::size_t>(queryHeads) * tokens;
        if (r.maskRecall.size() != expected || r.maskOutputError.size() != expected)
            return Status::invalidArgument("no masked recall and error for every row")
                .atField("layers[" + std::to_string(l) + "]");
        for (int h = 0; h < queryHeads; ++h) {
            DuoProxyHead head{static_cast<int>(l), h, 0.0, 0.0};
            for (int i = 0; i < tokens; ++i) {
                head.streamingRecall += r.maskRecall[static_cast<std::size_t>(h) * tokens + i];
                head.outputError += r.maskOutputError[static_cast<std::size_t>(h) * tokens + i];
            }
            head.streamingRecall /= tokens;
            head.outputError /= tokens;
            heads.push_back(head);
        }
    }
    return heads;
}

Expected<std::vector<std::vector<double>>> readDuoGates(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
    return parseDuoGates(text, path);
}

Expected<std::vector<std::vector<double>>> parseDuoGates(std::string_view text, const std::string& path) {
    std::vector<std::vector<double>> gates;
    std::stringstream lines{std::string(text)};
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.find_first_not_of(" \t\r\v\f") == std::string::npos) // what >> skips
            continue;
        std::vector<double> row;
        std::stringstream values(line);
        std::string value;
        for (int column = 1; values >> value; ++column) {
            char* end = nullptr;
            const double gate = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0' || !std::isfinite(gate) || gate < 0.0 || gate > 1.0)
                return Status::parseError("'" + value + "' is not a gate in [0, 1]")
                    .inFile(path)
                    .atField("line " + std::to_string(number) + ", column " + std::to_string(column));
            row.push_back(gate);
        }
        if (!gates.empty() && row.size() != gates.front().size())
            return Status::parseError("has " + std::to_string(row.size()) + " gates, the first line " +
                                      std::to_string(gates.front().size()))
                .inFile(path)
                .atField("line " + std::to_string(number));
        gates.push_back(std::move(row));
    }
    if (gates.empty())
        return Status::parseError("no gates").inFile(path);
    return gates;
}

} // namespace attnscope::analyses
