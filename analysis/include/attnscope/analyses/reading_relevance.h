// SPDX-License-Identifier: Apache-2.0
// Word relevance from a model's attention over a text (SCANPATH.md §3.2): attention received from the
// kernel's column mass (never N × N), or attention rollout over full maps for short texts; merged from
// tokens to words by the tokenizer's offsets. What `attnscope-cli scanpath predict` and the studio's
// reading view compare with human reading times.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/model.h"
#include "attnscope/scanpath/reading.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attnscope::analyses {

/// How a token's relevance is read from attention.
enum class RelevanceMethod {
    Received,     ///< Σ_i P_ij over the text's rows, mean over heads (§3.2; Sood et al. use the last layer)
    ReceivedMean, ///< the same divided by the rows that can see j: a causal model's early tokens are seen
                  ///< by more rows, which the raw sum rewards
    Rollout,      ///< Abnar & Zuidema's rollout up to the layer, summed over all query rows
    Flow,         ///< Abnar & Zuidema's attention flow up to the layer, summed over all query rows
};

/// Attention flow solves about T² max-flow problems: past this many tokens it takes seconds, and the
/// CLI and the studio say so before they start (SCANPATH.md §3.2).
constexpr int kFlowSlowTokens = 64;

/// "received", "received-mean", "rollout", "flow".
const char* relevanceMethodName(RelevanceMethod method);

struct ReadingRelevanceRequest {
    RelevanceMethod method = RelevanceMethod::Received;
    int layer = -1; ///< the layer read (Received) or rolled out to (Rollout); -1 = the last
    scanpath::MergeFunction merge = scanpath::MergeFunction::Sum;
    int rolloutMaxTokens = 1024; ///< rollout keeps every head's [T, T] map: refused past this length
    int flowMaxTokens = 256;     ///< flow's T² max-flow problems: refused past this length
};

/// Per-token and per-word relevance of one text.
struct ReadingRelevance {
    ReadingRelevanceRequest request;
    int layer = 0; ///< the layer actually used
    std::vector<scanpath::WordSpan> words;
    std::vector<int> tokenWord;         ///< per token, its word or -1
    std::vector<double> tokenRelevance; ///< per token
    std::vector<double> wordRelevance;  ///< per word (NaN for a word with no token)
};

/// Runs `model` on `tokens` (byte offsets into `text`, from the tokenizer) and reads relevance.
/// Rows of tokens outside every word (BOS) are left out of the sums. Errors: bad layer, rollout or flow
/// on a text longer than request.rolloutMaxTokens or request.flowMaxTokens, cancellation, the forward
/// pass's own.
Expected<ReadingRelevance> readingRelevance(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                            const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                            const std::string& text, const ReadingRelevanceRequest& request,
                                            const Progress& progress = {});

/// The same over given words (byte spans into the text the offsets index), for texts built from a
/// corpus's words, which may hold spaces ("pouf!\" ...he" is one word in GECO).
Expected<ReadingRelevance> readingRelevanceOfWords(const runtime::Model& model,
                                                   const std::vector<int32_t>& tokens,
                                                   const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                                   std::vector<scanpath::WordSpan> words,
                                                   const ReadingRelevanceRequest& request,
                                                   const Progress& progress = {});

/// The JSON form: parameters, words with relevance, tokens with their word.
nlohmann::json readingRelevanceToJson(const ReadingRelevance& relevance);

} // namespace attnscope::analyses
