// SPDX-License-Identifier: Apache-2.0
// COCO-Search18 (Chen et al. 2021; the target-present/absent search scanpaths Gazeformer and OAT's
// successors are evaluated on, SCANPATH.md §5.1): a JSON list of trials, each with its image, subject,
// task (the target category), condition, target box and the fixations as parallel X, Y, T lists.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/scanpath.h"

#include <string>
#include <string_view>
#include <vector>

namespace attnscope::scanpath {

/// The display COCO-Search18's images were shown on, in pixels: every trial's screen.
constexpr double kCocoSearchWidth = 1680.0;
constexpr double kCocoSearchHeight = 1050.0;

/// One search trial.
struct SearchTrial {
    Scanpath scanpath; ///< stimulus = image name, subject, trial = "task/condition"; durations from T (ms)
    std::string task;  ///< the target category ("bottle")
    std::string condition;      ///< "present" or "absent"
    std::vector<AoiBox> target; ///< the bbox [x, y, w, h] as a box (empty when the trial has none)
};

/// True when `text` (after a byte-order mark and whitespace) is a JSON list: COCO-Search18's layout, not
/// STI's object.
bool looksLikeCocoSearch(std::string_view text);

/// Parses the list. Required per trial: "name", "X", "Y" (equal lengths, finite); optional: "T" (durations
/// in ms, the same length), "subject" (number or string), "task", "condition", "bbox" ([x, y, w, h], w and h
/// ≥ 0). Errors name the file and the JSON path ("[12].X[3]").
Expected<std::vector<SearchTrial>> parseCocoSearch(std::string_view text, const std::string& fileName);

} // namespace attnscope::scanpath
