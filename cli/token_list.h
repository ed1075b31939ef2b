// SPDX-License-Identifier: Apache-2.0
// Token ids given on the command line ("1,2,3").
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::cli {

/// Parses comma-separated non-negative integers; the error names `option` and the bad item.
Expected<std::vector<int32_t>> parseTokenList(const std::string& text,
                                              const std::string& option = "--tokens");

} // namespace attnscope::cli
