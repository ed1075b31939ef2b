// SPDX-License-Identifier: Apache-2.0
#include "suite_json.h"

#include "attnscope/analyses/suite.h"
#include "attnscope/core/json_parse.h"

namespace attnscope::analyses {

namespace {

void flattenObject(const nlohmann::json& object, const std::string& prefix, const std::string& analysis,
                   int layer, int head, std::vector<store::HeadMetric>& out) {
    for (const auto& [key, value] : object.items()) {
        if (key == "layer" || key == "head" || key == "kv_head")
            continue; // indices, not measurements
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_number())
            out.push_back({analysis, name, layer, head, value.get<double>()});
        else if (value.is_boolean())
            out.push_back({analysis, name, layer, head, value.get<bool>() ? 1.0 : 0.0});
        else if (value.is_object())
            flattenObject(value, name, analysis, layer, head, out);
    }
}

void flattenHeads(const nlohmann::json& heads, const std::string& analysis,
                  std::vector<store::HeadMetric>& out) {
    if (!heads.is_array())
        return;
    for (const auto& entry : heads)
        if (entry.is_object() && entry.contains("layer") && entry.contains("head") &&
            entry["layer"].is_number_integer() && entry["head"].is_number_integer())
            flattenObject(entry, "", analysis, entry["layer"].get<int>(), entry["head"].get<int>(), out);
}

store::ArrayRecord matrix(const std::string& name, const nlohmann::json& rows) {
    store::ArrayRecord a;
    a.name = name;
    a.shape = {static_cast<int64_t>(rows.size()), rows.empty() ? 0 : static_cast<int64_t>(rows[0].size())};
    for (const auto& row : rows)
        for (const auto& value : row)
            a.f32.push_back(value.get<float>());
    return a;
}

/// A row-major n x n vector as nested arrays.
nlohmann::json square(const std::vector<double>& values, int n) {
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < n; ++i)
        rows.push_back(std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(i) * n,
                                           values.begin() + static_cast<std::ptrdiff_t>(i + 1) * n));
    return rows;
}

nlohmann::json curve(const std::vector<analyses::MaskMetrics>& points, const char* knob) {
    nlohmann::json list = nlohmann::json::array();
    for (const analyses::MaskMetrics& m : points)
        list.push_back({{knob, m.knob}, {"density", m.density}, {"recall", m.recall}});
    return list;
}

