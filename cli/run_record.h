// SPDX-License-Identifier: Apache-2.0
// Turning an analysis document into a project run: per-head scalar metrics flattened from every
// section's head lists, plus the arrays the document holds as matrices (docs/projects.md).
#pragma once

#include "attnscope/store/project.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace attnscope::cli {

/// Every numeric field of every head entry ("layer" and "head" aside), nested objects joined by dots:
/// analysis "sparsity", metric "flexprefill.recall". Sections: sinks, similarity, sparsity, taxonomy,
/// retrieval.score, retrieval.duo, retrieval.razor (its query heads).
std::vector<store::HeadMetric> flattenHeadMetrics(const nlohmann::json& document);

/// The similarity matrices of a document as arrays ("similarity.layer_head_averaged" [L, L], ...).
std::vector<store::ArrayRecord> documentArrays(const nlohmann::json& document);

/// Current UTC time as ISO 8601 ("2026-11-29T04:05:06Z").
std::string utcNow();

} // namespace attnscope::cli
