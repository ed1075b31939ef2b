// SPDX-License-Identifier: Apache-2.0
// JSON forms of the similarity, sparsity and taxonomy analyses (schema in docs/analyze-json.md).
#pragma once

#include "attnscope/analyses/similarity.h"
#include "attnscope/analyses/sparsity.h"
#include "attnscope/analyses/taxonomy.h"

#include <nlohmann/json.hpp>

namespace attnscope::cli {

nlohmann::json similarityToJson(const analyses::SimilarityAnalysis& a);
nlohmann::json sparsityToJson(const analyses::SparsityAnalysis& a);
nlohmann::json taxonomyToJson(const std::vector<analyses::HeadTaxonomy>& heads,
                              const analyses::TaxonomyParameters& parameters);

} // namespace attnscope::cli