template <typename T>
nlohmann::json optional(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace

nlohmann::json similarityToJson(const analyses::SimilarityAnalysis& a) {
    const int n = a.layers * a.heads;
    nlohmann::json heads = nlohmann::json::array();
    for (int x = 0; x < n; ++x) {
        // The most similar other head, and the same head one layer up.
        int best = -1;
        for (int y = 0; y < n; ++y)
            if (y != x && (best < 0 || a.headCosine[static_cast<std::size_t>(x) * n + y] >
                                           a.headCosine[static_cast<std::size_t>(x) * n + best]))
                best = y;
        nlohmann::json entry = {{"layer", x / a.heads}, {"head", x % a.heads}};
        entry["next_layer_same_head"] =
            x + a.heads < n ? nlohmann::json(a.headCosine[static_cast<std::size_t>(x) * n + x + a.heads])
                            : nlohmann::json(nullptr);
        if (best >= 0)
            entry["most_similar"] = {{"layer", best / a.heads},
                                     {"head", best % a.heads},
                                     {"cosine", a.headCosine[static_cast<std::size_t>(x) * n + best]}};
        heads.push_back(entry);
    }
    nlohmann::json blocks = nlohmann::json::array();
    for (const analyses::SharedBlock& b : a.sharedBlocks)
        blocks.push_back({{"first_layer", b.firstLayer},
                          {"last_layer", b.lastLayer},
                          {"mean_similarity", b.meanSimilarity}});
    return {{"parameters",
             {{"measure", "cosine of attention maps over all causal (i, j)"},
              {"row_block", a.parameters.rowBlock},
              {"key_chunk", a.parameters.keyChunk},
              {"layers_per_block", a.parameters.layersPerBlock},
              {"tokens", a.tokens}}},
            {"layer_head_averaged", square(a.layerHeadAveraged, a.layers)},
            {"layer_per_head", square(a.layerPerHead, a.layers)},
            {"head_cosine", square(a.headCosine, n)},
            {"shared_blocks", blocks},
            {"multiply_adds", a.multiplyAdds},
            {"heads", heads}};
}

nlohmann::json sparsityToJson(const analyses::SparsityAnalysis& a) {
    const analyses::SparsityParameters& p = a.parameters;
    nlohmann::json heads = nlohmann::json::array();
    double flexRecall = 0, flexDensity = 0;
    for (const analyses::HeadSparsity& h : a.heads) {
        const analyses::FlexPrefillHead& f = h.flex;
        flexRecall += f.mask.recall / static_cast<double>(a.heads.size());
        flexDensity += f.mask.density / static_cast<double>(a.heads.size());
        heads.push_back({{"layer", h.layer},
                         {"head", h.head},
                         {"pattern",
                          {{"class", analyses::patternName(h.pattern.pattern)},
                           {"oracle_density", h.pattern.oracleDensity},
                           {"a_shape_density", h.pattern.aShapeDensity},
                           {"vertical_slash_density", h.pattern.verticalSlashDensity}}},
                         {"seer",
                          {{"threshold_curve", curve(h.seerThreshold, "threshold")},
                           {"oracle_curve", curve(h.oracle, "recall_target")}}},
                         {"flexprefill",
                          {{"dense", f.dense},
                           {"divergence", f.divergence},
                           {"query_aware", f.queryAware},
                           {"vertical_blocks", f.verticalBlocks},
                           {"slash_blocks", f.slashBlocks},
                           {"active_blocks", f.activeBlocks},
                           {"blocks", f.blocks},
                           {"computational_ratio", f.computationalRatio},
                           {"density", f.mask.density},
                           {"recall", f.mask.recall},
                           {"recall_last_block", f.lastBlockRecall}}},
                         {"anchor",
                          {{"stripes_per_big_block", h.anchor.stripesPerBigBlock},
                           {"reference_ratio", h.anchor.referenceRatio},
                           {"density", h.anchor.mask.density},
                           {"recall", h.anchor.mask.recall}}},
                         {"snapkv", curve(h.snapKv, "capacity")},
                         {"tokenselect",
                          {{"entropy", h.tokenSelect.entropy},
                           {"overlap", h.tokenSelect.overlap},
                           {"curve", curve(h.tokenSelect.curve, "budget")}}},
                         {"a_shape", curve(h.aShape, "window")}});
    }
    return {
        {"parameters",
         {{"probe_block", p.probeBlock},
          {"seer_block", p.seerBlock},
          {"seer_thresholds", p.seerThresholds},
          {"seer_dense_last_rows", p.seerDenseLastRows},
          {"recall_targets", p.recallTargets},
          {"flex_block", p.flexBlock},
          {"flex_gamma", p.flexGamma},
          {"flex_tau", p.flexTau},
          {"flex_min_budget", p.flexMinBudget},
          {"flex_max_budget", p.flexMaxBudget},
          {"anchor_block", p.anchorBlock},
          {"anchor_step", p.anchorStep},
          {"anchor_theta", p.anchorTheta},
          {"anchor_scan_after_initial", p.anchorScanAfterInitial},
          {"decode_rows", a.decodeRows},
          {"snap_window", p.snapWindow},
          {"snap_kernel", p.snapKernel},
          {"snap_pooling", p.snapMaxPool ? "max" : "avg"},
          {"snap_capacities", p.snapCapacities},
          {"tokenselect_init", p.tokenSelectInit},
          {"tokenselect_local", p.tokenSelectLocal},
          {"tokenselect_budgets", p.tokenSelectBudgets},
          {"tokenselect_kv_head", p.tokenSelectModuloKvHead ? "h % kv_heads (reference quirk)" : "h / group"},
          {"a_shape_sinks", p.aShapeSinks},
          {"a_shape_windows", p.aShapeWindows},
          {"pattern_recall", p.patternRecall},
          {"pattern_tolerance", p.patternTolerance},
          {"diffuse_density", p.diffuseDensity},
          {"tokens", a.tokens}}},
        {"flexprefill_layer_ratio", a.flexLayerRatio},
        {"flexprefill_mean_recall", flexRecall},
        {"flexprefill_mean_density", flexDensity},
        {"heads", heads}};
}

nlohmann::json taxonomyToJson(const std::vector<analyses::HeadTaxonomy>& heads,
                              const analyses::TaxonomyParameters& p) {
    nlohmann::json list = nlohmann::json::array();
    for (const analyses::HeadTaxonomy& t : heads)
        list.push_back({{"layer", t.layer},
                        {"head", t.head},
                        {"primary", t.primary},
                        {"labels", t.labels},
                        {"scores",
                         {{"token0_mass", optional(t.token0Mass)},
                          {"previous_token", optional(t.previousToken)},
                          {"local_mass", optional(t.localMass)},
                          {"normalized_entropy", optional(t.normalizedEntropy)},
                          {"induction", optional(t.induction)},
                          {"retrieval", optional(t.retrieval)},
                          {"pattern", optional(t.pattern)}}}});
    return {{"parameters",
             {{"sink_token0", p.sinkToken0},
              {"local_window", p.localWindow},
              {"local", p.local},
              {"induction", p.induction},
              {"retrieval", p.retrieval},
              {"diffuse_entropy", p.diffuseEntropy}}},
            {"heads", list}};
}

std::vector<store::HeadMetric> suiteHeadMetrics(const std::string& documentJson) {
    const nlohmann::json d = parseJsonText(documentJson);
    if (!d.is_object())
        return {};
    std::vector<store::HeadMetric> out;
    for (const char* section : {"sinks", "similarity", "sparsity", "taxonomy"})
        if (d.contains(section))
            flattenHeads(d[section]["heads"], section, out);
    if (d.contains("retrieval")) {
        const auto& r = d["retrieval"];
        if (r.contains("score"))
            flattenHeads(r["score"]["heads"], "retrieval.score", out);
        if (r.contains("duo"))
            flattenHeads(r["duo"]["heads"], "retrieval.duo", out);
        if (r.contains("razor"))
            flattenHeads(r["razor"]["query_heads"], "retrieval.razor", out);
    }
    return out;
}

std::vector<store::ArrayRecord> suiteMatrices(const nlohmann::json& d) {
    std::vector<store::ArrayRecord> arrays;
    if (d.contains("similarity"))
        for (const char* key : {"layer_head_averaged", "layer_per_head", "head_cosine"})
            arrays.push_back(matrix(std::string("similarity.") + key, d["similarity"][key]));
    return arrays;
}

} // namespace attnscope::analyses
