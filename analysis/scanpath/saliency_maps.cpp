// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/saliency_maps.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace attnscope::scanpath {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMatlabEps = 2.2204e-16;

/// The distinct cells the fixations fall in.
std::vector<std::size_t> fixatedCells(const SaliencyMap& map, const std::vector<const Scanpath*>& paths) {
    std::set<std::size_t> cells;
    if (map.values.empty() || map.columns < 1 || map.rows < 1)
        return {};
    for (const Scanpath* path : paths)
        for (const Fixation& f : path->fixations)
            if (std::isfinite(f.x) && std::isfinite(f.y))
                cells.insert(map.cellOf(f.x, f.y));
    return {cells.begin(), cells.end()};
}

/// `map`'s values divided by their sum; empty when the sum is not positive.
std::vector<double> normalized(const SaliencyMap& map) {
    double total = 0.0;
    for (const double v : map.values)
        total += v;
    if (!(total > 0.0))
        return {};
    std::vector<double> out(map.values);
    for (double& v : out)
        v /= total;
    return out;
}

/// Σ_i term(P_i, Q_i) over two maps normalized to sum 1 (KL, SIM); NaN for different sizes or an all-zero
/// map.
template <typename Term>
double sumOverNormalizedPair(const SaliencyMap& a, const SaliencyMap& b, Term term) {
    if (a.values.size() != b.values.size())
        return kNaN;
    const std::vector<double> p = normalized(a), q = normalized(b);
    if (p.empty() || q.empty())
        return kNaN;
    double total = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i)
        total += term(p[i], q[i]);
    return total;
}

/// One blur pass along rows (horizontal) or columns with the kernel `weights` (centre at half its size).
std::vector<double> blurPass(const std::vector<double>& in, int columns, int rows,
                             const std::vector<double>& weights, bool horizontal) {
    std::vector<double> out(in.size(), 0.0);
    const int radius = static_cast<int>(weights.size() / 2);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c) {
            const double v = in[static_cast<std::size_t>(r) * columns + c];
            if (v == 0.0)
                continue;
            for (int k = -radius; k <= radius; ++k) {
                const int cc = horizontal ? c + k : c, rr = horizontal ? r : r + k;
                if (cc < 0 || cc >= columns || rr < 0 || rr >= rows)
                    continue;
                out[static_cast<std::size_t>(rr) * columns + cc] +=
                    v * weights[static_cast<std::size_t>(k + radius)];
            }
        }
    return out;
}

} // namespace

std::size_t SaliencyMap::cellOf(double x, double y) const {
    const auto index = [this](double value, int count) {
        const double cell = std::floor(value / cellPx);
        return static_cast<int>(
            std::clamp(std::isfinite(cell) ? cell : 0.0, 0.0, static_cast<double>(count - 1)));
    };
    return static_cast<std::size_t>(index(y, rows)) * columns + index(x, columns);
}

SaliencyMap fixationDensity(const std::vector<const Scanpath*>& paths, const DensityMapConfig& config) {
    SaliencyMap map;
    if (!(config.screenWidth > 0.0 && config.screenHeight > 0.0) || !std::isfinite(config.screenWidth) ||
        !std::isfinite(config.screenHeight) || config.maxCells < 1)
        return map;
    const double longer = std::max(config.screenWidth, config.screenHeight);
    map.cellPx = std::max(1.0, longer / config.maxCells);
    map.columns = std::max(1, static_cast<int>(std::ceil(config.screenWidth / map.cellPx)));
    map.rows = std::max(1, static_cast<int>(std::ceil(config.screenHeight / map.cellPx)));
    map.values.assign(static_cast<std::size_t>(map.columns) * map.rows, 0.0);
    for (const Scanpath* path : paths)
        for (const Fixation& f : path->fixations) {
            if (!std::isfinite(f.x) || !std::isfinite(f.y))
                continue;
            const double weight = config.durationWeighted ? f.durationMs : 1.0;
            if (std::isfinite(weight) && weight > 0.0)
                map.values[map.cellOf(f.x, f.y)] += weight;
        }
    const double sigma = config.sigmaPx / map.cellPx;
    if (!(sigma > 0.0) || !std::isfinite(sigma))
        return map;
    const int radius = std::min(static_cast<int>(std::ceil(3.0 * sigma)), std::max(map.columns, map.rows));
    std::vector<double> weights(static_cast<std::size_t>(2 * radius + 1));
    double total = 0.0;
    for (int k = -radius; k <= radius; ++k)
        total += weights[static_cast<std::size_t>(k + radius)] = std::exp(-0.5 * k * k / (sigma * sigma));
    for (double& w : weights)
        w /= total;
    map.values = blurPass(blurPass(map.values, map.columns, map.rows, weights, true), map.columns, map.rows,
                          weights, false);
    return map;
}

