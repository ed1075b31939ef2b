// SPDX-License-Identifier: Apache-2.0
// OAT's behavioural statistics of object-level scanpaths and their delta (SCANPATH.md §1.5).
#pragma once

#include "attnscope/scanpath/scanpath.h"

#include <vector>

namespace attnscope::scanpath {

/// One scanpath's behaviour, or a mean over scanpaths. search + refix + revisit = 1 for one scanpath.
struct BehaviouralStats {
    double correct = kMissing; ///< 1 when the last fixation is on the target, else 0
    double length = kMissing;  ///< fixations
    double search = kMissing;  ///< runs of a new object / length
    double refix = kMissing;   ///< Σ (run length − 1) / length: immediate re-fixations
    double revisit = kMissing; ///< runs of an object seen in an earlier run / length
};

/// The statistics of one AOI sequence with `target` the searched object; all NaN when it is empty.
BehaviouralStats behaviouralStats(const std::vector<int>& sequence, int target);

/// The mean of each statistic over `stats` (NaN entries skipped; NaN when none is finite).
BehaviouralStats meanBehaviour(const std::vector<BehaviouralStats>& stats);

/// OAT's delta: (1/5) Σ_k |model_k − human_k| / human_k over correct, length, search, refix and
/// revisit. Lower is better. NaN when a human statistic is 0 or missing (the ratio is undefined; the
/// reference would divide by zero).
double behaviouralDelta(const BehaviouralStats& model, const BehaviouralStats& human);

} // namespace attnscope::scanpath
