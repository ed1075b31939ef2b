// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/scanpath.h"

#include <algorithm>

namespace attnscope::scanpath {

bool Scanpath::hasDurations() const {
    if (fixations.empty())
        return false;
    return std::all_of(fixations.begin(), fixations.end(),
                       [](const Fixation& f) { return std::isfinite(f.durationMs) && f.durationMs >= 0.0; });
}

int aoiAt(const std::vector<AoiBox>& boxes, double x, double y, OffAoi offAoi) {
    for (const AoiBox& box : boxes)
        if (box.contains(x, y))
            return box.id;
    if (offAoi == OffAoi::None || boxes.empty())
        return -1;
    const AoiBox* nearest = &boxes.front();
    double best = std::numeric_limits<double>::infinity();
    for (const AoiBox& box : boxes) {
        const double dx = box.centreX() - x, dy = box.centreY() - y;
        const double distance = dx * dx + dy * dy;
        if (distance < best) { // the first of equally near boxes wins: deterministic
            best = distance;
            nearest = &box;
        }
    }
    return nearest->id;
}

int AoiGrid::cellAt(double x, double y) const {
    // floor(x / cell width), clamped: a fixation just off the stimulus belongs to the border cell.
    const auto index = [](double value, double extent, int count) {
        if (!(extent > 0.0) || count <= 1 || !std::isfinite(value))
            return 0;
        const double scaled = std::floor(value / (extent / count));
        return static_cast<int>(std::clamp(scaled, 0.0, static_cast<double>(count - 1)));
    };
    return index(y, height, rows) * columns + index(x, width, columns);
}

std::vector<int> gridSequence(const Scanpath& path, const AoiGrid& grid) {
    std::vector<int> sequence;
    sequence.reserve(path.fixations.size());
    for (const Fixation& f : path.fixations)
        sequence.push_back(grid.cellAt(f.x, f.y));
    return sequence;
}

std::vector<int> boxSequence(const Scanpath& path, const std::vector<AoiBox>& boxes, OffAoi offAoi) {
    std::vector<int> sequence;
    sequence.reserve(path.fixations.size());
    for (const Fixation& f : path.fixations)
        sequence.push_back(aoiAt(boxes, f.x, f.y, offAoi));
    return sequence;
}

} // namespace attnscope::scanpath
