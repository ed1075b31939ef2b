// SPDX-License-Identifier: Apache-2.0
// The whole analysis suite on one input, as `attnscope-cli analyze` and the studio's Analyze job run
// it: one input pass with in-kernel statistics and captured queries/keys (sinks, similarity, sparsity,
// taxonomy), plus the retrieval family's own passes (needle decoding, RazorAttention's repeated random
// tokens, DuoAttention's proxy). The result is the JSON document of docs/analyze-json.md and the arrays
// a project keeps beside it.
#pragma once

#include "attnscope/analyses/duo.h"
#include "attnscope/analyses/razor.h"
#include "attnscope/analyses/retrieval.h"
#include "attnscope/analyses/similarity.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/analyses/sparsity.h"
#include "attnscope/analyses/taxonomy.h"
#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/interventions.h"
#include "attnscope/runtime/model.h"
#include "attnscope/store/project.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace attnscope::analyses {

struct SuiteOptions {
    /// Comma-separated: all, sinks, retrieval (= score + razor + duo), razor, duo, similarity, sparsity,
    /// taxonomy.
    std::string analyses = "all";
    SinkParameters sinks;
    /// span 0: min(2500, what the trained context allows — ModelConfig::trainedContextLength, else the
    /// context length).
    RepeatProbe razorProbe{1, 0, 4};
    RazorParameters razor;
    uint64_t seed = 0; ///< of RazorAttention's random tokens
    /// Needle prompts for the retrieval score: JSON lines {"prompt", "value_span": [begin, end)}, or
    /// the built-in generator (haystack file, needles with their questions and answers — the reference
    /// uses three —, lengths, depths).
    std::string needles;
    RetrievalParameters retrieval;
    DuoProxyParameters duo;
    std::string haystack;
    std::vector<std::string> needleTexts, questions, answers; ///< one entry per needle
    std::vector<int> lengths = {500, 1000};
    std::vector<double> depths = {0.0, 0.25, 0.5, 0.75, 1.0};
    std::string duoGates; ///< optional trained gates to report beside the proxy
    SimilarityParameters similarity;
    SparsityParameters sparsity;
    TaxonomyParameters taxonomy;
    /// Every pass runs under these (ablation, calibration, sharing), so the results describe the
    /// intervened model; the document records them under "interventions". Not a setting: the suite
    /// settings files (suite_settings.h) leave them out.
    runtime::Interventions interventions;
};

struct SuiteInput {
    std::string modelPath; ///< recorded in the document
    std::vector<int32_t> tokens;
    const tokenizers::Tokenizer* tokenizer = nullptr; ///< for token texts and the retrieval score
    int32_t razorBos = 0;                             ///< the BOS id RazorAttention's probe starts with
};

struct SuiteResult {
    std::string documentJson;               ///< docs/analyze-json.md
    std::vector<store::ArrayRecord> arrays; ///< block sums, FlexPrefill masks, similarity matrices
    int blockSize = 0;                      ///< of the block sums
};

/// The analyses a comma list names, with "all" and "retrieval" expanded; errors name an unknown one.
Expected<std::set<std::string>> suiteAnalyses(const std::string& list);

/// Runs the suite. Progress covers every pass; cancellation stops between and inside passes.
Expected<SuiteResult> runSuite(const std::shared_ptr<runtime::Model>& model, const SuiteInput& input,
                               const SuiteOptions& options, const Progress& progress = {});

/// Every numeric field of every head entry of a suite document ("layer"/"head" aside), nested names
/// joined by dots: analysis "sparsity", metric "flexprefill.recall".
std::vector<store::HeadMetric> suiteHeadMetrics(const std::string& documentJson);

} // namespace attnscope::analyses
