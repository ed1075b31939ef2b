// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/interventions_json.h"

namespace attnscope::analyses {

namespace {

nlohmann::json headList(const std::vector<runtime::HeadIndex>& heads) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [layer, head] : heads)
        list.push_back({layer, head});
    return list;
}

/// [[L, H], ...] -> heads; false when malformed.
bool readHeads(const nlohmann::json& list, std::vector<runtime::HeadIndex>& heads) {
    if (!list.is_array())
        return false;
    for (const auto& pair : list) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
            !pair[1].is_number_integer())
            return false;
        heads.emplace_back(pair[0].get<int>(), pair[1].get<int>());
    }
    return true;
}

} // namespace

Expected<runtime::Interventions> interventionsFromJson(const nlohmann::json& record) {
    runtime::Interventions interventions;
    if (!record.is_object())
        return Status::parseError("expected an object").atField("interventions");
    if (record.contains("masked_heads") && !readHeads(record["masked_heads"], interventions.maskedHeads))
        return Status::parseError("expected [[layer, head], ...]").atField("interventions.masked_heads");
    if (record.contains("calibration")) {
        const nlohmann::json& c = record["calibration"];
        std::vector<runtime::HeadIndex> heads;
        if (!c.is_object() || !c.contains("heads") || !readHeads(c["heads"], heads) || !c.contains("beta") ||
            !c["beta"].is_number())
            return Status::parseError("expected {\"heads\": [[layer, head], ...], \"beta\": number, ...}")
                .atField("interventions.calibration");
        std::map<runtime::HeadIndex, std::vector<int>> keys;
        for (const auto& entry : c.value("keys", nlohmann::json::array())) {
            if (!entry.is_object() || !entry.value("layer", nlohmann::json()).is_number_integer() ||
                !entry.value("head", nlohmann::json()).is_number_integer() ||
                !entry.value("keys", nlohmann::json()).is_array())
                return Status::parseError("expected {\"layer\", \"head\", \"keys\": [...]}")
                    .atField("interventions.calibration.keys");
            std::vector<int>& columns = keys[{entry["layer"].get<int>(), entry["head"].get<int>()}];
            for (const auto& key : entry["keys"]) {
                if (!key.is_number_integer())
                    return Status::parseError("key positions must be integers")
                        .atField("interventions.calibration.keys");
                columns.push_back(key.get<int>());
            }
        }
        interventions.calibration = runtime::fixedColumnCalibration(
            std::move(heads), c["beta"].get<double>(), std::move(keys),
            c.contains("rule") && c["rule"].is_string() ? c["rule"].get<std::string>() : std::string());
    }
    if (record.contains("sharing")) {
        if (!record["sharing"].is_array())
            return Status::parseError("expected [{\"source\", \"target\"}, ...]")
                .atField("interventions.sharing");
        for (const auto& share : record["sharing"]) {
            if (!share.is_object() || !share.value("source", nlohmann::json()).is_number_integer() ||
                !share.value("target", nlohmann::json()).is_number_integer())
                return Status::parseError("expected {\"source\", \"target\"}")
                    .atField("interventions.sharing");
            interventions.sharing.push_back({share["source"].get<int>(), share["target"].get<int>()});
        }
    }
    if (record.contains("streaming")) {
        const nlohmann::json& s = record["streaming"];
        if (!s.is_object() || !s.value("sinks", nlohmann::json()).is_number_integer() ||
            !s.value("window", nlohmann::json()).is_number_integer())
            return Status::parseError("expected {\"sinks\", \"window\"} (integers)")
                .atField("interventions.streaming");
        interventions.streaming = runtime::StreamingAttention{s["sinks"].get<int>(), s["window"].get<int>()};
    }
    // A rule's masks depend on the input; the record keeps its description, not the rule.
    for (const char* key : {"sparse_prefill", "kv_selection"})
        if (record.contains(key))
            return Status::unsupported("a recorded " + std::string(key) +
                                       " names its rule but cannot replay it; run it again with the rule's "
                                       "options")
                .atField("interventions." + std::string(key));
    return interventions;
}

nlohmann::json maskStatisticsToJson(const runtime::MaskStatistics& masks) {
    return {{"masked_rows", masks.rows}, {"density", masks.density()}, {"mean_recall", masks.meanRecall()}};
}

nlohmann::json interventionsToJson(const runtime::Interventions& interventions,
                                   const std::map<runtime::HeadIndex, std::vector<int>>& calibratedKeys) {
    nlohmann::json json = nlohmann::json::object();
    if (!interventions.maskedHeads.empty())
        json["masked_heads"] = headList(interventions.maskedHeads);
    if (const auto& calibration = interventions.calibration) {
        json["calibration"] = {{"heads", headList(calibration->heads)},
                               {"beta", calibration->keep},
                               {"rule", calibration->description}};
        if (!calibratedKeys.empty()) {
            nlohmann::json keys = nlohmann::json::array();
            for (const auto& [head, columns] : calibratedKeys)
                keys.push_back({{"layer", head.first}, {"head", head.second}, {"keys", columns}});
            json["calibration"]["keys"] = keys;
        }
    }
    if (!interventions.sharing.empty()) {
        nlohmann::json sharing = nlohmann::json::array();
        for (const runtime::SharedAttention& share : interventions.sharing)
            sharing.push_back({{"source", share.source}, {"target", share.target}});
        json["sharing"] = sharing;
    }
    if (const auto& streaming = interventions.streaming)
        json["streaming"] = {{"sinks", streaming->sinks}, {"window", streaming->window}};
    if (const auto& prefill = interventions.sparsePrefill)
        json["sparse_prefill"] = {{"rule", prefill->description}, {"block", prefill->blockSize}};
    if (const auto& selection = interventions.kvSelection)
        json["kv_selection"] = {{"rule", selection->description},
                                {"observation_window", selection->observationWindow}};
    return json;
}

} // namespace attnscope::analyses
