// SPDX-License-Identifier: Apache-2.0
// Bounds for numeric options, with messages people can read (CLI11's own numeric validators print the
// largest double as the upper bound). Each names the option (CLI11 prefixes it) and the value given.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace attnscope::cli {

namespace detail {
inline std::string number(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}
} // namespace detail

/// Accepts finite numbers >= `minimum` (every element, for list options).
inline CLI::Validator atLeast(double minimum) {
    return CLI::Validator(
        [minimum](std::string& text) -> std::string {
            double value = 0;
            if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value))
                return "not a finite number: " + text;
            if (value < minimum)
                return "must be at least " + detail::number(minimum) + ", got " + text;
            return {};
        },
        ">=" + detail::number(minimum));
}

/// Accepts finite numbers > 0.
inline CLI::Validator positive() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            double value = 0;
            if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value))
                return "not a finite number: " + text;
            if (!(value > 0))
                return "must be greater than 0, got " + text;
            return {};
        },
        ">0");
}

/// Accepts finite numbers in [minimum, maximum] (CLI::Range lets NaN through).
inline CLI::Validator between(double minimum, double maximum) {
    return CLI::Validator(
        [minimum, maximum](std::string& text) -> std::string {
            double value = 0;
            if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value))
                return "not a finite number: " + text;
            if (value < minimum || value > maximum)
                return "must be between " + detail::number(minimum) + " and " + detail::number(maximum) +
                       ", got " + text;
            return {};
        },
        "[" + detail::number(minimum) + ", " + detail::number(maximum) + "]");
}

} // namespace attnscope::cli