double normalizedScanpathSaliency(const SaliencyMap& map, const std::vector<const Scanpath*>& fixations) {
    const std::size_t n = map.values.size();
    if (n < 2)
        return kNaN;
    const std::vector<std::size_t> cells = fixatedCells(map, fixations);
    if (cells.empty())
        return kNaN;
    double mean = 0.0;
    for (const double v : map.values)
        mean += v;
    mean /= static_cast<double>(n);
    double squares = 0.0;
    for (const double v : map.values)
        squares += (v - mean) * (v - mean);
    const double sd = std::sqrt(squares / static_cast<double>(n - 1));
    if (!(sd > 0.0))
        return kNaN;
    double total = 0.0;
    for (const std::size_t c : cells)
        total += (map.values[c] - mean) / sd;
    return total / static_cast<double>(cells.size());
}

double aucJudd(const SaliencyMap& map, const std::vector<const Scanpath*>& fixations) {
    const std::vector<std::size_t> cells = fixatedCells(map, fixations);
    const std::size_t fixated = cells.size(), total = map.values.size();
    if (fixated == 0 || fixated >= total)
        return kNaN;
    std::vector<double> thresholds;
    for (const std::size_t c : cells)
        thresholds.push_back(map.values[c]);
    std::sort(thresholds.rbegin(), thresholds.rend());
    std::vector<double> sorted(map.values);
    std::sort(sorted.begin(), sorted.end());
    double area = 0.0, previousTp = 0.0, previousFp = 0.0;
    for (std::size_t i = 0; i < fixated; ++i) {
        const double above =
            static_cast<double>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), thresholds[i]));
        const double tp = static_cast<double>(i + 1) / static_cast<double>(fixated);
        const double fp = (above - static_cast<double>(i + 1)) / static_cast<double>(total - fixated);
        area += (fp - previousFp) * (tp + previousTp) / 2.0;
        previousTp = tp;
        previousFp = fp;
    }
    area += (1.0 - previousFp) * (1.0 + previousTp) / 2.0; // to (1, 1)
    return area;
}

double correlationCoefficient(const SaliencyMap& a, const SaliencyMap& b) {
    if (a.values.size() != b.values.size() || a.values.size() < 2)
        return kNaN;
    const std::size_t n = a.values.size();
    double ma = 0.0, mb = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        ma += a.values[i], mb += b.values[i];
    ma /= static_cast<double>(n);
    mb /= static_cast<double>(n);
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sab += (a.values[i] - ma) * (b.values[i] - mb);
        saa += (a.values[i] - ma) * (a.values[i] - ma);
        sbb += (b.values[i] - mb) * (b.values[i] - mb);
    }
    if (!(saa > 0.0) || !(sbb > 0.0))
        return kNaN;
    return sab / std::sqrt(saa * sbb);
}

double klDivergence(const SaliencyMap& predicted, const SaliencyMap& reference) {
    return sumOverNormalizedPair(predicted, reference, [](double p, double q) {
        return q * std::log(kMatlabEps + q / (p + kMatlabEps));
    });
}

double similarity(const SaliencyMap& a, const SaliencyMap& b) {
    return sumOverNormalizedPair(a, b, [](double p, double q) { return std::min(p, q); });
}

} // namespace attnscope::scanpath
