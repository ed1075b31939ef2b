// SPDX-License-Identifier: Apache-2.0
// Attention during generation: for every generated token, where each head of each layer looked when its
// logits chose that token — the attention row of the position before it, read inside the kernel (K5's
// last row; never a map). Per (step, layer, head): the top-k keys with their probabilities, the mass on
// token 0 (the sink a user of BertViz sees every generated token attend to) and the row's entropy.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnscope::analyses {

/// One head's attention row at one step.
struct HeadStepAttention {
    float sinkMass = 0;               ///< P on token 0
    float entropy = 0;                ///< −Σ P log P (nats)
    std::vector<int32_t> keys;        ///< the top-k keys, most attended first
    std::vector<float> probabilities; ///< their probabilities
};

struct GenerationStep {
    int32_t token = 0; ///< the generated token
    int row = 0;       ///< the query position whose attention produced it (prompt length − 1 + step)
    std::vector<HeadStepAttention> heads; ///< [layer × heads + head]
};

struct GenerationAttention {
    std::vector<int32_t> prompt;
    int layers = 0, heads = 0, topK = 0;
    std::vector<GenerationStep> steps;

    std::vector<int32_t> generated() const;
    const HeadStepAttention& at(int step, int layer, int head) const {
        return steps[static_cast<std::size_t>(step)].heads[static_cast<std::size_t>(layer * heads + head)];
    }
    /// Mean over steps of one head's token-0 mass (0 without steps).
    double meanSinkMass(int layer, int head) const;
};

/// Generates as runtime::generate does (greedy or seeded sampling, stop token, interventions) and
/// records every step's attention rows; `topK` keys per head (1–256). Errors: the generation's, a bad
/// topK, sparse attention among the interventions (its masked rows are not what the probe reads), a
/// trace of more than 2^28 kept keys, cancellation. `masks` as in runtime::generate. Under ACT
/// calibration the rows are the softmax before calibration (the kernel's probe convention); a masked
/// (ablated) head's row is the attention it computed, whose output the model then discarded. Replaces
/// any probe and observer in `options`.
Expected<GenerationAttention> generateWithAttention(const std::shared_ptr<const runtime::Model>& model,
                                                    const std::vector<int32_t>& prompt,
                                                    runtime::GenerateOptions options, int topK,
                                                    const Progress& progress = {},
                                                    runtime::MaskStatistics* masks = nullptr);

/// The JSON form: {"top_k", "prompt_tokens", "texts" (every position's), "steps": [{"token", "text", "row",
/// "heads": [{"layer", "head", "sink_mass", "entropy", "keys", "probabilities"}]}], "mean_sink_mass":
/// [[per head] per layer]}.
/// `texts` gives each position's text (prompt then generated; may be empty).
nlohmann::json generationAttentionToJson(const GenerationAttention& trace,
                                         const std::vector<std::string>& texts);

/// Every position's own text: the prompt's tokens by their byte `offsets` into `prompt` (empty for special
/// tokens), then each generated token as what it adds to the decoding of the (up to 16) tokens before it
/// (empty without a tokenizer).
std::vector<std::string> positionTexts(const std::string& prompt,
                                       const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                       const std::vector<int32_t>& promptIds,
                                       const std::vector<int32_t>& generated,
                                       const tokenizers::Tokenizer* tokenizer);

/// What `attnscope-cli generate --attention-top K --json` writes: {"prompt_ids", "ids", "mode",
/// "temperature" and "seed" when sampled, "text" (the continuation), "attention"}.
nlohmann::json generationDocument(const GenerationAttention& trace, const runtime::GenerateOptions& options,
                                  const std::string& continuation, const std::vector<std::string>& texts);

} // namespace attnscope::analyses
