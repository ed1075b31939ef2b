// SPDX-License-Identifier: Apache-2.0
// What every fuzz target requires of a refusal: a Status that names the input's file.
#pragma once

#include "attnscope/core/expected.h"

#include <string_view>

namespace attnscope::fuzz {

/// True when `result` is a refusal (the input was rejected); traps unless that refusal names `file`.
template <typename T>
bool refused(const Expected<T>& result, std::string_view file) {
    if (result)
        return false;
    if (result.status().file() != file)
        __builtin_trap();
    return true;
}

} // namespace attnscope::fuzz
