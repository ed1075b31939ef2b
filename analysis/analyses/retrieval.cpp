// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/retrieval.h"

#include <map>
#include <string>

namespace attnscope::analyses {

double rouge1Recall(const std::vector<int32_t>& reference, const std::vector<int32_t>& candidate) {
    if (reference.empty())
        return 0.0;
    std::map<int32_t, int> available;
    for (int32_t token : candidate)
        ++available[token];
    int found = 0;
    for (int32_t token : reference)
        if (auto it = available.find(token); it != available.end() && it->second > 0) {
            --it->second;
            ++found;
        }
    return static_cast<double>(found) / static_cast<double>(reference.size());
}

Expected<RetrievalResult> retrievalScores(const std::vector<NeedleTrace>& samples, int layers, int heads,
                                          const RetrievalParameters& parameters) {
    if (layers < 1 || heads < 1)
        return Status::invalidArgument("need at least one layer and head").atField("heads");
    RetrievalResult result;
    result.parameters = parameters;
    const std::size_t count = static_cast<std::size_t>(layers) * heads;
    result.scores.assign(count, 0.0);
    for (std::size_t s = 0; s < samples.size(); ++s) {
        const NeedleTrace& sample = samples[s];
        const std::string where = "samples[" + std::to_string(s) + "]";
        if (sample.needleBegin < 0 || sample.needleEnd > static_cast<int>(sample.prompt.size()) ||
            sample.needleBegin >= sample.needleEnd)
            return Status::invalidArgument("the needle span is empty or outside the prompt")
                .atField(where + ".needle");
        if (sample.topKeys.size() != sample.generated.size())
            return Status::invalidArgument("one set of top keys per generated token is needed")
                .atField(where + ".topKeys");
        ++result.samples;
        const std::vector<int32_t> needle(sample.prompt.begin() + sample.needleBegin,
                                          sample.prompt.begin() + sample.needleEnd);
        if (rouge1Recall(needle, sample.generated) <= parameters.acceptRecall)
            continue;
        ++result.accepted;
        const double share = 1.0 / static_cast<double>(needle.size());
        for (std::size_t t = 0; t < sample.generated.size(); ++t) {
            if (sample.topKeys[t].size() != count)
                return Status::invalidArgument("top keys of step " + std::to_string(t) + " do not cover " +
                                               std::to_string(count) + " heads")
                    .atField(where + ".topKeys");
            for (std::size_t h = 0; h < count; ++h) {
                const int32_t key = sample.topKeys[t][h];
                if (key >= sample.needleBegin && key < sample.needleEnd &&
                    sample.prompt[key] == sample.generated[t])
                    result.scores[h] += share;
            }
        }
    }
    for (double& score : result.scores) {
        score = result.accepted > 0 ? score / result.accepted : 0.0;
        result.retrievalHeads += score > parameters.headThreshold;
    }
    return result;
}

} // namespace attnscope::analyses
