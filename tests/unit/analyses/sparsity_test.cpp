// SPDX-License-Identifier: Apache-2.0
// Sparse-attention masks (METHODS.md 1, 5-8): hand-known block grids (all mass on token 0, uniform
// rows, a stripe, a non-diagonal block pattern), FlexPrefill's decision, SnapKV's pooling, TokenSelect's
// vote, and every method on real kernel statistics against dense P — including the kernel's own K8
// recall for FlexPrefill's block mask, GQA, and N = 1.
#include "attnscope/analyses/sparsity.h"

#include "captured_layer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

using namespace attnscope;
using analyses::BlockGrid;
using analyses::PatternClass;

namespace {

/// A grid where row i puts all its mass on key target(i) (a one-hot P).
BlockGrid oneHotGrid(int tokens, int block, const std::function<int(int)>& target) {
    BlockGrid g;
    g.tokens = tokens;
    g.blockSize = block;
    g.blocks = (tokens + block - 1) / block;
    g.sum.assign(static_cast<std::size_t>(g.blocks) * g.blocks, 0.0);
    g.max = g.sum;
    for (int i = 0; i < tokens; ++i) {
        const std::size_t cell = static_cast<std::size_t>(i / block) * g.blocks + target(i) / block;
        g.sum[cell] += 1.0;
        g.max[cell] = 1.0;
    }
    return g;
}

/// Uniform causal rows.
BlockGrid uniformGrid(int tokens, int block) {
    BlockGrid g = oneHotGrid(tokens, block, [](int i) { return i; });
    std::fill(g.sum.begin(), g.sum.end(), 0.0);
    std::fill(g.max.begin(), g.max.end(), 0.0);
    for (int i = 0; i < tokens; ++i)
        for (int j = 0; j <= i; ++j) {
            const std::size_t cell = static_cast<std::size_t>(i / block) * g.blocks + j / block;
            g.sum[cell] += 1.0 / (i + 1);
            g.max[cell] = std::max(g.max[cell], 1.0 / (i + 1));
        }
    return g;
}

} // namespace

TEST(Sparsity, AllMassOnTokenZero) {
    const BlockGrid g = oneHotGrid(1024, 64, [](int) { return 0; });
    const std::vector<double> gt = analyses::seerGroundTruth(g);
    for (int i = 0; i < g.blocks; ++i) {
        EXPECT_DOUBLE_EQ(gt[static_cast<std::size_t>(i) * g.blocks], 1.0);
        for (int j = 1; j <= i; ++j)
            EXPECT_DOUBLE_EQ(gt[static_cast<std::size_t>(i) * g.blocks + j], 0.0);
    }
    const auto curve = analyses::seerThresholdCurve(g, {0.5}, 2);
    EXPECT_DOUBLE_EQ(curve[0].recall, 1.0);
    // Column 0 (16 blocks) plus the rest of the last two block rows (14 + 15 blocks), of 136.
    EXPECT_NEAR(curve[0].density, (16.0 + 14.0 + 15.0) / 136.0, 1e-12);
    const auto oracle = analyses::oracleBlockCurve(g, {0.5, 1.0});
    EXPECT_NEAR(oracle[0].density, 8.0 / 136.0, 1e-12);
    EXPECT_NEAR(oracle[1].density, 16.0 / 136.0, 1e-12);
    EXPECT_EQ(analyses::classifyPattern(g, 0.9, 1.5, 0.5).pattern, PatternClass::AShape);
}

