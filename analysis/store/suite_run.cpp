// SPDX-License-Identifier: Apache-2.0
#include "attnscope/store/suite_run.h"

#include "attnscope/model/model_format.h"
#include "attnscope/version.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace attnscope::store {

Expected<RunRecord> suiteRunRecord(analyses::SuiteResult result, const SuiteRunInfo& info) {
    RunRecord run;
    run.label = info.label;
    run.settingsJson = info.settingsJson;
    run.programVersion = ATTNSCOPE_VERSION_STRING;
    run.started = info.started;
    run.finished = utcNow();
    run.seconds = info.seconds;
    ATTNSCOPE_ASSIGN_OR_RETURN(model::ModelProbe probe, model::probeModelFormat(info.modelPath));
    run.model.path = std::filesystem::absolute(info.modelPath).lexically_normal().string();
    run.model.format = model::modelFormatName(probe.format);
    ATTNSCOPE_ASSIGN_OR_RETURN(run.model.contentHash, modelContentHash(info.modelPath));
    run.model.configJson = nlohmann::json{{"summary", probe.summary}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace); // GGUF metadata strings are raw bytes
    run.input.text = info.text;
    run.input.tokens = info.tokens;
    run.input.offsets = info.offsets;
    run.metrics = analyses::suiteHeadMetrics(result.documentJson);
    run.documentJson = std::move(result.documentJson);
    run.arrays = std::move(result.arrays);
    return run;
}

} // namespace attnscope::store
