// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/comparison.h"

#include "attnscope/scanpath/geometric_metrics.h"
#include "attnscope/scanpath/saliency_maps.h"
#include "attnscope/scanpath/sequence_metrics.h"

#include <algorithm>
#include <cmath>

namespace attnscope::scanpath {

namespace {

nlohmann::json number(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

/// Adds `value` to a running mean unless it is NaN.
struct Mean {
    double total = 0.0;
    int count = 0;
    void add(double value) {
        if (std::isfinite(value)) {
            total += value;
            ++count;
        }
    }
    double value() const { return count > 0 ? total / count : kMissing; }
};

} // namespace

std::vector<int> alphabetSequence(const Scanpath& path, const ComparisonConfig& config) {
    std::vector<int> sequence;
    if (config.alphabet == Alphabet::Aoi) {
        for (const Fixation& f : path.fixations)
            sequence.push_back(f.aoi);
    } else {
        const ScanMatchConfig& grid = config.scanMatch;
        sequence = gridSequence(path, AoiGrid{grid.xBins, grid.yBins, grid.screenWidth, grid.screenHeight});
    }
    return config.collapseRepeats ? collapseRepeats(sequence) : sequence;
}

Expected<Comparison> compareScanpaths(const Scanpath& a, const Scanpath& b, const ComparisonConfig& config) {
    if (Status s = checkScanMatchConfig(config.scanMatch); !s.isOk())
        return std::move(s).context("ScanMatch");
    // Every metric here is quadratic in the fixations.
    if (static_cast<double>(a.fixations.size()) * static_cast<double>(b.fixations.size()) > kMaxAlignedPairs)
        return Status::invalidArgument(
            "the scanpaths are too long to compare (" + std::to_string(a.fixations.size()) + " × " +
            std::to_string(b.fixations.size()) + " fixations; more than 4·10^8 pairs)");
    if (config.alphabet == Alphabet::Aoi) {
        const auto assigned = [](const Scanpath& path) {
            return std::any_of(path.fixations.begin(), path.fixations.end(),
                               [](const Fixation& f) { return f.aoi >= 0; });
        };
        if (!assigned(a) && !assigned(b))
            return Status::invalidArgument(
                       "no fixation lies in an area of interest: the recordings carry none "
                       "(EyeLink interest areas, a Data Viewer or --aoi-column column)")
                .atField("alphabet");
    }
    if (!std::isfinite(config.mapSigmaPx) || config.mapSigmaPx <= 0.0)
        return Status::invalidArgument("the density maps' sigma must be a positive number of pixels")
            .atField("map_sigma");
    Comparison comparison;
    auto multi = multiMatch(a, b, config.multiMatch);
    if (!multi)
        return multi.status();
    comparison.multiMatch = *multi;
    auto scan = scanMatch(a, b, config.scanMatch);
    if (!scan)
        return scan.status();
    comparison.scanMatch = *scan;
    const std::vector<int> first = alphabetSequence(a, config), second = alphabetSequence(b, config);
    comparison.sequenceScore = sequenceScore(first, second);
    comparison.editDistance = editDistance(first, second);
    comparison.editSimilarity = editSimilarity(first, second);
    const std::vector<Point> p = positions(a), q = positions(b);
    comparison.dtw = dynamicTimeWarping(p, q);
    comparison.frechet = discreteFrechet(p, q);
    comparison.hausdorff = hausdorff(p, q);
    comparison.eyenalysis = eyenalysis(p, q);
    DensityMapConfig density;
    density.screenWidth = config.multiMatch.screenWidth;
    density.screenHeight = config.multiMatch.screenHeight;
    density.sigmaPx = config.mapSigmaPx;
    density.durationWeighted = config.mapDurationWeighted;
    const SaliencyMap predicted = fixationDensity({&a}, density), reference = fixationDensity({&b}, density);
    comparison.maps.cc = correlationCoefficient(predicted, reference);
    comparison.maps.sim = similarity(predicted, reference);
    comparison.maps.kl = klDivergence(predicted, reference);
    comparison.maps.nss = normalizedScanpathSaliency(predicted, {&b});
    comparison.maps.aucJudd = aucJudd(predicted, {&b});
    return comparison;
}

Expected<Comparison> meanPairwiseComparison(const std::vector<Scanpath>& paths,
                                            const ComparisonConfig& config) {
    if (paths.size() < 2)
        return Status::invalidArgument("agreement needs at least two scanpaths of the stimulus");
    Mean vector, direction, length, position, duration, scan, sequence, edit, similarity, dtw, frechet, haus,
        eye;
    Mean cc, sim, kl, nss, auc;
    for (std::size_t i = 0; i < paths.size(); ++i)
        for (std::size_t j = i + 1; j < paths.size(); ++j) {
            auto c = compareScanpaths(paths[i], paths[j], config);
            if (!c)
                return c.status();
            vector.add(c->multiMatch.vector);
            direction.add(c->multiMatch.direction);
            length.add(c->multiMatch.length);
            position.add(c->multiMatch.position);
            duration.add(c->multiMatch.duration);
            scan.add(c->scanMatch);
            sequence.add(c->sequenceScore);
            edit.add(c->editDistance);
            similarity.add(c->editSimilarity);
            dtw.add(c->dtw);
            frechet.add(c->frechet);
            haus.add(c->hausdorff);
            eye.add(c->eyenalysis);
            cc.add(c->maps.cc);
            sim.add(c->maps.sim);
            kl.add(c->maps.kl);
            nss.add(c->maps.nss);
            auc.add(c->maps.aucJudd);
        }
    Comparison mean;
    mean.multiMatch = {vector.value(),   direction.value(), length.value(),
                       position.value(), duration.value(),  0};
    mean.scanMatch = scan.value();
    mean.sequenceScore = sequence.value();
    mean.editDistance = static_cast<int>(std::lround(edit.value()));
    mean.editSimilarity = similarity.value();
    mean.dtw = dtw.value();
    mean.frechet = frechet.value();
    mean.hausdorff = haus.value();
    mean.eyenalysis = eye.value();
    mean.maps = {cc.value(), sim.value(), kl.value(), nss.value(), auc.value()};
    return mean;
}

nlohmann::json comparisonToJson(const Comparison& c) {
    return {{"multimatch",
             {{"vector", number(c.multiMatch.vector)},
              {"direction", number(c.multiMatch.direction)},
              {"length", number(c.multiMatch.length)},
              {"position", number(c.multiMatch.position)},
              {"duration", number(c.multiMatch.duration)},
              {"aligned_pairs", c.multiMatch.alignedPairs}}},
            {"scanmatch", number(c.scanMatch)},
            {"sequence_score", number(c.sequenceScore)},
            {"edit_distance", c.editDistance},
            {"edit_similarity", number(c.editSimilarity)},
            {"dtw", number(c.dtw)},
            {"frechet", number(c.frechet)},
            {"hausdorff", number(c.hausdorff)},
            {"eyenalysis", number(c.eyenalysis)},
            {"maps",
             {{"cc", number(c.maps.cc)},
              {"sim", number(c.maps.sim)},
              {"kl", number(c.maps.kl)},
              {"nss", number(c.maps.nss)},
              {"auc_judd", number(c.maps.aucJudd)}}}};
}

nlohmann::json comparisonConfigToJson(const ComparisonConfig& config) {
    const MultiMatchConfig& mm = config.multiMatch;
    const ScanMatchConfig& sm = config.scanMatch;
    return {{"multimatch",
             {{"screen", {mm.screenWidth, mm.screenHeight}},
              {"simplify", mm.simplify},
              {"direction_threshold_deg", mm.directionThresholdDeg},
              {"duration_threshold_s", mm.durationThresholdS},
              {"amplitude_threshold_px", mm.amplitudeThresholdPx}}},
            {"scanmatch",
             {{"screen", {sm.screenWidth, sm.screenHeight}},
              {"bins", {sm.xBins, sm.yBins}},
              {"threshold", sm.threshold},
              {"gap", sm.gap},
              {"temp_bin_ms", sm.tempBinMs},
              {"rounding", sm.rounding == DurationRounding::Round ? "round" : "floor"},
              {"semantics", sm.pythonPortCompat ? "python-port" : "matlab"}}},
            {"maps", {{"sigma_px", config.mapSigmaPx}, {"duration_weighted", config.mapDurationWeighted}}},
            {"alphabet", config.alphabet == Alphabet::Grid ? "grid" : "aoi"},
            {"collapse_repeats", config.collapseRepeats}};
}

} // namespace attnscope::scanpath
