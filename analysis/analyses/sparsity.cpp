// SPDX-License-Identifier: Apache-2.0
// Runs every sparse-attention method of include/attnscope/analyses/sparsity.h on every head: block
// methods from K4, FlexPrefill from K5 plus pooled queries/keys, AnchorAttention, SnapKV and
// TokenSelect from probability passes over captured queries/keys, the A-shape from K3/K7.
#include "attnscope/analyses/sparsity.h"

#include "flex_estimates.h"
#include "probability_pass.h"
#include "torch_guard.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <string>

namespace attnscope::analyses {

namespace {

using detail::StackedHeads;

Status missing(int layer, const std::string& what) {
    return Status::invalidArgument("the probe result has no " + what + " (see sparsityProbeRequest)")
        .atField("layer " + std::to_string(layer));
}

std::vector<double> toVector(const at::Tensor& t) {
    at::Tensor d = t.to(at::kDouble).contiguous();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

/// Means of consecutive blocks of `block` rows of x [T, d] (the last block may be partial): [nb, d].
at::Tensor blockMeans(const at::Tensor& x, int block) {
    const int64_t t = x.size(0);
    std::vector<at::Tensor> means;
    for (int64_t b = 0; b < t; b += block)
        means.push_back(x.narrow(0, b, std::min<int64_t>(block, t - b)).mean(0));
    return at::stack(means, 0);
}

} // namespace

void detail::flexEstimates(const at::Tensor& headQueries, const at::Tensor& headKeys, float scale, int block,
                           std::vector<double>& estimated, std::vector<double>& blockEstimate) {
    const int t = static_cast<int>(headQueries.size(0)), rows = std::min(block, t);
    at::Tensor keys = blockMeans(headKeys, block);
    at::Tensor lastQuery = headQueries.narrow(0, t - rows, rows).mean(0);
    estimated = toVector(at::softmax(at::mv(keys, lastQuery) * scale, 0));
    at::Tensor queries = blockMeans(headQueries, block);
    at::Tensor logits = at::mm(queries, keys.t()) * scale;
    const int64_t nb = keys.size(0);
    at::Tensor causal = at::ones({nb, nb}, at::kBool).tril();
    blockEstimate = toVector(at::softmax(logits.masked_fill(causal.logical_not(), -INFINITY), 1));
}

namespace {

/// AnchorAttention (METHODS.md 7) for every head of one layer.
Status anchorLayer(const StackedHeads& s, const SparsityParameters& p, const Progress& progress,
                   std::vector<AnchorHead>& heads) {
    const int t = s.tokens, b = p.anchorBlock, bs = p.anchorBlock * p.anchorStep, h = s.heads();
    const int big = bs > 0 ? t / bs : 0;
    heads.assign(static_cast<std::size_t>(h), {});
    std::vector<double> recallSum(static_cast<std::size_t>(h), 0.0), pairs(recallSum);
    double causalPairs = 0.5 * static_cast<double>(t) * (t + 1);
    for (AnchorHead& a : heads)
        a.stripesPerBigBlock.assign(static_cast<std::size_t>(big), 0);
    // Rows of big block 0 and past the last whole big block run dense (as the reference's wrapper).
    const int denseFirst = std::min(t, bs), denseTail = big > 0 ? t - big * bs : t;
    const double denseRows = denseFirst + (big > 0 ? denseTail : 0);
    double densePairs = 0.5 * static_cast<double>(denseFirst) * (denseFirst + 1);
    for (int i = big * bs; big > 0 && i < t; ++i)
        densePairs += i + 1;
    for (int u = 1; u < big; ++u) {
        const int start = u * bs;
        Status pass;
        Status status = runtime::guardTorch("AnchorAttention stripes", [&] {
            at::NoGradGuard noGrad;
            // Anchors: the max logit over the initial region and the causal local big block.
            at::Tensor initial = detail::logits(s, start, start + bs, 0, bs).amax(2);
            at::Tensor local = detail::logits(s, start, start + bs, start, start + bs);
            local.masked_fill_(at::ones({bs, bs}, at::kBool).triu(1).unsqueeze(0), -INFINITY);
            at::Tensor anchors = at::maximum(initial, local.amax(2)); // [H, bs]
            at::Tensor meanAnchors = anchors.view({h, p.anchorStep, b}).mean(2);
            at::Tensor meanQueries = s.queries.narrow(1, start, bs).reshape({h, p.anchorStep, b, -1}).mean(2);
            const int lo = p.anchorScanAfterInitial ? bs : b, hi = start - b;
            at::Tensor allowed = at::zeros({h, t}, at::kFloat);
            allowed.narrow(1, 0, bs).fill_(1.0f);
            allowed.narrow(1, start, t - start).fill_(1.0f);
            if (hi > lo) {
                at::Tensor scores =
                    at::bmm(meanQueries, s.keys.narrow(1, lo, hi - lo).transpose(1, 2)) * s.scale;
                at::Tensor selected =
                    (scores + p.anchorTheta >= meanAnchors.unsqueeze(2)).any(1); // [H, cols]
                at::Tensor counts = selected.sum(1);
                at::Tensor beyondInitial =
                    hi > bs ? selected.narrow(1, std::max(0, bs - lo), hi - std::max(lo, bs)).sum(1)
                            : at::zeros({h}, at::kLong);
                allowed.narrow(1, lo, hi - lo).add_(selected.to(at::kFloat)).clamp_max_(1.0f);
                for (int k = 0; k < h; ++k) {
                    heads[k].stripesPerBigBlock[u] = static_cast<int>(counts[k].item<int64_t>());
                    const double extra = static_cast<double>(beyondInitial[k].item<int64_t>());
                    // Each row sees the initial region, the stripes past it and its local keys.
                    pairs[k] += static_cast<double>(bs) * (bs + extra) + 0.5 * bs * (bs + 1.0);
                }
            } else {
                for (int k = 0; k < h; ++k)
                    pairs[k] += static_cast<double>(bs) * bs + 0.5 * bs * (bs + 1.0);
            }
            pass = detail::forEachProbabilityChunk(
                s, start, start + bs, p.rowBlock, p.keyChunk, progress.subRange(0, 0),
                [&](const at::Tensor& chunk, int, int col) {
                    at::Tensor kept = (chunk * allowed.narrow(1, col, chunk.size(2)).unsqueeze(1))
                                          .sum({1, 2})
                                          .to(at::kDouble);
                    for (int k = 0; k < h; ++k)
                        recallSum[k] += kept[k].item<double>();
                });
        });
        ATTNSCOPE_TRY(status);
        ATTNSCOPE_TRY(pass);
        ATTNSCOPE_TRY(progress.update(static_cast<float>(u) / static_cast<float>(big)));
    }
    for (int k = 0; k < h; ++k) {
        AnchorHead& a = heads[k];
        double stripes = 0;
        for (int c : a.stripesPerBigBlock)
            stripes += c;
        a.referenceRatio = big > 0 ? stripes / (static_cast<double>(t) * t / bs / 2.0) : 0.0;
        a.mask.density = (pairs[k] + densePairs) / causalPairs;
        a.mask.recall = (recallSum[k] + denseRows) / t;
    }
    return Status::ok();
}

/// Token-level A-shape (sink tokens + window) of head h over all rows, from K3, K7 and the first rows.
std::vector<MaskMetrics> aShapeCurve(const kernels::ProbeResult& probe, int h, const at::Tensor& firstRows,
                                     int tokens, const SparsityParameters& p) {
    std::vector<MaskMetrics> curve;
    const float* column = probe.columnMass.data() + static_cast<std::size_t>(h) * tokens;
    const float* diagonal = probe.diagonalSums.data() + static_cast<std::size_t>(h) * probe.diagonalCount;
    const int sinks = std::min(p.aShapeSinks, tokens);
    double sinkMass = 0;
    for (int j = 0; j < sinks; ++j)
        sinkMass += column[j];
    const double causalPairs = 0.5 * static_cast<double>(tokens) * (tokens + 1);
    for (int window : p.aShapeWindows) {
        double windowMass = 0;
        for (int o = 0; o < std::min(window, tokens); ++o) {
            const int e = o + probe.diagonalOrigin;
            if (e >= 0 && e < probe.diagonalCount)
                windowMass += diagonal[e];
        }
        double overlap = 0, kept = 0;
        const auto rows = firstRows.accessor<float, 3>();
        for (int i = 0; i < tokens; ++i) {
            kept += std::min(window, i + 1) + std::max(0, std::min(sinks, i + 1 - window));
            if (i < rows.size(1))
                for (int j = std::max(0, i - window + 1); j < std::min(sinks, i + 1); ++j)
                    overlap += rows[h][i][j];
        }
        curve.push_back(
            {static_cast<double>(window), kept / causalPairs, (sinkMass + windowMass - overlap) / tokens});
    }
    return curve;
}

/// SnapKV and TokenSelect for every head of one layer, scored on the last `decode` rows.
Status decodeSelection(const runtime::QueryKeyCapture& capture, const StackedHeads& s, int decode,
                       const SparsityParameters& p, std::vector<HeadSparsity>& heads) {
    const int t = s.tokens, h = s.heads(), prompt = t - decode;
    return runtime::guardTorch("decode-row selection", [&] {
        at::NoGradGuard noGrad;
        at::Tensor decodeRows = detail::probabilityRows(s, prompt, t); // [H, decode, T]
        const int window = std::min(p.snapWindow, prompt);
        at::Tensor windowRows =
            detail::probabilityRows(s, prompt - window, prompt).narrow(2, 0, prompt).contiguous();
        for (int k = 0; k < h; ++k) {
            at::Tensor rows = decodeRows[k];
            for (int capacity : p.snapCapacities) {
                const std::vector<int> keep = snapKvKeep(windowRows[k].data_ptr<float>(), window, prompt,
                                                         capacity, p.snapKernel, p.snapMaxPool);
                if (capacity == p.snapCapacities.front())
                    heads[k].snapKvKept = keep;
                at::Tensor index = at::tensor(std::vector<int64_t>(keep.begin(), keep.end()), at::kLong);
                at::Tensor keptMass = rows.index_select(1, index).sum(1) +
                                      rows.narrow(1, prompt, decode).sum(1); // decoded tokens stay cached
                double density = 0;
                for (int r = 0; r < decode; ++r)
                    density += (static_cast<double>(keep.size()) + r + 1) / (prompt + r + 1);
                heads[k].snapKv.push_back(
                    {static_cast<double>(capacity), density / decode, keptMass.mean().item<double>()});
            }
        }
        // TokenSelect: one voted set per layer and decode row, shared by all heads.
        const int group = capture.queryHeads / capture.kvHeads;
        at::Tensor keys = at::from_blob(const_cast<float*>(capture.keys.data()),
                                        {capture.kvHeads, capture.keyLength, capture.headDim}, at::kFloat);
        const std::size_t budgets = p.tokenSelectBudgets.size();
        std::vector<std::vector<double>> recall(h, std::vector<double>(budgets, 0.0)), overlap(recall);
        std::vector<double> density(budgets, 0.0), entropy(h, 0.0);
        for (int r = 0; r < decode; ++r) {
            const int i = prompt + r, visible = i + 1;
            const int first = std::min(p.tokenSelectInit, visible);
            const int last = std::max(first, visible - p.tokenSelectLocal);
            const int candidates = last - first;
            std::vector<std::vector<double>> scores(h);
            for (int k = 0; k < h && candidates > 0; ++k) {
                const int kv = p.tokenSelectModuloKvHead ? k % capture.kvHeads : k / group;
                scores[k] = toVector(at::mv(keys[kv].narrow(0, first, candidates), s.queries[k][i]));
                at::Tensor logp = at::log_softmax(at::tensor(scores[k], at::kDouble), 0);
                entropy[k] -= (logp.exp() * logp).sum().item<double>() / decode;
            }
            for (std::size_t b = 0; b < budgets; ++b) {
                const int budget = p.tokenSelectBudgets[b];
                std::vector<int> voted;
                if (candidates > budget)
                    voted = tokenSelectVote(scores, budget);
                if (r + 1 == decode && b == 0) {
                    std::vector<int> kept;
                    for (int j = 0; j < visible; ++j)
                        if (candidates <= budget || j < first || j >= last)
                            kept.push_back(j);
                    for (int c : voted)
                        kept.push_back(first + c);
                    std::sort(kept.begin(), kept.end());
                    for (int k = 0; k < h; ++k)
                        heads[k].tokenSelectKept = kept;
                }
                density[b] +=
                    (candidates > budget ? static_cast<double>(first + budget + (visible - last)) / visible
                                         : 1.0) /
                    decode;
                for (int k = 0; k < h; ++k) {
                    at::Tensor row = decodeRows[k][r];
                    double mass = 1.0, shared = 1.0;
                    if (candidates > budget) {
                        std::vector<int64_t> index;
                        for (int c : voted)
                            index.push_back(first + c);
                        mass = row.narrow(0, 0, first).sum().item<double>() +
                               row.index_select(0, at::tensor(index, at::kLong)).sum().item<double>() +
                               row.narrow(0, last, visible - last).sum().item<double>();
                        const std::vector<int> own = tokenSelectVote({scores[k]}, budget);
                        std::vector<int> common;
                        std::set_intersection(own.begin(), own.end(), voted.begin(), voted.end(),
                                              std::back_inserter(common));
                        shared = static_cast<double>(common.size()) / budget;
                    }
                    recall[k][b] += mass / decode;
                    overlap[k][b] += shared / decode;
                }
            }
        }
        for (int k = 0; k < h; ++k) {
            TokenSelectHead& ts = heads[k].tokenSelect;
            ts.entropy = entropy[k];
            ts.overlap = overlap[k];
            for (std::size_t b = 0; b < budgets; ++b)
                ts.curve.push_back({static_cast<double>(p.tokenSelectBudgets[b]), density[b], recall[k][b]});
        }
    });
}

} // namespace

kernels::ProbeRequest sparsityProbeRequest(const SparsityParameters& parameters, int tokens) {
    kernels::ProbeRequest request;
    request.rowLogSumExp = true;
    request.columnMass = true;
    request.diagonalSums = true;
    request.blockSize = parameters.probeBlock;
    request.lastRows = std::min(parameters.flexBlock, tokens);
    return request;
}

Expected<SparsityAnalysis> analyzeSparsity(const std::vector<runtime::QueryKeyCapture>& captures,
                                           const std::vector<kernels::ProbeResult>& probes,
                                           const SparsityParameters& parameters, const Progress& progress) {
    const SparsityParameters& p = parameters;
    if (captures.empty() || captures.size() != probes.size())
        return Status::invalidArgument("expected one query/key capture and one probe result per layer");
    for (int block : {p.seerBlock, p.flexBlock})
        if (p.probeBlock <= 0 || block % p.probeBlock != 0)
            return Status::invalidArgument("block size " + std::to_string(block) +
                                           " is not a multiple of the probe's " +
                                           std::to_string(p.probeBlock))
                .atField("parameters");
    if (p.anchorBlock <= 0 || p.anchorStep <= 0 || p.snapWindow <= 0 || p.snapKernel <= 0)
        return Status::invalidArgument("AnchorAttention and SnapKV sizes must be positive")
            .atField("parameters");
    SparsityAnalysis analysis;
    analysis.parameters = p;
    const int t = captures.front().queryLength;
    analysis.tokens = t;
    analysis.decodeRows = std::min(p.decodeRows, t / 2);
    for (std::size_t l = 0; l < captures.size(); ++l) {
        const int layer = static_cast<int>(l);
        const kernels::ProbeResult& probe = probes[l];
        const int h = captures[l].queryHeads;
        const int fine = (t + p.probeBlock - 1) / p.probeBlock;
        if (probe.blockRows != fine || probe.blockSum.empty() || probe.blockMax.empty())
            return missing(layer, "K4 block grid at block " + std::to_string(p.probeBlock));
        if (probe.lastRows < std::min(p.flexBlock, t))
            return missing(layer,
                           "K5 rows for the last " + std::to_string(std::min(p.flexBlock, t)) + " queries");
        if (probe.columnMass.size() != static_cast<std::size_t>(h) * t || probe.diagonalSums.empty())
            return missing(layer, "K3 column mass and K7 diagonal sums over all rows");
        ATTNSCOPE_ASSIGN_OR_RETURN(StackedHeads s, detail::stackHeads({&captures[l]}, {&probe}));
        const Progress layerProgress = progress.subRange(static_cast<float>(l) / captures.size(),
                                                         static_cast<float>(l + 1) / captures.size(),
                                                         "sparsity, layer " + std::to_string(l));
        std::vector<HeadSparsity> heads(static_cast<std::size_t>(h));
        std::vector<AnchorHead> anchors;
        ATTNSCOPE_TRY(anchorLayer(s, p, layerProgress.subRange(0.0f, 0.7f), anchors));
        if (analysis.decodeRows > 0)
            ATTNSCOPE_TRY(decodeSelection(captures[l], s, analysis.decodeRows, p, heads));
        const int maxWindow =
            p.aShapeWindows.empty() ? 0 : *std::max_element(p.aShapeWindows.begin(), p.aShapeWindows.end());
        at::Tensor firstRows;
        Status status = runtime::guardTorch("sparsity pooled estimates", [&] {
            at::NoGradGuard noGrad;
            firstRows = detail::probabilityTile(s, 0, std::min(t, p.aShapeSinks + maxWindow), 0,
                                                std::min(t, std::max(1, p.aShapeSinks)));
            int activeBlocks = 0, blocks = 0;
            for (int k = 0; k < h; ++k) {
                HeadSparsity& head = heads[k];
                head.layer = layer;
                head.head = k;
                head.anchor = anchors[k];
                const BlockGrid fineGrid = blockGridOf(probe, h, k, t, p.probeBlock, 1);
                const BlockGrid seerGrid =
                    blockGridOf(probe, h, k, t, p.probeBlock, p.seerBlock / p.probeBlock);
                head.seerThreshold = seerThresholdCurve(seerGrid, p.seerThresholds, p.seerDenseLastRows);
                head.oracle = oracleBlockCurve(seerGrid, p.recallTargets);
                head.pattern =
                    classifyPattern(fineGrid, p.patternRecall, p.patternTolerance, p.diffuseDensity);
                const BlockGrid flexGrid =
                    blockGridOf(probe, h, k, t, p.probeBlock, p.flexBlock / p.probeBlock);
                std::vector<double> estimated, blockEstimate;
                detail::flexEstimates(s.queries[k], s.keys[k], s.scale, p.flexBlock, estimated,
                                      blockEstimate);
                const float* last =
                    probe.lastRowProbabilities.data() + static_cast<std::size_t>(k) * probe.lastRows * t;
                head.flex = flexPrefillHead(last, probe.lastRows, estimated, blockEstimate, flexGrid, p);
                activeBlocks += head.flex.activeBlocks;
                blocks = head.flex.blocks;
                head.aShape = aShapeCurve(probe, k, firstRows, t, p);
            }
            analysis.flexLayerRatio.push_back(blocks ? static_cast<double>(activeBlocks) /
                                                           (static_cast<double>(blocks) * blocks * h)
                                                     : 1.0);
        });
        ATTNSCOPE_TRY(status);
        ATTNSCOPE_TRY(layerProgress.update(1.0f));
        for (HeadSparsity& head : heads)
            analysis.heads.push_back(std::move(head));
    }
    return analysis;
}

} // namespace attnscope::analyses
