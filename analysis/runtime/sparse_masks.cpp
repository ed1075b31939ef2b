// SPDX-License-Identifier: Apache-2.0
#include "sparse_masks.h"

#include "attnscope/runtime/attention_device.h"
#include "attnscope/runtime/kernel_status.h"

#include <algorithm>
#include <string>

namespace attnscope::runtime {

Expected<std::vector<float>> lastRowProbabilities(const LayerQueryKey& layer, int rows) {
    const kernels::AttentionDims& dims = layer.dims;
    rows = std::clamp(rows, 1, dims.queryLength);
    kernels::AttentionDims last = dims;
    last.queryLength = rows;
    last.queryOffset = dims.queryOffset + dims.queryLength - rows;
    kernels::TensorView queries = layer.queries;
    queries.data = static_cast<const float*>(layer.queries.data) +
                   static_cast<int64_t>(dims.queryLength - rows) * layer.queries.stride[2];
    std::vector<float> scratch(static_cast<std::size_t>(dims.queryHeads) * rows * dims.headDim);
    kernels::OutputView out{
        scratch.data(),
        {static_cast<int64_t>(scratch.size()), static_cast<int64_t>(rows) * dims.headDim, dims.headDim, 1}};
    kernels::ProbeRequest request;
    request.lastRows = rows;
    kernels::ProbeResult result;
    ATTNSCOPE_TRY(
        statusFromKernel(runAttention(last, queries, layer.keys, layer.values, out, request, result),
                         "layer " + std::to_string(layer.layer) + " last rows' probabilities"));
    return std::move(result.lastRowProbabilities);
}

} // namespace attnscope::runtime

