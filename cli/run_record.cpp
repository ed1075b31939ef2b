// SPDX-License-Identifier: Apache-2.0
#include "run_record.h"

#include <ctime>

namespace attnscope::cli {

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

} // namespace

std::vector<store::HeadMetric> flattenHeadMetrics(const nlohmann::json& d) {
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

std::vector<store::ArrayRecord> documentArrays(const nlohmann::json& d) {
    std::vector<store::ArrayRecord> arrays;
    if (d.contains("similarity"))
        for (const char* key : {"layer_head_averaged", "layer_per_head", "head_cosine"})
            arrays.push_back(matrix(std::string("similarity.") + key, d["similarity"][key]));
    return arrays;
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

} // namespace attnscope::cli
