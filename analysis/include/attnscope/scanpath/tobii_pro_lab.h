// SPDX-License-Identifier: Apache-2.0
// Tobii Pro Lab's data export (SCANPATH.md §5.1): a TSV with one row per gaze sample (and per other
// sensor sample), where the fixation filter's output rides on every row — "Eye movement type" and its
// "Eye movement type index", the fixation's point and duration. Rows of one fixation collapse into one.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/scanpath.h"

#include <string>
#include <string_view>
#include <vector>

namespace attnscope::scanpath {

/// What a Tobii Pro Lab export held.
struct TobiiRecording {
    /// One per (participant, recording, stimulus) in order of first appearance, fixations by index.
    /// Fixation::aoi is the first "AOI hit [media - AOI]" column that is 1 on the first of the fixation's
    /// rows that carries its point; its start is its first row's timestamp.
    std::vector<Scanpath> scanpaths;
    std::vector<std::string> aoiNames; ///< per AOI id: the name inside "AOI hit [media - AOI]"
    int sampleRows = 0;                ///< data rows read
};

/// True when the header (the first line) names Tobii Pro Lab's eye-movement columns.
bool isTobiiProLabExport(std::string_view text);

/// Parses an export. Required columns: "Eye movement type", "Eye movement type index", "Fixation point X",
/// "Fixation point Y"; optional: "Participant name", "Recording name", "Presented Stimulus name",
/// "Gaze event duration" (ms) and "Recording timestamp" (μs, or ms when the header says "[ms]"). Column
/// names may carry a unit suffix ("Gaze event duration [ms]"). Errors name the file, line and column.
Expected<TobiiRecording> parseTobiiProLab(std::string_view text, const std::string& fileName);

} // namespace attnscope::scanpath