TEST(Sparsity, PatternClasses) {
    EXPECT_EQ(analyses::classifyPattern(uniformGrid(1024, 64), 0.9, 1.5, 0.5).pattern, PatternClass::Diffuse);
    EXPECT_EQ(analyses::classifyPattern(oneHotGrid(1024, 64, [](int i) { return std::max(0, i - 1); }), 0.9,
                                        1.5, 0.5)
                  .pattern,
              PatternClass::AShape);
    const BlockGrid stripe = oneHotGrid(1024, 64, [](int i) { return i >= 200 ? 200 : i; });
    const analyses::PatternFit fit = analyses::classifyPattern(stripe, 0.9, 1.5, 0.5);
    EXPECT_EQ(fit.pattern, PatternClass::VerticalSlash);
    EXPECT_GT(fit.aShapeDensity, 1.5 * fit.oracleDensity + 2.0 / 17);
    EXPECT_EQ(
        analyses::classifyPattern(oneHotGrid(1024, 64, [](int i) { return i / 2; }), 0.9, 1.5, 0.5).pattern,
        PatternClass::BlockSparse);
}

TEST(Sparsity, SingleBlockAndSingleToken) {
    const BlockGrid one = oneHotGrid(1, 64, [](int) { return 0; });
    EXPECT_DOUBLE_EQ(analyses::oracleBlockCurve(one, {0.9})[0].density, 1.0);
    EXPECT_DOUBLE_EQ(analyses::seerThresholdCurve(one, {0.1}, 2)[0].recall, 1.0);
}

TEST(Sparsity, FlexPrefillQueryAwareWhenTheEstimateIsRight) {
    analyses::SparsityParameters p;
    const int tokens = 1024, nb = 8;
    const BlockGrid grid = oneHotGrid(tokens, 128, [](int) { return 0; });
    std::vector<float> rows(static_cast<std::size_t>(128) * tokens, 0.0f);
    for (int r = 0; r < 128; ++r)
        rows[static_cast<std::size_t>(r) * tokens] = 1.0f;
    std::vector<double> estimated(nb, 0.0), blockEstimate(nb * nb, 0.0);
    estimated[0] = 1.0;
    for (int i = 0; i < nb; ++i)
        blockEstimate[static_cast<std::size_t>(i) * nb] = 1.0;
    const auto head = analyses::flexPrefillHead(rows.data(), 128, estimated, blockEstimate, grid, p);
    EXPECT_FALSE(head.dense);
    EXPECT_NEAR(head.divergence, 0.0, 1e-9);
    EXPECT_TRUE(head.queryAware);
    EXPECT_EQ(head.verticalBlocks, 4); // min_budget 512 / B 128
    EXPECT_DOUBLE_EQ(head.mask.recall, 1.0);
    EXPECT_DOUBLE_EQ(head.lastBlockRecall, 1.0);
    for (int i = 0; i < nb; ++i) { // forced first column and main diagonal
        EXPECT_EQ(head.blockMask[static_cast<std::size_t>(i) * nb], 1);
        EXPECT_EQ(head.blockMask[static_cast<std::size_t>(i) * nb + i], 1);
    }
    EXPECT_DOUBLE_EQ(head.computationalRatio, head.activeBlocks / 64.0);

    // A wrong (uniform) estimate: vertical-slash, divergence bounded by sqrt(ln 2).
    std::fill(estimated.begin(), estimated.end(), 1.0 / nb);
    const auto vs = analyses::flexPrefillHead(rows.data(), 128, estimated, blockEstimate, grid, p);
    EXPECT_FALSE(vs.queryAware);
    EXPECT_GT(vs.divergence, p.flexTau);
    EXPECT_LE(vs.divergence, std::sqrt(std::log(2.0)) + 1e-12);
    EXPECT_EQ(vs.verticalBlocks, 4); // 1 token // 128 + 1 = 1, clamped up to min_budget / B

    // The budgets come from the last block's rows: when they look only at token 0 and every earlier row
    // looks 300 tokens back, the last block keeps all its mass while the other rows lose theirs unless
    // a diagonal band happens to cover them.
    const BlockGrid far = oneHotGrid(tokens, 128, [](int i) { return i >= 896 ? 0 : std::max(0, i - 300); });
    const auto split = analyses::flexPrefillHead(rows.data(), 128, estimated, blockEstimate, far, p);
    EXPECT_DOUBLE_EQ(split.lastBlockRecall, 1.0);
    double kept = 0;
    for (int i = 0; i < 896; ++i)
        kept += split.blockMask[static_cast<std::size_t>(i / 128) * nb + std::max(0, i - 300) / 128];
    EXPECT_NEAR(split.mask.recall, (kept + 128) / tokens, 1e-12);

    // Short inputs run dense.
    const BlockGrid small = oneHotGrid(256, 128, [](int) { return 0; });
    EXPECT_TRUE(analyses::flexPrefillHead(rows.data(), 128, {1, 0}, {1, 0, 1, 0}, small, p).dense);
}

