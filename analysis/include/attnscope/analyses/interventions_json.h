// SPDX-License-Identifier: Apache-2.0
// How documents and stored runs record the interventions a result was measured under.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/runtime/interventions.h"

#include <nlohmann/json.hpp>

#include <map>
#include <vector>

namespace attnscope::analyses {

/// {"masked_heads": [[L, H], ...], "calibration": {"heads": [[L, H], ...], "beta": β, "rule": "...",
/// "keys": [{"layer", "head", "keys": [...]}, ...]}, "sharing": [{"source", "target"}, ...],
/// "streaming": {"sinks", "window"}, "sparse_prefill": {"rule", "block"}, "kv_selection": {"rule",
/// "observation_window"}}, each key only when used; "keys" only when `calibratedKeys` is given (the keys
/// one input's prefill chose).
nlohmann::json interventionsToJson(const runtime::Interventions& interventions,
                                   const std::map<runtime::HeadIndex, std::vector<int>>& calibratedKeys = {});

/// The interventions a record describes, to run them again on the same input: masking and sharing as
/// recorded, the calibration replaying the recorded keys of each head (runtime::fixedColumnCalibration;
/// a record without "keys" calibrates nothing), StreamingLLM's attention as recorded; a sparse prefill or
/// KV-cache policy is refused (its record names the rule, which is not replayed). Errors name the key.
Expected<runtime::Interventions> interventionsFromJson(const nlohmann::json& record);

/// What sparse-attention masks kept: {"masked_rows", "density", "mean_recall"} (runtime::MaskStatistics).
nlohmann::json maskStatisticsToJson(const runtime::MaskStatistics& masks);

} // namespace attnscope::analyses
