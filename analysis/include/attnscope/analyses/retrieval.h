// SPDX-License-Identifier: Apache-2.0
// The retrieval score of Wu et al. 2024 (METHODS.md 3a): per head, the share of the needle a head
// copy-pastes during greedy decoding, from decode-time top-1 keys (K6), never from attention maps.
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <vector>

namespace attnscope::analyses {

/// One needle-in-a-haystack sample, decoded greedily.
struct NeedleTrace {
    std::vector<int32_t> prompt;        ///< prompt token ids
    int needleBegin = 0, needleEnd = 0; ///< the needle's token span [begin, end) in the prompt
    std::vector<int32_t> generated;     ///< w_t
    std::vector<std::vector<int32_t>>
        topKeys; ///< [step][layer * heads + head]: top-1 key of the row emitting w_t
};

struct RetrievalParameters {
    double acceptRecall =
        0.5; ///< a sample counts when the answer's ROUGE-1 recall of the needle exceeds this
    double headThreshold = 0.1; ///< a head with a mean score above this is a retrieval head
};

struct RetrievalResult {
    RetrievalParameters parameters;
    int samples = 0, accepted = 0;
    std::vector<double> scores; ///< [layer * heads + head], mean over accepted samples
    int retrievalHeads = 0;     ///< heads scoring above the threshold
};

/// ROUGE-1 recall: the share of the reference's tokens (as a multiset) found in the candidate.
double rouge1Recall(const std::vector<int32_t>& reference, const std::vector<int32_t>& candidate);

/// Per sample and head: every step t whose top-1 key j lies in the needle span and whose emitted token
/// equals prompt[j] adds 1 / |needle| (steps, so repeated tokens count again, as in the reference code).
/// The final score is the mean over accepted samples. Errors name the inconsistent sample.
Expected<RetrievalResult> retrievalScores(const std::vector<NeedleTrace>& samples, int layers, int heads,
                                          const RetrievalParameters& parameters = {});

} // namespace attnscope::analyses
