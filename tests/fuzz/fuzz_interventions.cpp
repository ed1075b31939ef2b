// SPDX-License-Identifier: Apache-2.0
// Any byte string as the interventions people type (the CLI's --mask-heads/--calibrate-heads/
// --share-layers, the studio's Intervene dialog) and as a stored run's "interventions" record (read back
// for deep zoom and the dialog): refuse with a Status, or accept; what is accepted is checked against a
// model without crashing, and a record that is accepted survives its own round trip.
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/runtime/interventions.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace attnscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    model::ModelConfig config;
    config.layers = 4;
    config.heads = 8;
    config.kvHeads = 2;

    const std::vector<std::string> entries = runtime::splitSpecList(text);
    for (const std::string& entry : entries)
        if (entry.empty() || entry.find_first_of(", \t\n") != std::string::npos)
            __builtin_trap();
    runtime::Interventions typed;
    if (auto heads = runtime::parseHeadSpecs(entries, true)) {
        for (const auto& [layer, head] : *heads)
            if (layer < 0 || head < -1)
                __builtin_trap();
        typed.maskedHeads = runtime::expandWholeLayers(*heads, config.heads);
    }
    if (auto blocks = runtime::parseLayerBlocks(entries))
        if (auto sharing = runtime::sharingFromBlocks(*blocks))
            typed.sharing = std::move(sharing).value();
    const Status typedStatus = runtime::checkInterventions(config, typed);
    if (!typedStatus.isOk() && typedStatus.field().empty())
        __builtin_trap();

    const nlohmann::json json = parseJsonText(text);
    if (json.is_discarded())
        return 0;
    auto record = analyses::interventionsFromJson(json);
    if (!record) {
        if (record.status().field().rfind("interventions", 0) != 0)
            __builtin_trap();
        return 0;
    }
    (void)runtime::checkInterventions(config, *record);
    const nlohmann::json written = analyses::interventionsToJson(*record);
    auto again = analyses::interventionsFromJson(written);
    if (!again || analyses::interventionsToJson(*again) != written)
        __builtin_trap();
    return 0;
}