TEST(Sparsity, FlexPrefillRaisingTauMakesMoreHeadsQueryAware) {
    analyses::SparsityParameters p;
    p.flexMinBudget = 128;
    p.flexBlock = 64;
    p.probeBlock = 64;
    const int tokens = 512;
    const test::CapturedLayer layer =
        test::runCapturedLayer(tokens, 8, 2, analyses::sparsityProbeRequest(p, tokens), 17);
    int previous = -1;
    for (double tau : {0.0, 0.2, 0.4, 0.84}) {
        p.flexTau = tau;
        const auto result = analyses::analyzeSparsity({layer.capture}, {layer.probe}, p);
        ASSERT_TRUE(result) << result.status().toString();
        int aware = 0;
        for (const auto& h : result->heads)
            aware += h.flex.queryAware;
        EXPECT_GE(aware, previous);
        previous = aware;
        if (tau == 0.0) {
            EXPECT_EQ(aware, 0);
        }
        if (tau > 0.834) {
            EXPECT_EQ(aware, 8);
        }
    }
}

TEST(Sparsity, SnapKvPoolingAndTopKeys) {
    // Window of 2 rows over a prompt of 6; votes land on keys 0..3.
    const std::vector<float> rows = {0.0f, 0.0f, 0.3f, 0.0f, 0.7f, 0.0f, //
                                     0.1f, 0.0f, 0.2f, 0.0f, 0.3f, 0.4f};
    // Kernel 1: votes {0.1, 0, 0.5, 0}; capacity 4 keeps the 2 best plus the window {4, 5}.
    EXPECT_EQ(analyses::snapKvKeep(rows.data(), 2, 6, 4, 1, false), (std::vector<int>{0, 2, 4, 5}));
    // Kernel 3, average (zero padding counted): {0.1/3, 0.6/3, 0.5/3, 0.5/3} -> keys 1 and 2.
    EXPECT_EQ(analyses::snapKvKeep(rows.data(), 2, 6, 4, 3, false), (std::vector<int>{1, 2, 4, 5}));
    // Kernel 3, max: {0.1, 0.5, 0.5, 0.5} -> ties to the lower index: 1 and 2.
    EXPECT_EQ(analyses::snapKvKeep(rows.data(), 2, 6, 4, 3, true), (std::vector<int>{1, 2, 4, 5}));
    // A prompt within the capacity is kept whole.
    EXPECT_EQ(analyses::snapKvKeep(rows.data(), 2, 6, 6, 1, false).size(), 6u);
}

TEST(Sparsity, TokenSelectSoftVote) {
    // Each head is normalised before the sum: one confident head cannot outvote two others.
    const std::vector<std::vector<double>> scores = {{0, 0, 20, 0}, {20, 0, 0, 0}, {0, 0, 20, 0}};
    EXPECT_EQ(analyses::tokenSelectVote(scores, 2), (std::vector<int>{0, 2}));
    EXPECT_EQ(analyses::tokenSelectVote({{100, 0, 0, 0}, {0, 5, 0, 0}, {0, 5, 0, 0}}, 1),
              (std::vector<int>{1}));
}

