// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/interventions.h"

#include <cctype>
#include <set>

namespace attnscope::runtime {

namespace {

std::string headName(const HeadIndex& head) {
    return std::to_string(head.first) + ":" + std::to_string(head.second);
}

Status checkHeads(const model::ModelConfig& config, const std::vector<HeadIndex>& heads,
                  const std::string& field, const std::string& purpose) {
    for (const HeadIndex& head : heads) {
        if (head.first < 0 || head.first >= config.layers)
            return Status::invalidArgument("no layer " + std::to_string(head.first) + " to " + purpose +
                                           " (the model has " + std::to_string(config.layers) + " layers)")
                .atField(field);
        if (head.second < 0 || head.second >= config.heads)
            return Status::invalidArgument("no head " + headName(head) + " to " + purpose +
                                           " (the model has " + std::to_string(config.layers) +
                                           " layers of " + std::to_string(config.heads) + " heads)")
                .atField(field);
    }
    return Status::ok();
}

/// The sparse-attention part of checkInterventions.
Status checkSparseAttention(const model::ModelConfig& config, const Interventions& interventions) {
    const char* field = interventions.streaming       ? "streaming"
                        : interventions.sparsePrefill ? "sparse_prefill"
                                                      : "kv_selection";
    if (!interventions.sparse())
        return Status::ok();
    if (!config.causal)
        return Status::unsupported("sparse attention is defined here for causal decoders; this model is a "
                                   "bidirectional encoder")
            .atField(field);
    if (interventions.calibration)
        return Status::unsupported("calibration and sparse attention cannot be combined: ACT's closed form "
                                   "redistributes the dense softmax's mass, not a masked one")
            .atField(field);
    if (const auto& streaming = interventions.streaming) {
        if (streaming->sinks < 0 || streaming->window < 1)
            return Status::invalidArgument("needs sinks >= 0 and a window >= 1, got sinks " +
                                           std::to_string(streaming->sinks) + ", window " +
                                           std::to_string(streaming->window))
                .atField("streaming");
        if (interventions.sparsePrefill)
            return Status::invalidArgument("StreamingLLM's attention already masks the prefill; choose it or "
                                           "a sparse prefill")
                .atField("sparse_prefill");
        if (interventions.kvSelection)
            return Status::invalidArgument("StreamingLLM's attention already decides the keys decoding "
                                           "sees; choose it or a KV-cache policy")
                .atField("kv_selection");
    }
    if (const auto& prefill = interventions.sparsePrefill) {
        if (prefill->blockSize < 1)
            return Status::invalidArgument("the block size must be >= 1, not " +
                                           std::to_string(prefill->blockSize))
                .atField("sparse_prefill");
        if (!prefill->blockMasks)
            return Status::invalidArgument("no rule chooses the block masks").atField("sparse_prefill");
    }
    if (const auto& selection = interventions.kvSelection) {
        if (selection->observationWindow < 1)
            return Status::invalidArgument("the observation window must be >= 1, not " +
                                           std::to_string(selection->observationWindow))
                .atField("kv_selection");
        if (!selection->keepKeys)
            return Status::invalidArgument("no rule chooses the keys to keep").atField("kv_selection");
    }
    return Status::ok();
}

} // namespace

Status checkInterventions(const model::ModelConfig& config, const Interventions& interventions) {
    ATTNSCOPE_TRY(checkHeads(config, interventions.maskedHeads, "masked_heads", "mask"));
    if (const auto& calibration = interventions.calibration) {
        ATTNSCOPE_TRY(checkHeads(config, calibration->heads, "calibration.heads", "calibrate"));
        if (!(calibration->keep >= 0.0 && calibration->keep <= 1.0))
            return Status::invalidArgument("the share kept on a selected key must lie in [0, 1], not " +
                                           std::to_string(calibration->keep))
                .atField("calibration.keep");
        if (!calibration->selectColumns)
            return Status::invalidArgument("no rule selects the keys to calibrate").atField("calibration");
        if (!config.causal)
            return Status::unsupported("attention calibration is defined for causal decoders (ACT's "
                                       "mean received attention counts the rows that can see a key); this "
                                       "model is a bidirectional encoder")
                .atField("calibration");
    }
    std::set<int> targets;
    for (const SharedAttention& share : interventions.sharing) {
        const std::string pair = std::to_string(share.source) + " -> " + std::to_string(share.target);
        if (share.source < 0 || share.target >= config.layers || share.target < 0 ||
            share.source >= config.layers)
            return Status::invalidArgument("layer sharing " + pair + " is outside the model's " +
                                           std::to_string(config.layers) + " layers")
                .atField("sharing");
        if (share.source >= share.target)
            return Status::invalidArgument("layer sharing " + pair +
                                           ": a layer can only reuse the attention of an earlier layer")
                .atField("sharing");
        if (!targets.insert(share.target).second)
            return Status::invalidArgument("layer " + std::to_string(share.target) +
                                           " is given more than one layer to share attention with")
                .atField("sharing");
    }
    return checkSparseAttention(config, interventions);
}

Expected<std::vector<HeadIndex>> parseHeadSpecs(const std::vector<std::string>& specs,
                                                bool allowWholeLayers) {
    std::vector<HeadIndex> heads;
    for (const std::string& spec : specs) {
        const auto colon = spec.find(':');
        const bool digitsBefore = colon != std::string::npos && colon > 0 && colon <= 6 &&
                                  spec.find_first_not_of("0123456789") == colon;
        const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
        int layer = -1, head = -2;
        if (digitsBefore && !rest.empty() && rest.size() <= 6) {
            layer = std::stoi(spec.substr(0, colon)); // at most six digits: no overflow
            if (allowWholeLayers && rest == "*")
                head = -1;
            else if (rest.find_first_not_of("0123456789") == std::string::npos)
                head = std::stoi(rest);
        }
        if (layer < 0 || head == -2)
            return Status::invalidArgument("'" + spec + "' is not LAYER:HEAD (0-based)" +
                                           (allowWholeLayers ? " or LAYER:*" : ""));
        heads.emplace_back(layer, head);
    }
    return heads;
}

std::vector<HeadIndex> expandWholeLayers(const std::vector<HeadIndex>& heads, int headsPerLayer) {
    std::vector<HeadIndex> expanded;
    for (const auto& [layer, head] : heads)
        if (head >= 0)
            expanded.emplace_back(layer, head);
        else
            for (int h = 0; h < headsPerLayer; ++h)
                expanded.emplace_back(layer, h);
    return expanded;
}

Expected<std::vector<std::pair<int, int>>> parseLayerBlocks(const std::vector<std::string>& specs) {
    std::vector<std::pair<int, int>> blocks;
    for (const std::string& spec : specs) {
        const auto dash = spec.find('-');
        const bool wellFormed = dash != std::string::npos && dash > 0 && dash <= 6 &&
                                dash + 1 < spec.size() && spec.size() - dash - 1 <= 6 &&
                                spec.find_first_not_of("0123456789-") == std::string::npos &&
                                spec.find('-', dash + 1) == std::string::npos;
        if (!wellFormed)
            return Status::invalidArgument("'" + spec + "' is not FIRST-LAST (0-based layers)");
        blocks.emplace_back(std::stoi(spec.substr(0, dash)), std::stoi(spec.substr(dash + 1)));
    }
    return blocks;
}

std::vector<std::string> splitSpecList(const std::string& text) {
    std::vector<std::string> entries;
    std::string current;
    for (char c : text + ",") {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
            if (!current.empty())
                entries.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    return entries;
}

ColumnCalibration fixedColumnCalibration(std::vector<HeadIndex> heads, double keep,
                                         std::map<HeadIndex, std::vector<int>> keys,
                                         std::string description) {
    ColumnCalibration calibration;
    calibration.heads = std::move(heads);
    calibration.keep = keep;
    calibration.description = std::move(description);
    calibration.selectColumns = [keys = std::move(keys)](const HeadIndex& head, const float*, int) {
        const auto found = keys.find(head);
        return found != keys.end() ? found->second : std::vector<int>{};
    };
    return calibration;
}

Expected<std::vector<SharedAttention>> sharingFromBlocks(const std::vector<std::pair<int, int>>& blocks) {
    std::vector<SharedAttention> sharing;
    std::set<int> used;
    for (const auto& [first, last] : blocks) {
        const std::string name = std::to_string(first) + "-" + std::to_string(last);
        if (first < 0 || last <= first)
            return Status::invalidArgument("block " + name +
                                           " must name at least two layers, first < last, 0-based")
                .atField("sharing");
        if (last >= kMaxSharedLayer)
            return Status::invalidArgument("block " + name + " reaches past any model's layers")
                .atField("sharing");
        for (int layer = first; layer <= last; ++layer)
            if (!used.insert(layer).second)
                return Status::invalidArgument("block " + name + " overlaps another block at layer " +
                                               std::to_string(layer))
                    .atField("sharing");
        for (int layer = first + 1; layer <= last; ++layer)
            sharing.push_back({first, layer});
    }
    return sharing;
}

} // namespace attnscope::runtime
