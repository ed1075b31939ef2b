// SPDX-License-Identifier: Apache-2.0
// Language-model checks on a loaded model: perplexity of a text, in-context copying of repeated
// tokens, and needle-in-a-haystack exact match with greedy decoding — each optionally under
// interventions (head ablation, calibration, attention sharing, sparse attention).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::runtime {

struct PerplexityResult {
    int64_t scoredTokens = 0;
    int windows = 0;
    double meanNll = 0; ///< nats per token
    double perplexity = 0;
    MaskStatistics masks; ///< what sparse-attention interventions kept (no rows without them)
};

/// Scores `tokens` (without BOS) in non-overlapping windows of at most `window` tokens, each window
/// preceded by `bos` when it is >= 0, so that texts longer than the context can be scored.
Expected<PerplexityResult> perplexity(const Model& model, const std::vector<int32_t>& tokens, int window,
                                      int32_t bos, const Progress& progress = {},
                                      const Interventions& interventions = {});

struct CopyingResult {
    int span = 0;
    int repeats = 0;
    std::vector<double> meanLossPerCopy; ///< nats per token of each copy (copy 0 is the first)
    double firstToSecondRatio = 0;       ///< meanLossPerCopy[0] / meanLossPerCopy[1]
    MaskStatistics masks;                ///< what sparse-attention interventions kept
};

/// `ids` = an optional prefix of `ids.size() - span * repeats` tokens, then one span repeated `repeats`
/// times. The first token of the whole input is never scored (nothing predicts it).
Expected<CopyingResult> copyingLoss(const Model& model, const std::vector<int32_t>& ids, int span,
                                    int repeats, const Progress& progress = {},
                                    const Interventions& interventions = {});

/// One needle prompt: the text ends right before the answer.
struct NeedleCase {
    std::string prompt;
    std::string answer;
};

struct NeedleOutcome {
    std::string produced; ///< the greedy continuation, decoded
    bool correct = false;
};

struct NeedleResult {
    std::vector<NeedleOutcome> outcomes;
    int correct = 0;
    double accuracy = 0;
    double meanPromptTokens = 0;
    MaskStatistics masks; ///< what sparse-attention interventions kept, prefill and decoding together
};

/// Greedy-decodes each prompt (with BOS) for the answer's token count plus two, and counts it correct
/// when the continuation starts with the answer and is not followed by another character of the
/// same class (digit after digits, letter after letters).
Expected<NeedleResult> needleExactMatch(const std::shared_ptr<const Model>& model,
                                        const tokenizers::Tokenizer& tokenizer,
                                        const std::vector<NeedleCase>& cases, const Progress& progress = {},
                                        const Interventions& interventions = {});

/// Reads needle cases from JSON lines with "prompt" and "answer" keys (errors name file and line).
Expected<std::vector<NeedleCase>> readNeedleCases(const std::string& path);

/// The same over the file's text already in memory; `path` names it in errors.
Expected<std::vector<NeedleCase>> parseNeedleCases(std::string_view text, const std::string& path);

} // namespace attnscope::runtime
