// SPDX-License-Identifier: Apache-2.0
#include "probability_pass.h"

#include "torch_guard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace attnscope::analyses::detail {

namespace {

Status layerError(std::size_t layer, const std::string& what) {
    return Status::invalidArgument(what).atField("layer " + std::to_string(layer));
}

} // namespace

Expected<StackedHeads> stackHeads(const std::vector<const runtime::QueryKeyCapture*>& captures,
                                  const std::vector<const kernels::ProbeResult*>& probes) {
    if (captures.empty() || captures.size() != probes.size())
        return Status::invalidArgument("expected one query/key capture and one probe result per layer");
    StackedHeads stacked;
    std::vector<at::Tensor> queries, keys, lse;
    const runtime::QueryKeyCapture& first = *captures.front();
    for (std::size_t l = 0; l < captures.size(); ++l) {
        const runtime::QueryKeyCapture& c = *captures[l];
        const int64_t hq = c.queryHeads, hkv = c.kvHeads, t = c.queryLength, d = c.headDim;
        if (!c.causal || c.queryLength != c.keyLength)
            return layerError(l, "expected a causal prefill of the whole sequence (no cache)");
        if (hq <= 0 || hkv <= 0 || hq % hkv != 0 || d <= 0 ||
            static_cast<int64_t>(c.queries.size()) != hq * t * d ||
            static_cast<int64_t>(c.keys.size()) != hkv * t * d)
            return layerError(l, "query/key capture has inconsistent shapes");
        if (c.queryLength != first.queryLength || c.headDim != first.headDim || c.scale != first.scale)
            return layerError(l, "layers differ in length, head size or scale");
        if (static_cast<int64_t>(probes[l]->rowLogSumExp.size()) != hq * t)
            return layerError(l, "the probe result has no row LSE (K1) for every query head");
        at::Tensor q = at::from_blob(const_cast<float*>(c.queries.data()), {hq, t, d}, at::kFloat);
        at::Tensor k = at::from_blob(const_cast<float*>(c.keys.data()), {hkv, t, d}, at::kFloat);
        queries.push_back(q);
        keys.push_back(k.repeat_interleave(hq / hkv, 0));
        lse.push_back(at::from_blob(const_cast<float*>(probes[l]->rowLogSumExp.data()), {hq, t}, at::kFloat));
    }
    Status status = runtime::guardTorch("stacking queries and keys", [&] {
        stacked.queries = at::cat(queries, 0).contiguous();
        stacked.keys = at::cat(keys, 0).contiguous();
        stacked.lse = at::cat(lse, 0).contiguous();
    });
    if (!status.isOk())
        return status;
    stacked.scale = first.scale > 0 ? first.scale : 1.0f / std::sqrt(static_cast<float>(first.headDim));
    stacked.slidingWindow = first.slidingWindow;
    stacked.tokens = first.queryLength;
    return stacked;
}

at::Tensor logits(const StackedHeads& s, int rowBegin, int rowEnd, int colBegin, int colEnd) {
    at::Tensor q = s.queries.narrow(1, rowBegin, rowEnd - rowBegin);
    at::Tensor k = s.keys.narrow(1, colBegin, colEnd - colBegin);
    return at::bmm(q, k.transpose(1, 2)).mul_(s.scale);
}

namespace {

/// exp(logit - LSE) with invisible keys (j > i, or outside the window) set to zero; rows that see no
/// key (LSE = -inf) stay zero.
at::Tensor probabilities(const StackedHeads& s, int rowBegin, int rowEnd, int colBegin, int colEnd) {
    at::Tensor p = logits(s, rowBegin, rowEnd, colBegin, colEnd);
    p.sub_(s.lse.narrow(1, rowBegin, rowEnd - rowBegin).unsqueeze(2)).exp_();
    const bool touchesDiagonal = colEnd > rowBegin + 1;
    const bool touchesWindow = s.slidingWindow > 0 && colBegin <= rowEnd - 1 - s.slidingWindow;
    if (touchesDiagonal || touchesWindow) {
        at::Tensor rows = at::arange(rowBegin, rowEnd, at::kLong).unsqueeze(1);
        at::Tensor cols = at::arange(colBegin, colEnd, at::kLong).unsqueeze(0);
        at::Tensor visible = cols <= rows;
        if (s.slidingWindow > 0)
            visible = visible.logical_and(rows - cols < s.slidingWindow);
        p.mul_(visible.to(at::kFloat).unsqueeze(0));
    }
    return at::nan_to_num(p, 0.0, 0.0, 0.0);
}

} // namespace

Status forEachProbabilityChunk(const StackedHeads& s, int rowBegin, int rowEnd, int rowBlock, int keyChunk,
                               const Progress& progress,
                               const std::function<void(const at::Tensor&, int, int)>& visit) {
    if (rowBlock <= 0 || keyChunk <= 0)
        return Status::invalidArgument("row block and key chunk must be positive");
    for (int r = rowBegin; r < rowEnd; r += rowBlock) {
        ATTNSCOPE_TRY(progress.update(static_cast<float>(r - rowBegin) /
                                      static_cast<float>(std::max(1, rowEnd - rowBegin))));
        const int rEnd = std::min(rowEnd, r + rowBlock);
        const int firstKey = s.slidingWindow > 0 ? std::max(0, r - s.slidingWindow + 1) : 0;
        for (int c = firstKey; c < rEnd; c += keyChunk) {
            const int cEnd = std::min(rEnd, c + keyChunk);
            Status status = runtime::guardTorch("attention probability pass", [&] {
                at::NoGradGuard noGrad;
                visit(probabilities(s, r, rEnd, c, cEnd), r, c);
            });
            ATTNSCOPE_TRY(status);
        }
    }
    return progress.update(1.0f);
}

at::Tensor probabilityRows(const StackedHeads& s, int rowBegin, int rowEnd) {
    return probabilities(s, rowBegin, rowEnd, 0, s.tokens);
}

at::Tensor probabilityTile(const StackedHeads& s, int rowBegin, int rowEnd, int colBegin, int colEnd) {
    return probabilities(s, rowBegin, rowEnd, colBegin, colEnd);
}

} // namespace attnscope::analyses::detail
