// SPDX-License-Identifier: Apache-2.0
// Exact attention tiles for the heatmap's deep zoom (DESIGN.md, "Long contexts"): every layer's
// post-RoPE queries and keys of a run's input are kept in memory (O(N d) per head, captured by one
// forward pass in a background job), and a visible region is recomputed by the attention kernel's
// tile request on demand — never the N x N map. The capture also keeps every row's log-sum-exp, so a
// tile is exp(scale q·k − LSE) over its own cells only (the kernel's tile request is the fallback).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/forward.h"

#include <memory>
#include <string>
#include <vector>

namespace attnscope::studio {

class ExactTiles {
public:
    /// Loads the model and runs the input once, keeping every layer's queries and keys, under the
    /// interventions the run was measured with (a sharing layer keeps its source's queries and keys).
    static Expected<std::shared_ptr<ExactTiles>>
    capture(const std::string& modelPath, const std::vector<int32_t>& tokens, const Progress& progress = {},
            const runtime::LoadOptions& load = {}, const runtime::Interventions& interventions = {});

    int layers() const { return static_cast<int>(m_layers.size()); }
    int tokens() const { return m_layers.empty() ? 0 : m_layers.front().queryLength; }
    int heads() const { return m_layers.empty() ? 0 : m_layers.front().queryHeads; }
    /// P of (layer, head) over rows [rowBegin, rowEnd) x keys [colBegin, colEnd), row-major, computed
    /// by kernels::attention's exact tile; invisible (causal) cells are 0.
    Expected<std::vector<float>> tile(int layer, int head, int rowBegin, int rowEnd, int colBegin,
                                      int colEnd) const;

private:
    /// P from the cached queries, keys and row normalisers: exp(scale q·k − LSE), visible cells only.
    std::vector<float> tileFromLogSumExp(int layer, int head, int rowBegin, int rowEnd, int colBegin,
                                         int colEnd) const;

    std::vector<runtime::QueryKeyCapture> m_layers;
    /// Per layer, the kernel's K1 row log-sum-exp [queryHeads, tokens] from the capture pass.
    std::vector<std::vector<float>> m_rowLogSumExp;
};

} // namespace attnscope::studio
