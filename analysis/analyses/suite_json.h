// SPDX-License-Identifier: Apache-2.0
// JSON forms of the similarity, sparsity and taxonomy analyses (schema in docs/analyze-json.md), and
// what a project keeps of a suite document. Internal to analysis.
#pragma once

#include "attnscope/analyses/similarity.h"
#include "attnscope/analyses/sparsity.h"
#include "attnscope/analyses/taxonomy.h"

#include "attnscope/store/project.h"

#include <nlohmann/json.hpp>

namespace attnscope::analyses {

nlohmann::json similarityToJson(const analyses::SimilarityAnalysis& a);
nlohmann::json sparsityToJson(const analyses::SparsityAnalysis& a);
nlohmann::json taxonomyToJson(const std::vector<analyses::HeadTaxonomy>& heads,
                              const analyses::TaxonomyParameters& parameters);

/// The similarity matrices of a document as arrays ("similarity.layer_head_averaged" [L, L], ...).
std::vector<store::ArrayRecord> suiteMatrices(const nlohmann::json& document);

} // namespace attnscope::analyses
