// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/behaviour.h"

#include <array>
#include <cmath>
#include <set>

namespace attnscope::scanpath {

namespace {

std::array<double BehaviouralStats::*, 5> members() {
    return {&BehaviouralStats::correct, &BehaviouralStats::length, &BehaviouralStats::search,
            &BehaviouralStats::refix, &BehaviouralStats::revisit};
}

} // namespace

BehaviouralStats behaviouralStats(const std::vector<int>& sequence, int target) {
    BehaviouralStats stats;
    if (sequence.empty())
        return stats;
    const double length = static_cast<double>(sequence.size());
    std::set<int> seen;
    double searchRuns = 0.0, revisitRuns = 0.0, refixations = 0.0;
    for (std::size_t start = 0; start < sequence.size();) {
        std::size_t end = start + 1;
        while (end < sequence.size() && sequence[end] == sequence[start])
            ++end;
        refixations += static_cast<double>(end - start - 1);
        if (seen.insert(sequence[start]).second)
            searchRuns += 1.0;
        else
            revisitRuns += 1.0;
        start = end;
    }
    stats.correct = sequence.back() == target ? 1.0 : 0.0;
    stats.length = length;
    stats.search = searchRuns / length;
    stats.refix = refixations / length;
    stats.revisit = revisitRuns / length;
    return stats;
}

BehaviouralStats meanBehaviour(const std::vector<BehaviouralStats>& stats) {
    BehaviouralStats mean;
    for (const auto member : members()) {
        double total = 0.0;
        int count = 0;
        for (const BehaviouralStats& s : stats)
            if (std::isfinite(s.*member)) {
                total += s.*member;
                ++count;
            }
        mean.*member = count > 0 ? total / count : kMissing;
    }
    return mean;
}

double behaviouralDelta(const BehaviouralStats& model, const BehaviouralStats& human) {
    double total = 0.0;
    for (const auto member : members()) {
        const double h = human.*member, m = model.*member;
        if (!std::isfinite(h) || !std::isfinite(m) || h == 0.0)
            return kMissing;
        total += std::abs(m - h) / h;
    }
    return total / 5.0;
}

} // namespace attnscope::scanpath
