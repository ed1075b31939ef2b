// SPDX-License-Identifier: Apache-2.0
// The language-model checks of `evaluate` and the studio's Tools > Evaluate Model as one document:
// perplexity of a text, needle exact match, in-context copying — under interventions, optionally beside
// the model as trained, with what sparse-attention masks kept (docs/cli.md, "evaluate").
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/interventions.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace attnscope::analyses {

/// What to measure; an empty field skips that measurement.
struct EvaluationRequest {
    std::string
        text; ///< text whose perplexity to measure (without BOS; the tokenizer's BOS starts each window)
    std::string textSource;  ///< the text's name in the document and in errors (a path, or "input text")
    int window = 1024;       ///< tokens per scoring window, BOS included
    std::string needlesFile; ///< JSON lines of {"prompt", "answer"}: greedy exact match
    std::string copyingFile; ///< {"ids", "span", "repeats"}: mean loss of each copy of a repeated span
    /// Also measure everything without the interventions: "baseline" and "delta" (intervened - baseline).
    bool compareBaseline = false;

    bool empty() const { return text.empty() && needlesFile.empty() && copyingFile.empty(); }
};

/// Runs the request under `interventions` and returns {"perplexity": {"file", "tokens", "windows",
/// "window", "mean_nll", "perplexity"}, "needles": {"file", "prompts", "correct", "accuracy",
/// "mean_prompt_tokens", "outcomes"}, "copying": {"file", "span", "repeats", "mean_loss_per_copy",
/// "first_to_second_ratio"}, "baseline": {...}, "delta": {"perplexity", "mean_nll", "needle_accuracy",
/// "copying_first_to_second_ratio"}}, each measurement with "sparse_attention": {"masked_rows", "density",
/// "mean_recall"} when masks ran. `tokenizer` is needed for a text or needles. Errors name the file and
/// field; a KV-cache policy without needles is refused (it changes decoding only).
Expected<nlohmann::json> evaluateModel(const std::shared_ptr<const runtime::Model>& model,
                                       const tokenizers::Tokenizer* tokenizer,
                                       const EvaluationRequest& request,
                                       const runtime::Interventions& interventions,
                                       const Progress& progress = {});

} // namespace attnscope::analyses
