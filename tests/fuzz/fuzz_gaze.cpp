// SPDX-License-Identifier: Apache-2.0
// Any byte string as a gaze file of every kind (fixation table, EyeLink ASC, Tobii Pro Lab, STI Amazon and
// COCO-Search18 JSON): refuse with a Status naming the file, or return scanpaths that every metric then takes
// without failing.
#include "attnscope/scanpath/coco_search.h"
#include "attnscope/scanpath/comparison.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/scanpath/tobii_pro_lab.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace attnscope::scanpath;

/// Each scanpath against the first, with simplification and temporal binning where durations allow.
void compareAll(const std::vector<Scanpath>& paths) {
    if (paths.empty())
        return;
    ComparisonConfig config;
    config.multiMatch.simplify = true;
    config.multiMatch.directionThresholdDeg = 45.0;
    config.multiMatch.durationThresholdS = 0.3;
    config.multiMatch.amplitudeThresholdPx = 100.0;
    for (std::size_t i = 0; i < paths.size() && i < 8; ++i) {
        ComparisonConfig used = config;
        const bool durations = paths[0].hasDurations() && paths[i].hasDurations();
        used.multiMatch.simplify = durations;
        used.scanMatch.tempBinMs = durations ? 50.0 : 0.0;
        auto result = compareScanpaths(paths[0], paths[i], used);
        // Positions are finite by the parsers' contract, so a refusal here is a bug; long inputs are
        // the one exception MultiMatch states (too many saccade pairs).
        if (!result && result.status().message().find("too long") == std::string::npos)
            __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto format = detectTableFormat(text, "fuzz.csv");
    if (!attnscope::fuzz::refused(format, "fuzz.csv")) {
        auto table = parseFixationTable(text, *format, "fuzz.csv");
        if (!attnscope::fuzz::refused(table, "fuzz.csv"))
            compareAll(table->scanpaths);
    }
    auto asc = parseEyeLinkAsc(text, "fuzz.asc");
    if (!attnscope::fuzz::refused(asc, "fuzz.asc")) {
        if (asc->scanpaths.size() != asc->interestAreas.size())
            __builtin_trap();
        compareAll(asc->scanpaths);
    }
    auto tobii = parseTobiiProLab(text, "fuzz.tsv");
    if (!attnscope::fuzz::refused(tobii, "fuzz.tsv"))
        compareAll(tobii->scanpaths);
    auto trials = parseCocoSearch(text, "fuzz.json");
    if (!attnscope::fuzz::refused(trials, "fuzz.json")) {
        std::vector<Scanpath> paths;
        for (const SearchTrial& trial : *trials)
            paths.push_back(trial.scanpath);
        compareAll(paths);
    }
    auto images = parseStiAmazon(text, "fuzz.json");
    if (!attnscope::fuzz::refused(images, "fuzz.json"))
        for (const StiImage& image : *images)
            compareAll(image.scanpaths);
    return 0;
}
