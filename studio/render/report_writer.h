// SPDX-License-Identifier: Apache-2.0
// The report entry point for Qt-free callers (attnscope-cli): no Qt type crosses this header.
#pragma once

#include "attnscope/core/status.h"
#include "attnscope/store/project.h"

#include <string>

namespace attnscope::render {

/// Writes the report of `run` to `outPath`: HTML for .html/.htm, PDF for .pdf. Starts an offscreen
/// QGuiApplication when the process has none. Errors name the file.
Status writeReport(const store::RunRecord& run, const std::string& projectPath, const std::string& outPath);

} // namespace attnscope::render
