// SPDX-License-Identifier: Apache-2.0
// A suite result as a project run: the document, its per-head metrics and arrays, the input and the
// model's identity — what `analyze --project` and the studio's Analyze job store.
#pragma once

#include "attnscope/analyses/suite.h"
#include "attnscope/store/project.h"

#include <string>
#include <utility>
#include <vector>

namespace attnscope::store {

struct SuiteRunInfo {
    std::string modelPath, label, settingsJson = "{}", text, started;
    std::vector<int32_t> tokens;
    std::vector<std::pair<int64_t, int64_t>> offsets;
    double seconds = 0;
};

/// Errors name the model path when its format or identity cannot be read.
Expected<RunRecord> suiteRunRecord(analyses::SuiteResult result, const SuiteRunInfo& info);

} // namespace attnscope::store
