// SPDX-License-Identifier: Apache-2.0
// Comparing two runs of a project and exporting one run: shared by the CLI (`compare`, `export`) and the
// studio (Tools > Compare Runs, File > Export Run Data).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/store/project.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace attnscope::store {

/// Runs `a` and `b` of `project` (opened from `path`, which the result names): per (analysis, metric) the
/// head means of both, B − A and the head that changed most; whether model and input are the same; the
/// recorded settings that differ. Schema in docs/cli.md (`compare`). Errors name the missing run.
Expected<nlohmann::json> compareRuns(const Project& project, const std::string& path, int64_t a, int64_t b);

/// A note as the CLI's `notes` and `export` write it: {"id", "layer", "head", "token", "text", "created"},
/// null where it has no layer, head or token.
nlohmann::json annotationToJson(const Annotation& note);

/// Writes `run` as `format`: "csv" (one row per head metric, to the file `out`), "json" (summary,
/// settings, document and the run's `notes`, to the file `out`) or "npy" (the folder `out`: one
/// [layers, heads] float32 array per head metric, NaN where a head has none, and every stored array with
/// its shape). Returns {"run", "format", "written": [{"file", ...}]}; errors name the file.
Expected<nlohmann::json> exportRun(const RunRecord& run, const std::string& format, const std::string& out,
                                   const std::vector<Annotation>& notes = {});

} // namespace attnscope::store
