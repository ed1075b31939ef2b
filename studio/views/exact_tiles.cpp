// SPDX-License-Identifier: Apache-2.0
#include "exact_tiles.h"

#include "attnscope/runtime/model.h"

#include <cmath>

namespace attnscope::studio {

Expected<std::shared_ptr<ExactTiles>> ExactTiles::capture(const std::string& modelPath,
                                                          const std::vector<int32_t>& tokens,
                                                          const Progress& progress,
                                                          const runtime::LoadOptions& load,
                                                          const runtime::Interventions& interventions) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model, runtime::Model::load(modelPath, load));
    runtime::ForwardOptions options;
    options.logits = false;
    options.captureQueryKey = true;
    options.interventions = interventions;
    // Every row's normaliser (K1) too: a tile then costs only its own keys, not all the keys its rows see.
    kernels::ProbeRequest probe;
    probe.rowLogSumExp = true;
    options.probe = probe;
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::ForwardResult result,
                               runtime::forward(*model, tokens, options, progress));
    auto tiles = std::make_shared<ExactTiles>();
    tiles->m_layers = std::move(result.queryKeys);
    for (kernels::ProbeResult& p : result.probes)
        tiles->m_rowLogSumExp.push_back(std::move(p.rowLogSumExp));
    if (tiles->m_rowLogSumExp.size() != tiles->m_layers.size())
        tiles->m_rowLogSumExp.clear(); // the kernel path below needs none
    return tiles;
}

std::vector<float> ExactTiles::tileFromLogSumExp(int layer, int head, int rowBegin, int rowEnd, int colBegin,
                                                 int colEnd) const {
    const runtime::QueryKeyCapture& c = m_layers[static_cast<std::size_t>(layer)];
    const int64_t d = c.headDim, t = c.queryLength;
    const int kv = head / std::max(1, c.queryHeads / std::max(1, c.kvHeads));
    const float* lse =
        m_rowLogSumExp[static_cast<std::size_t>(layer)].data() + static_cast<int64_t>(head) * t;
    const float* queries = c.queries.data() + static_cast<int64_t>(head) * t * d;
    const float* keys = c.keys.data() + static_cast<int64_t>(kv) * c.keyLength * d;
    const int cols = colEnd - colBegin;
    std::vector<float> out(static_cast<std::size_t>(rowEnd - rowBegin) * cols, 0.0f);
    for (int i = rowBegin; i < rowEnd; ++i) {
        const float* q = queries + static_cast<int64_t>(i) * d;
        for (int j = colBegin; j < colEnd; ++j) {
            const bool visible = (!c.causal || j <= i) && (c.slidingWindow <= 0 || i - j < c.slidingWindow);
            if (!visible)
                continue;
            const float* k = keys + static_cast<int64_t>(j) * d;
            double dot = 0;
            for (int64_t e = 0; e < d; ++e)
                dot += static_cast<double>(q[e]) * k[e];
            out[static_cast<std::size_t>(i - rowBegin) * cols + (j - colBegin)] =
                static_cast<float>(std::exp(dot * c.scale - lse[i]));
        }
    }
    return out;
}

Expected<std::vector<float>> ExactTiles::tile(int layer, int head, int rowBegin, int rowEnd, int colBegin,
                                              int colEnd) const {
    if (layer < 0 || layer >= layers() || head < 0 || head >= heads() || rowBegin < 0 || rowEnd > tokens() ||
        rowBegin >= rowEnd || colBegin < 0 || colEnd > tokens() || colBegin >= colEnd)
        return Status::invalidArgument("tile outside the input").atField("tile");
    if (!m_rowLogSumExp.empty())
        return tileFromLogSumExp(layer, head, rowBegin, rowEnd, colBegin, colEnd);
    const runtime::QueryKeyCapture& c = m_layers[static_cast<std::size_t>(layer)];
    const int64_t d = c.headDim, t = c.queryLength;
    // Rows [rowBegin, rowEnd) against keys [0, rowEnd) (all a causal row can see, so the kernel's
    // normaliser is the full row's); the tile request picks the visible columns.
    const int keys = std::max(rowEnd, colEnd);
    kernels::AttentionDims dims;
    dims.queryHeads = c.queryHeads;
    dims.kvHeads = c.kvHeads;
    dims.queryLength = rowEnd - rowBegin;
    dims.keyLength = keys;
    dims.queryOffset = rowBegin;
    dims.headDim = static_cast<int>(d);
    dims.scale = c.scale;
    dims.slidingWindow = c.slidingWindow;
    const kernels::TensorView q{
        c.queries.data() + rowBegin * d, kernels::DType::F32, {c.queryHeads * t * d, t * d, d, 1}};
    const kernels::TensorView k{c.keys.data(), kernels::DType::F32, {c.kvHeads * t * d, t * d, d, 1}};
    std::vector<float> out(static_cast<std::size_t>(c.queryHeads) * dims.queryLength * d);
    const kernels::OutputView o{out.data(), {static_cast<int64_t>(out.size()), dims.queryLength * d, d, 1}};
    kernels::ProbeRequest request;
    request.heads = {head};
    request.tiles = {{0, dims.queryLength, colBegin, colEnd}};
    kernels::ProbeResult result;
    // V is irrelevant to P: the keys stand in for it (the output is discarded).
    const kernels::KernelStatus status = kernels::attention(dims, q, k, k, o, request, result);
    if (!status.ok())
        return Status::internal(status.message).atField("tile");
    const std::vector<float>& all = result.tiles.front(); // [batch, queryHeads, rows, cols]
    const std::size_t cells = static_cast<std::size_t>(dims.queryLength) * (colEnd - colBegin);
    return std::vector<float>(all.begin() + static_cast<std::ptrdiff_t>(head * cells),
                              all.begin() + static_cast<std::ptrdiff_t>((head + 1) * cells));
}

} // namespace attnscope::studio
