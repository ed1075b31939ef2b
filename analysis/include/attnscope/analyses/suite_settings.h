// SPDX-License-Identifier: Apache-2.0
// The analyze suite's user-tunable parameters as one flat JSON object: the studio keeps them in its
// settings and records them with every run, and `attnscope-cli analyze --settings FILE` reads them, so a
// run made in one can be repeated in the other.
#pragma once

#include "attnscope/analyses/suite.h"
#include "attnscope/core/expected.h"
#include "attnscope/core/status.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace attnscope::analyses {

/// Every tunable parameter of `options`, keyed by the analyze command's option name without its dashes
/// ("flex_gamma" for --flex-gamma). "act_alpha" is 0 when ACT's threshold is absolute; "razor_span" 0
/// means what the model's trained context allows; "needles" "" means the bundled prompts.
nlohmann::json suiteSettingsToJson(const SuiteOptions& options);

/// Sets every key of `settings` on `options`. Refuses a value that is not an object, an unknown key, a
/// value of the wrong type or out of its range (the error names `source` and the key); `options` is
/// unchanged then. Keys that are absent keep their values, so a file may hold only what it changes.
Status applySuiteSettings(const nlohmann::json& settings, SuiteOptions& options, const std::string& source);

/// Parses settings text (JSON nested at most kMaxJsonDepth deep) and checks that it is an object; errors
/// name `source`. The keys are checked by applySuiteSettings.
Expected<nlohmann::json> parseSuiteSettings(std::string_view text, const std::string& source);

/// The same over a file's contents; errors name the file.
Expected<nlohmann::json> readSuiteSettingsFile(const std::string& path);

/// The keys suiteSettingsToJson writes, in its order.
const std::vector<std::string>& suiteSettingKeys();

} // namespace attnscope::analyses