namespace attnscope::runtime::detail {

void streamingMask(const StreamingAttention& streaming, int rows, int64_t offset, int keyLength,
                   OwnedMask& out) {
    out.heads = 1;
    out.offsets.assign(1, 0);
    out.keys.clear();
    const int64_t perRow =
        std::min<int64_t>(keyLength, static_cast<int64_t>(streaming.sinks) + streaming.window);
    out.keys.reserve(static_cast<std::size_t>(rows) * static_cast<std::size_t>(perRow));
    for (int i = 0; i < rows; ++i) {
        const int64_t position = std::min<int64_t>(offset + i, keyLength - 1);
        const int64_t sinkEnd = std::min<int64_t>(streaming.sinks, position + 1);
        for (int64_t j = 0; j < sinkEnd; ++j)
            out.keys.push_back(static_cast<int32_t>(j));
        for (int64_t j = std::max(sinkEnd, position - streaming.window + 1); j <= position; ++j)
            out.keys.push_back(static_cast<int32_t>(j));
        out.offsets.push_back(static_cast<int64_t>(out.keys.size()));
    }
    out.mask = {};
    out.mask.kind = kernels::AttentionMask::Kind::RowKeys;
    out.mask.rowKeysAscending = true;
    out.mask.rowOffsets = out.offsets.data();
    out.mask.rowKeys = out.keys.data();
}

Status prefillBlockMask(std::vector<uint8_t> blocks, int blockSize, int heads, int tokens, OwnedMask& out) {
    const int64_t grid = (static_cast<int64_t>(tokens) + blockSize - 1) / blockSize;
    const int64_t expected = static_cast<int64_t>(heads) * grid * grid;
    if (static_cast<int64_t>(blocks.size()) != expected)
        return Status::invalidArgument("the rule returned " + std::to_string(blocks.size()) +
                                       " block flags; " + std::to_string(heads) + " heads of " +
                                       std::to_string(grid) + " x " + std::to_string(grid) + " blocks need " +
                                       std::to_string(expected))
            .atField("sparse_prefill");
    out.heads = heads;
    out.bytes = std::move(blocks);
    out.mask = {};
    out.mask.kind = kernels::AttentionMask::Kind::Block;
    out.mask.perHead = true;
    out.mask.blockSize = blockSize;
    out.mask.blocks = out.bytes.data();
    return Status::ok();
}

void keptPromptMask(const std::vector<uint8_t>& kept, int promptLength, int heads, int keyLength,
                    OwnedMask& out) {
    out.heads = heads;
    out.bytes.assign(static_cast<std::size_t>(heads) * keyLength, 1);
    for (int h = 0; h < heads; ++h)
        std::copy_n(kept.begin() + static_cast<std::ptrdiff_t>(h) * promptLength,
                    std::min(promptLength, keyLength),
                    out.bytes.begin() + static_cast<std::ptrdiff_t>(h) * keyLength);
    out.mask = {};
    out.mask.kind = kernels::AttentionMask::Kind::Columns;
    out.mask.perHead = true;
    out.mask.columns = out.bytes.data();
}

namespace {

/// Keys of list `list` that row `row` keeps within [lo, hi].
int64_t keptKeys(const OwnedMask& m, const kernels::AttentionDims& dims, int list, int row, int64_t lo,
                 int64_t hi, const std::vector<int64_t>& columnPrefix) {
    switch (m.mask.kind) {
    case kernels::AttentionMask::Kind::RowKeys: {
        const int64_t at = static_cast<int64_t>(list) * dims.queryLength + row;
        int64_t count = 0;
        for (int64_t e = m.offsets[at]; e < m.offsets[at + 1]; ++e)
            count += m.keys[e] >= lo && m.keys[e] <= hi;
        return count;
    }
    case kernels::AttentionMask::Kind::Columns: {
        const std::size_t base = static_cast<std::size_t>(list) * (dims.keyLength + 1);
        return columnPrefix[base + hi + 1] - columnPrefix[base + lo];
    }
    case kernels::AttentionMask::Kind::Block: {
        const int64_t B = m.mask.blockSize, cols = (dims.keyLength + B - 1) / B,
                      rowBlocks = (dims.queryLength + B - 1) / B;
        const uint8_t* flags = m.bytes.data() + (list * rowBlocks + row / B) * cols;
        int64_t count = 0;
        for (int64_t J = lo / B; J <= hi / B; ++J)
            if (flags[J])
                count += std::min(hi, (J + 1) * B - 1) - std::max(lo, J * B) + 1;
        return count;
    }
    case kernels::AttentionMask::Kind::None:
        break;
    }
    return hi - lo + 1;
}

} // namespace

MaskStatistics maskStatistics(const OwnedMask& mask, const kernels::AttentionDims& dims,
                              const kernels::ProbeResult& probe, const std::vector<int>& statHeads) {
    MaskStatistics statistics;
    std::vector<int64_t> columnPrefix;
    if (mask.mask.kind == kernels::AttentionMask::Kind::Columns) {
        columnPrefix.assign(static_cast<std::size_t>(mask.heads) * (dims.keyLength + 1), 0);
        for (int list = 0; list < mask.heads; ++list)
            for (int j = 0; j < dims.keyLength; ++j) {
                const std::size_t base = static_cast<std::size_t>(list) * (dims.keyLength + 1);
                columnPrefix[base + j + 1] =
                    columnPrefix[base + j] + mask.bytes[static_cast<std::size_t>(list) * dims.keyLength + j];
            }
    }
    for (int h = 0; h < dims.queryHeads; ++h) {
        if (!statHeads.empty() && std::find(statHeads.begin(), statHeads.end(), h) == statHeads.end())
            continue;
        const int list = mask.mask.perHead ? h : 0;
        for (int i = 0; i < dims.queryLength; ++i) {
            const int64_t hi = std::min<int64_t>(dims.queryOffset + i, dims.keyLength - 1);
            const int64_t lo = dims.slidingWindow > 0 ? std::max<int64_t>(0, hi - dims.slidingWindow + 1) : 0;
            if (hi < lo)
                continue;
            statistics.rows += 1;
            statistics.visiblePairs += static_cast<double>(hi - lo + 1);
            statistics.keptPairs += static_cast<double>(keptKeys(mask, dims, list, i, lo, hi, columnPrefix));
            statistics.recallSum += probe.maskRecall[static_cast<std::size_t>(h) * dims.queryLength + i];
        }
    }
    return statistics;
}

} // namespace attnscope::runtime::detail
