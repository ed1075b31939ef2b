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

} // namespace

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
    return json;
}

} // namespace attnscope::analyses
