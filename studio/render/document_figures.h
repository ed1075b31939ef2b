// SPDX-License-Identifier: Apache-2.0
// Figure data read from a run's result document (docs/analyze-json.md): the pieces the report and the
// studio's run views both draw from, so both read the document the same way.
#pragma once

#include "render/figures.h"

#include <nlohmann/json.hpp>

#include <QStringList>

#include <vector>

namespace attnscope::render {

/// A JSON array of equal-length numeric rows as a matrix.
Matrix matrixFromRows(const nlohmann::json& rows);

/// Heads of a result list ranked by one numeric field, largest first, at most `limit` ("L1 H3" labels);
/// entries without the field are left out.
struct Ranking {
    QStringList labels;
    std::vector<double> values;
    std::vector<std::pair<int, int>> heads; ///< (layer, head) of each bar
};
Ranking rankHeads(const nlohmann::json& heads, const char* field, std::size_t limit);

} // namespace attnscope::render
