// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/scanmatch.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnscope::scanpath {

namespace {

bool positiveFinite(double value) {
    return std::isfinite(value) && value > 0.0;
}

} // namespace

Status checkScanMatchConfig(const ScanMatchConfig& config) {
    if (config.xBins < 1 || config.yBins < 1 || config.xBins > 10000 || config.yBins > 10000)
        return Status::invalidArgument("the grid needs 1 to 10000 bins per axis").atField("bins");
    if (!positiveFinite(config.screenWidth) || !positiveFinite(config.screenHeight))
        return Status::invalidArgument("the screen size must be positive").atField("screen");
    if (!positiveFinite(config.threshold))
        return Status::invalidArgument("the substitution threshold must be positive").atField("threshold");
    if (!std::isfinite(config.gap))
        return Status::invalidArgument("the gap value must be finite").atField("gap");
    if (!std::isfinite(config.tempBinMs) || config.tempBinMs < 0.0)
        return Status::invalidArgument("the temporal bin must be 0 (off) or a positive number of ms")
            .atField("temp_bin_ms");
    return Status::ok();
}

double scanMatchSubstitution(int a, int b, const ScanMatchConfig& config) {
    const double dx = a % config.xBins - b % config.xBins;
    const double dy = a / config.xBins - b / config.xBins;
    // MATLAB writes |dist − max| − (max − T), which is T − dist for every dist ≤ max.
    return config.threshold - std::sqrt(dx * dx + dy * dy);
}

Expected<std::vector<int>> scanMatchSequence(const Scanpath& path, const ScanMatchConfig& config) {
    if (Status checked = checkScanMatchConfig(config); !checked.isOk())
        return checked;
    const AoiGrid grid{config.xBins, config.yBins, config.screenWidth, config.screenHeight};
    std::vector<int> bins = gridSequence(path, grid);
    if (config.tempBinMs <= 0.0)
        return bins;
    if (!path.hasDurations() && !path.fixations.empty())
        return Status::invalidArgument("temporal binning needs every fixation's duration; this scanpath "
                                       "has none or some are missing")
            .atField("temp_bin_ms");
    std::vector<double> durations;
    durations.reserve(path.fixations.size());
    double total = 0.0;
    for (const Fixation& f : path.fixations) {
        durations.push_back(f.durationMs);
        total += f.durationMs / config.tempBinMs + 0.5;
    }
    // Bounded before allocating: a corrupt duration (hours) must not become a billion symbols.
    if (total > 2e7)
        return Status::invalidArgument(
                   "the scanpath is too long to bin: more than 2·10^7 temporal bins; use a "
                   "longer temporal bin")
            .atField("temp_bin_ms");
    return repeatByDuration(bins, durations, config.tempBinMs, config.rounding);
}

double scanMatchScore(const std::vector<int>& a, const std::vector<int>& b, const ScanMatchConfig& config) {
    const std::size_t n = a.size(), m = b.size();
    if (std::max(n, m) == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const double g = config.gap;
    // The border: MATLAB F(i,0) = g·i; the port, as SCANPATH.md §2.2 reads it, g·(i+1) for i ≥ 1.
    const double shift = config.pythonPortCompat ? 1.0 : 0.0;
    const auto border = [&](std::size_t k) {
        return k == 0 ? 0.0 : g * (static_cast<double>(k) + shift);
    };
    std::vector<double> previous(m + 1), current(m + 1);
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j <= m; ++j) {
        previous[j] = border(j);
        best = std::max(best, previous[j]);
    }
    for (std::size_t i = 1; i <= n; ++i) {
        current[0] = border(i);
        best = std::max(best, current[0]);
        for (std::size_t j = 1; j <= m; ++j) {
            current[j] = std::max({previous[j - 1] + scanMatchSubstitution(a[i - 1], b[j - 1], config),
                                   previous[j] + g, current[j - 1] + g});
            best = std::max(best, current[j]);
        }
        std::swap(previous, current);
    }
    const double score = config.pythonPortCompat ? best : previous[m];
    return score / (config.threshold * static_cast<double>(std::max(n, m)));
}

Expected<double> scanMatch(const Scanpath& a, const Scanpath& b, const ScanMatchConfig& config) {
    auto first = scanMatchSequence(a, config);
    if (!first)
        return first.status();
    auto second = scanMatchSequence(b, config);
    if (!second)
        return second.status();
    // The alignment visits every pair of bins: temporal binning of long fixations can make that slow.
    if (static_cast<double>(first->size()) * static_cast<double>(second->size()) > kMaxAlignedPairs)
        return Status::invalidArgument("the binned sequences are too long to align (" +
                                       std::to_string(first->size()) + " × " +
                                       std::to_string(second->size()) +
                                       " bins; more than 4·10^8 pairs): use a longer temporal bin")
            .atField("temp_bin_ms");
    return scanMatchScore(*first, *second, config);
}

} // namespace attnscope::scanpath
