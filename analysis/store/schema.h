// SPDX-License-Identifier: Apache-2.0
// The project schema as a list of steps: step v turns schema v-1 into v (v = 1 creates it). New
// projects run every step, old ones the missing ones, so both take the same path.
#pragma once

#include <string>
#include <vector>

namespace attnscope::store::detail {

/// SQL of each step, index 0 = schema 1.
const std::vector<std::string>& schemaSteps();

} // namespace attnscope::store::detail
