// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/sequence_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnscope::scanpath {

std::vector<int> collapseRepeats(const std::vector<int>& sequence) {
    std::vector<int> collapsed;
    for (const int symbol : sequence)
        if (collapsed.empty() || collapsed.back() != symbol)
            collapsed.push_back(symbol);
    return collapsed;
}

int editDistance(const std::vector<int>& a, const std::vector<int>& b) {
    // One row of D at a time: D(i, j) needs D(i-1, j-1), D(i-1, j) and D(i, j-1).
    std::vector<int> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = static_cast<int>(j);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = static_cast<int>(i);
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

double editSimilarity(const std::vector<int>& a, const std::vector<int>& b) {
    const std::size_t longer = std::max(a.size(), b.size());
    if (longer == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return 1.0 - static_cast<double>(editDistance(a, b)) / static_cast<double>(longer);
}

double sequenceScore(const std::vector<int>& a, const std::vector<int>& b) {
    const std::size_t longer = std::max(a.size(), b.size());
    if (longer == 0)
        return std::numeric_limits<double>::quiet_NaN();
    // Needleman–Wunsch with match 1, mismatch 0 and gap 0 is the longest common subsequence.
    std::vector<int> row(b.size() + 1, 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        int diagonal = 0;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::max({above, row[j - 1], diagonal + (a[i - 1] == b[j - 1] ? 1 : 0)});
            diagonal = above;
        }
    }
    return static_cast<double>(row[b.size()]) / static_cast<double>(longer);
}

std::vector<int> repeatByDuration(const std::vector<int>& symbols, const std::vector<double>& durationsMs,
                                  double binMs, DurationRounding rounding) {
    std::vector<int> repeated;
    const std::size_t count = std::min(symbols.size(), durationsMs.size());
    for (std::size_t i = 0; i < count; ++i) {
        const double bins = durationsMs[i] / binMs;
        if (!std::isfinite(bins) || bins <= 0.0)
            continue;
        // A recording's duration is at most hours: cap the repetitions so a corrupt value cannot
        // allocate without bound (10^6 bins is 14 hours at 50 ms).
        const double times =
            std::min(rounding == DurationRounding::Round ? std::round(bins) : std::floor(bins), 1e6);
        repeated.insert(repeated.end(), static_cast<std::size_t>(times), symbols[i]);
    }
    return repeated;
}

} // namespace attnscope::scanpath
