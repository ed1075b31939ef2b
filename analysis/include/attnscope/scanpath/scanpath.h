// SPDX-License-Identifier: Apache-2.0
// Gaze scanpaths: fixations in screen pixels, areas of interest and the object-level (AOI id) form.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace attnscope::scanpath {

/// A value the recording does not have (durations of the STI Amazon set, an eye not tracked).
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

/// Which eye a fixation was measured on.
enum class Eye { Unknown, Left, Right, Both };

/// One fixation. Pixels with the origin at the top left and +y down; times in milliseconds.
struct Fixation {
    double x = 0.0;
    double y = 0.0;
    double startMs = kMissing;    ///< from the recording's own clock; kMissing when not recorded
    double durationMs = kMissing; ///< kMissing when the recording has no durations
    Eye eye = Eye::Unknown;
    int aoi = -1;  ///< the area of interest it falls in, -1 when none was assigned
    int word = -1; ///< the word it falls on (reading data), -1 when none
};

/// The fixations of one viewer on one stimulus in one trial.
struct Scanpath {
    std::string stimulusId;
    std::string subjectId;
    std::string trialId;
    double screenWidth = 0.0; ///< pixels; 0 when the source does not say
    double screenHeight = 0.0;
    std::vector<Fixation> fixations;

    /// True when every fixation has a finite, non-negative duration (and there is at least one).
    bool hasDurations() const;
};

/// A rectangular area of interest (EyeLink RECTANGLE interest areas, object boxes).
struct AoiBox {
    int id = 0;
    double left = 0.0, top = 0.0, right = 0.0, bottom = 0.0;
    std::string label;

    bool contains(double x, double y) const { return x >= left && x < right && y >= top && y < bottom; }
    double centreX() const { return 0.5 * (left + right); }
    double centreY() const { return 0.5 * (top + bottom); }
};

/// What a fixation outside every box becomes.
enum class OffAoi {
    Nearest, ///< the box whose centre is nearest (OAT's preprocessing, SCANPATH.md §1.4)
    None,    ///< -1, "no AOI" (GazePlotter)
};

/// The id of the first box containing (x, y); otherwise per `offAoi`. -1 when `boxes` is empty.
int aoiAt(const std::vector<AoiBox>& boxes, double x, double y, OffAoi offAoi);

/// A regular grid of cells over a width × height area; cell id = row · columns + column (row-major,
/// OAT's object indices and ScanMatch's bins). Points outside the area are clamped to the border cells.
struct AoiGrid {
    int columns = 1;
    int rows = 1;
    double width = 1.0;
    double height = 1.0;

    int cellAt(double x, double y) const;
    int column(int cell) const { return cell % columns; }
    int row(int cell) const { return cell / columns; }
    double cellCentreX(int cell) const { return (column(cell) + 0.5) * width / columns; }
    double cellCentreY(int cell) const { return (row(cell) + 0.5) * height / rows; }
};

/// The AOI sequence of a scanpath: each fixation's cell in `grid`.
std::vector<int> gridSequence(const Scanpath& path, const AoiGrid& grid);
/// The AOI sequence of a scanpath over boxes (fixations outside every box per `offAoi`; -1 entries kept).
std::vector<int> boxSequence(const Scanpath& path, const std::vector<AoiBox>& boxes, OffAoi offAoi);

} // namespace attnscope::scanpath
