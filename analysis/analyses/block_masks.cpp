// SPDX-License-Identifier: Apache-2.0
// Block-level masks over K4 statistics: SeerAttention's ground truth and oracle curves, and the pattern
// class of a head (METHODS.md 6 and issue 6's taxonomy of patterns).
#include "attnscope/analyses/sparsity.h"

#include <algorithm>
#include <numeric>

namespace attnscope::analyses {

namespace {

double causalBlocks(int n) {
    return 0.5 * static_cast<double>(n) * (n + 1);
}

double totalMass(const BlockGrid& grid) {
    return std::accumulate(grid.sum.begin(), grid.sum.end(), 0.0);
}

} // namespace

BlockGrid blockGridOf(const kernels::ProbeResult& probe, int queryHeads, int head, int tokens, int probeBlock,
                      int factor) {
    BlockGrid grid;
    const int fine = probe.blockRows;
    const std::size_t cells = static_cast<std::size_t>(fine) * probe.blockCols;
    grid.blocks = (fine + factor - 1) / factor;
    grid.tokens = tokens;
    grid.blockSize = probeBlock * factor;
    grid.sum.assign(static_cast<std::size_t>(grid.blocks) * grid.blocks, 0.0);
    grid.max.assign(grid.sum.size(), 0.0);
    if (head < 0 || head >= queryHeads || probe.blockSum.size() < cells * (head + 1))
        return grid;
    const float* sum = probe.blockSum.data() + cells * head;
    const float* max =
        probe.blockMax.size() >= cells * (head + 1) ? probe.blockMax.data() + cells * head : nullptr;
    for (int i = 0; i < fine; ++i)
        for (int j = 0; j < std::min(fine, probe.blockCols); ++j) {
            const std::size_t from = static_cast<std::size_t>(i) * probe.blockCols + j;
            const std::size_t to = static_cast<std::size_t>(i / factor) * grid.blocks + j / factor;
            grid.sum[to] += sum[from];
            if (max)
                grid.max[to] = std::max(grid.max[to], static_cast<double>(max[from]));
        }
    return grid;
}

MaskMetrics blockMaskMetrics(const BlockGrid& grid, const std::vector<uint8_t>& mask) {
    MaskMetrics m;
    const double total = totalMass(grid);
    double kept = 0, count = 0;
    for (int i = 0; i < grid.blocks; ++i)
        for (int j = 0; j <= i; ++j)
            if (mask[static_cast<std::size_t>(i) * grid.blocks + j]) {
                kept += grid.sumAt(i, j);
                count += 1;
            }
    m.density = grid.blocks ? count / causalBlocks(grid.blocks) : 1.0;
    m.recall = total > 0 ? kept / total : 1.0;
    return m;
}

std::vector<double> seerGroundTruth(const BlockGrid& grid) {
    std::vector<double> gt = grid.max;
    for (int i = 0; i < grid.blocks; ++i) {
        double row = 0;
        for (int j = 0; j <= i; ++j)
            row += gt[static_cast<std::size_t>(i) * grid.blocks + j];
        for (int j = 0; j < grid.blocks; ++j) {
            double& v = gt[static_cast<std::size_t>(i) * grid.blocks + j];
            v = j <= i && row > 0 ? v / row : 0.0;
        }
    }
    return gt;
}

std::vector<MaskMetrics> seerThresholdCurve(const BlockGrid& grid, const std::vector<double>& thresholds,
                                            int denseLastRows) {
    const std::vector<double> gt = seerGroundTruth(grid);
    std::vector<MaskMetrics> curve;
    for (double t : thresholds) {
        std::vector<uint8_t> mask(gt.size(), 0);
        for (int i = 0; i < grid.blocks; ++i)
            for (int j = 0; j <= i; ++j)
                mask[static_cast<std::size_t>(i) * grid.blocks + j] =
                    i >= grid.blocks - denseLastRows || gt[static_cast<std::size_t>(i) * grid.blocks + j] > t;
        MaskMetrics m = blockMaskMetrics(grid, mask);
        m.knob = t;
        curve.push_back(m);
    }
    return curve;
}

std::vector<MaskMetrics> oracleBlockCurve(const BlockGrid& grid, const std::vector<double>& targets) {
    std::vector<double> masses;
    for (int i = 0; i < grid.blocks; ++i)
        for (int j = 0; j <= i; ++j)
            masses.push_back(grid.sumAt(i, j));
    std::sort(masses.begin(), masses.end(), std::greater<>());
    const double total = totalMass(grid);
    std::vector<MaskMetrics> curve;
    for (double target : targets) {
        double kept = 0;
        std::size_t count = 0;
        while (count < masses.size() && kept < target * total - 1e-12)
            kept += masses[count++];
        curve.push_back({target, masses.empty() ? 1.0 : static_cast<double>(count) / masses.size(),
                         total > 0 ? kept / total : 1.0});
    }
    return curve;
}

const char* patternName(PatternClass pattern) {
    switch (pattern) {
    case PatternClass::AShape:
        return "a-shape";
    case PatternClass::VerticalSlash:
        return "vertical-slash";
    case PatternClass::BlockSparse:
        return "block-sparse";
    case PatternClass::Diffuse:
        return "diffuse";
    }
    return "?";
}

namespace {

/// Sink column (optional) plus the last w block diagonals: the smallest density reaching `target`.
double aShapeDensity(const BlockGrid& grid, double target) {
    const int n = grid.blocks;
    const double total = totalMass(grid), all = causalBlocks(n);
    double column0 = 0;
    for (int i = 0; i < n; ++i)
        column0 += grid.sumAt(i, 0);
    double best = 1.0;
    for (int withSink = 0; withSink < 2; ++withSink) {
        double diagonals = 0, onDiagonals0 = 0, count = 0;
        for (int w = 1; w <= n; ++w) {
            const int o = w - 1;
            for (int i = o; i < n; ++i)
                diagonals += grid.sumAt(i, i - o);
            onDiagonals0 += grid.sumAt(o, 0); // block (o, 0) lies on diagonal o
            count += n - o;
            const double kept = diagonals + (withSink ? column0 - onDiagonals0 : 0.0);
            const double blocks = count + (withSink ? n - w : 0);
            if (kept >= target * total - 1e-12) {
                best = std::min(best, blocks / all);
                break;
            }
        }
    }
    return best;
}

/// Whole block columns and block diagonals taken greedily by mass per block until the union reaches
/// `target` (the union counted exactly on the grid).
double verticalSlashDensity(const BlockGrid& grid, double target) {
    const int n = grid.blocks;
    struct Candidate {
        bool column;
        int index;
        double perBlock;
    };
    std::vector<Candidate> candidates;
    for (int k = 0; k < n; ++k) {
        double column = 0, diagonal = 0;
        for (int i = k; i < n; ++i) {
            column += grid.sumAt(i, k);
            diagonal += grid.sumAt(i, i - k);
        }
        candidates.push_back({true, k, column / (n - k)});
        candidates.push_back({false, k, diagonal / (n - k)});
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.perBlock > b.perBlock; });
    std::vector<uint8_t> taken(static_cast<std::size_t>(n) * n, 0);
    const double total = totalMass(grid);
    double kept = 0, count = 0;
    for (const Candidate& c : candidates) {
        for (int i = c.index; i < n; ++i) {
            const int j = c.column ? c.index : i - c.index;
            uint8_t& cell = taken[static_cast<std::size_t>(i) * n + j];
            if (!cell) {
                cell = 1;
                kept += grid.sumAt(i, j);
                count += 1;
            }
        }
        if (kept >= target * total - 1e-12)
            break;
    }
    return count / causalBlocks(n);
}

} // namespace

PatternFit classifyPattern(const BlockGrid& grid, double recall, double tolerance, double diffuseDensity) {
    PatternFit fit;
    if (grid.blocks == 0)
        return fit;
    fit.oracleDensity = oracleBlockCurve(grid, {recall}).front().density;
    fit.aShapeDensity = aShapeDensity(grid, recall);
    fit.verticalSlashDensity = verticalSlashDensity(grid, recall);
    const double slack = 2.0 / (grid.blocks + 1); // one block row of the causal grid
    const double fits = tolerance * fit.oracleDensity + slack;
    if (fit.oracleDensity > diffuseDensity)
        fit.pattern = PatternClass::Diffuse;
    else if (fit.aShapeDensity <= fits)
        fit.pattern = PatternClass::AShape;
    else if (fit.verticalSlashDensity <= fits)
        fit.pattern = PatternClass::VerticalSlash;
    else
        fit.pattern = PatternClass::BlockSparse;
    return fit;
}

} // namespace attnscope::analyses
