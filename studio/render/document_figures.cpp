// SPDX-License-Identifier: Apache-2.0
#include "document_figures.h"

#include <algorithm>

namespace attnscope::render {

Matrix matrixFromRows(const nlohmann::json& rows) {
    Matrix m;
    if (!rows.is_array())
        return m;
    m.rows = static_cast<int>(rows.size());
    m.cols = m.rows ? static_cast<int>(rows[0].size()) : 0;
    for (const nlohmann::json& row : rows)
        for (const nlohmann::json& v : row)
            m.values.push_back(v.is_number() ? v.get<double>() : 0.0);
    return m;
}

Ranking rankHeads(const nlohmann::json& heads, const char* field, std::size_t limit) {
    std::vector<std::pair<double, std::pair<int, int>>> list;
    if (heads.is_array())
        for (const nlohmann::json& h : heads)
            if (h.contains(field) && h[field].is_number())
                list.push_back({h[field].get<double>(), {h.value("layer", 0), h.value("head", 0)}});
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    list.resize(std::min(list.size(), limit));
    Ranking ranking;
    for (const auto& [value, head] : list) {
        ranking.labels << QStringLiteral("L%1 H%2").arg(head.first).arg(head.second);
        ranking.values.push_back(value);
        ranking.heads.push_back(head);
    }
    return ranking;
}

} // namespace attnscope::render
