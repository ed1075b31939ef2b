// SPDX-License-Identifier: Apache-2.0
// A model's word relevance against human reading times over a corpus (SCANPATH.md §3.4): each reading
// unit (text or sentence) is given to the model as its words joined by spaces, word relevance is read as
// for `scanpath predict`, and Spearman's ρ is computed per unit (first and last words excluded), then
// summarized as mean ± sd, pooled over all words, and by Fisher's combination of the units' p-values.
#pragma once

#include "attnscope/analyses/reading_relevance.h"
#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/model.h"
#include "attnscope/scanpath/reading_corpus.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attnscope::analyses {

/// Rank and linear correlation of two per-word series.
struct WordCorrelation {
    int compared = 0; ///< word pairs where both values are present
    double spearman = 0.0, spearmanP = 0.0, pearson = 0.0, pearsonP = 0.0; ///< NaN when undefined
};

/// ρ and r between `model` and `human` over the words where both are present; the first and last words
/// are left out unless `keepEdges` (Eberle et al.'s ignore_first_last: they carry position effects).
WordCorrelation correlateWords(const std::vector<double>& model, const std::vector<double>& human,
                               bool keepEdges);

struct ReadingCorrelationRequest {
    ReadingRelevanceRequest relevance;
    std::string measure = "TRT"; ///< one of the corpus's measures (TRT, relFix, FFD, GD, GPT, nFix, skip)
    bool keepEdges = false;
    int maxUnits = 0;    ///< compare at most this many units (0: all)
    int minCompared = 3; ///< units with fewer word pairs are reported, not compared
};

/// One reading unit's comparison.
struct UnitCorrelation {
    std::string id;
    int tokens = 0;
    int unalignedWords = 0; ///< words no token maps to (their relevance is missing)
    WordCorrelation correlation;
    std::string skipped;       ///< why the unit was not compared; empty when it was
    std::vector<double> model; ///< per word: relevance (NaN where missing)
    std::vector<double> human; ///< per word: the measure (NaN where missing)
};

struct ReadingCorrelation {
    ReadingCorrelationRequest request;
    int layer = 0; ///< the layer read
    std::vector<UnitCorrelation> units;
    int unitsCompared = 0;
    double meanSpearman = 0.0, sdSpearman = 0.0; ///< over compared units (sd with n − 1); NaN when undefined
    WordCorrelation pooled;                      ///< every compared unit's word pairs together
    double fisherChi2 = 0.0, fisherP = 1.0;      ///< Fisher's method over the units' Spearman p-values
    int fisherDf = 0;
};

/// Compares `corpus` with `model`'s word relevance. Units the model cannot take (longer than its
/// context, past rollout's or flow's limit, text the tokenizer refuses) are reported as skipped with the
/// reason; the run stops only for a bad request (unknown measure, bad layer) or cancellation.
Expected<ReadingCorrelation> correlateReading(const runtime::Model& model,
                                              const tokenizers::Tokenizer& tokenizer,
                                              const scanpath::ReadingCorpus& corpus,
                                              const ReadingCorrelationRequest& request,
                                              const Progress& progress = {});

/// The JSON form: parameters, summary, and per unit its numbers (words with `includeWords`).
nlohmann::json readingCorrelationToJson(const ReadingCorrelation& correlation,
                                        const scanpath::ReadingCorpus& corpus, bool includeWords = false);
/// What `scanpath correlate --json` writes and the studio saves: the JSON form with the model's and the
/// corpus's paths.
nlohmann::json readingCorrelationDocument(const ReadingCorrelation& correlation,
                                          const scanpath::ReadingCorpus& corpus, const std::string& modelPath,
                                          const std::string& corpusPath, bool includeWords);
/// Every word's model and human values as TSV: unit, word_index, word, model, the measure ("NA" missing).
Status writeReadingWordTable(const std::string& path, const ReadingCorrelation& correlation,
                             const scanpath::ReadingCorpus& corpus);

} // namespace attnscope::analyses
