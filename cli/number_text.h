// SPDX-License-Identifier: Apache-2.0
// A JSON number as the CLI's tables print it.
#pragma once

#include <nlohmann/json.hpp>

#include <iomanip>
#include <sstream>
#include <string>

namespace attnscope::cli {

/// `value` with `precision` significant digits; "n/a" for null (an undefined statistic).
inline std::string numberText(const nlohmann::json& value, int precision) {
    if (value.is_null())
        return "n/a";
    std::ostringstream text;
    text << std::setprecision(precision) << value.get<double>();
    return text.str();
}

} // namespace attnscope::cli