TEST(Sparsity, MethodsOnKernelStatisticsMatchDenseProbabilities) {
    analyses::SparsityParameters p;
    p.flexBlock = 64;
    p.flexMinBudget = 64;
    p.anchorBlock = 8;
    p.anchorStep = 4; // big blocks of 32 queries
    p.anchorTheta = 1.0;
    p.decodeRows = 16;
    p.snapWindow = 8;
    p.snapCapacities = {32, 128};
    p.tokenSelectInit = 4;
    p.tokenSelectLocal = 16;
    p.tokenSelectBudgets = {24, 400};
    p.aShapeWindows = {8, 40};
    const int tokens = 200, heads = 4, kv = 2;
    const test::CapturedLayer layer =
        test::runCapturedLayer(tokens, heads, kv, analyses::sparsityProbeRequest(p, tokens), 29, 6.0f);
    const auto result = analyses::analyzeSparsity({layer.capture}, {layer.probe}, p);
    ASSERT_TRUE(result) << result.status().toString();
    ASSERT_EQ(result->heads.size(), static_cast<std::size_t>(heads));
    const int prompt = tokens - p.decodeRows;
    for (int h = 0; h < heads; ++h) {
        const analyses::HeadSparsity& s = result->heads[h];
        // A-shape: mean over rows of the mass on the first 4 keys or the last W.
        for (const auto& point : s.aShape) {
            const int w = static_cast<int>(point.knob);
            double recall = 0;
            for (int i = 0; i < tokens; ++i)
                for (int j = 0; j <= i; ++j)
                    recall += (j < 4 || i - j < w) ? layer.p(h, i, j) : 0.0;
            EXPECT_NEAR(point.recall, recall / tokens, 1e-4) << "head " << h << " window " << w;
        }
        // FlexPrefill: the kernel's own masked recall (K8) under the same block mask agrees.
        {
            kernels::ProbeRequest masked;
            masked.mask.kind = kernels::AttentionMask::Kind::Block;
            masked.mask.measureOnly = true;
            masked.mask.blockSize = p.flexBlock;
            masked.mask.blocks = s.flex.blockMask.data();
            kernels::ProbeResult out;
            test::CapturedLayer again =
                test::runCapturedLayer(tokens, heads, kv, masked, 29, 6.0f); // same inputs, this mask
            double recall = 0;
            for (int i = 0; i < tokens; ++i)
                recall += again.probe.maskRecall[static_cast<std::size_t>(h) * tokens + i];
            EXPECT_NEAR(s.flex.mask.recall, recall / tokens, 1e-4) << "head " << h;
        }
        // SnapKV: hit rate = decode rows' mass on the kept keys and on the decoded tokens.
        for (std::size_t c = 0; c < p.snapCapacities.size(); ++c) {
            std::vector<float> window;
            for (int i = prompt - p.snapWindow; i < prompt; ++i)
                for (int j = 0; j < prompt; ++j)
                    window.push_back(static_cast<float>(layer.p(h, i, j)));
            const std::vector<int> keep = analyses::snapKvKeep(window.data(), p.snapWindow, prompt,
                                                               p.snapCapacities[c], p.snapKernel, false);
            const std::set<int> kept(keep.begin(), keep.end());
            double recall = 0;
            for (int i = prompt; i < tokens; ++i)
                for (int j = 0; j <= i; ++j)
                    recall += (kept.count(j) || j >= prompt) ? layer.p(h, i, j) : 0.0;
            EXPECT_NEAR(s.snapKv[c].recall, recall / p.decodeRows, 1e-3)
                << "capacity " << p.snapCapacities[c];
            if (c == 0) {
                EXPECT_EQ(s.snapKvKept, keep); // the keys a view shows are the ones scored
            }
        }
        // TokenSelect's keys of the last decode row at the first budget: 4 initial + 24 voted + the
        // 16 most recent, ascending, all visible.
        ASSERT_EQ(s.tokenSelectKept.size(), 4u + 24u + 16u);
        EXPECT_TRUE(std::is_sorted(s.tokenSelectKept.begin(), s.tokenSelectKept.end()));
        EXPECT_EQ(s.tokenSelectKept.front(), 0);
        EXPECT_EQ(s.tokenSelectKept.back(), tokens - 1);
        EXPECT_EQ(s.tokenSelectKept[3], 3);
        EXPECT_EQ(s.tokenSelectKept, result->heads[0].tokenSelectKept); // one voted set per layer
        EXPECT_LT(s.snapKv[0].recall, s.snapKv[1].recall + 1e-9);       // more capacity, more recall
        // TokenSelect: a budget above the candidates keeps everything.
        EXPECT_DOUBLE_EQ(s.tokenSelect.curve[1].recall, 1.0);
        EXPECT_LT(s.tokenSelect.curve[0].recall, 1.0);
        EXPECT_GT(s.tokenSelect.entropy, 0.0);
    }
    // AnchorAttention against a direct reading of METHODS.md 7 on dense logits.
    const int bs = 32, b = 8, big = tokens / bs;
    for (int h = 0; h < heads; ++h) {
        double recall = 0, pairs = 0;
        int stripesTotal = 0;
        for (int i = 0; i < tokens; ++i) {
            const int u = i / bs;
            if (u == 0 || u >= big) {
                for (int j = 0; j <= i; ++j)
                    recall += layer.p(h, i, j);
                pairs += i + 1;
            }
        }
        for (int u = 1; u < big; ++u) {
            const int start = u * bs;
            std::vector<double> anchor(bs);
            for (int r = 0; r < bs; ++r) {
                double m = -1e300;
                for (int j = 0; j < bs; ++j)
                    m = std::max(m, layer.logit(h, start + r, j));
                for (int j = start; j <= start + r; ++j)
                    m = std::max(m, layer.logit(h, start + r, j));
                anchor[r] = m;
            }
            std::set<int> stripes;
            for (int j = b; j < start - b; ++j)
                for (int v = 0; v < bs / b && !stripes.count(j); ++v) {
                    // q̄_v · k_j / sqrt(d) is the mean of the rows' logits (linear in q).
                    double logit = 0, meanAnchor = 0;
                    for (int r = v * b; r < (v + 1) * b; ++r) {
                        logit += layer.logit(h, start + r, j) / b;
                        meanAnchor += anchor[r] / b;
                    }
                    if (logit + p.anchorTheta >= meanAnchor - 1e-9)
                        stripes.insert(j);
                }
            EXPECT_EQ(result->heads[h].anchor.stripesPerBigBlock[u], static_cast<int>(stripes.size()))
                << "head " << h << " big block " << u;
            stripesTotal += static_cast<int>(stripes.size());
            for (int r = 0; r < bs; ++r) {
                const int i = start + r;
                for (int j = 0; j <= i; ++j)
                    if (j < bs || j >= start || stripes.count(j)) {
                        recall += layer.p(h, i, j);
                        pairs += 1;
                    }
            }
        }
        EXPECT_NEAR(result->heads[h].anchor.mask.recall, recall / tokens, 1e-4);
        EXPECT_NEAR(result->heads[h].anchor.mask.density, pairs / (0.5 * tokens * (tokens + 1)), 1e-9);
        EXPECT_NEAR(result->heads[h].anchor.referenceRatio, stripesTotal / (1.0 * tokens * tokens / bs / 2),
                    1e-12);
    }
}

TEST(Sparsity, SingleTokenInput) {
    analyses::SparsityParameters p;
    const test::CapturedLayer layer =
        test::runCapturedLayer(1, 2, 1, analyses::sparsityProbeRequest(p, 1), 3);
    const auto result = analyses::analyzeSparsity({layer.capture}, {layer.probe}, p);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_EQ(result->decodeRows, 0);
    for (const auto& h : result->heads) {
        EXPECT_TRUE(h.flex.dense);
        EXPECT_DOUBLE_EQ(h.flex.mask.recall, 1.0);
        EXPECT_DOUBLE_EQ(h.anchor.mask.recall, 1.0);
        EXPECT_NEAR(h.aShape.front().recall, 1.0, 1e-6);
    }
}

TEST(Sparsity, MissingStatisticsNameTheLayer) {
    const test::CapturedLayer layer = test::runCapturedLayer(64, 2, 1, {}, 3);
    const auto result = analyses::analyzeSparsity({layer.capture}, {layer.probe});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.status().field(), "layer 0");
}
