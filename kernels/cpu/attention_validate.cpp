// SPDX-License-Identifier: Apache-2.0
#include "attnscope/kernels/attention.h"

#include <string>

namespace attnscope::kernels {

const char* dtypeName(DType dtype) {
    switch (dtype) {
    case DType::F32:
        return "f32";
    case DType::BF16:
        return "bf16";
    case DType::F16:
        return "f16";
    }
    return "unknown";
}

namespace {

KernelStatus checkView(const char* name, const void* data, const int64_t* stride) {
    if (data == nullptr)
        return KernelStatus::invalid(std::string(name) + ".data: null pointer");
    if (stride[3] != 1)
        return KernelStatus::invalid(std::string(name) +
                                     ".stride[3]: the head dimension must be "
                                     "contiguous (stride 1), got " +
                                     std::to_string(stride[3]));
    for (int i = 0; i < 3; ++i)
        if (stride[i] < 0)
            return KernelStatus::invalid(std::string(name) + ".stride[" + std::to_string(i) +
                                         "]: negative stride " + std::to_string(stride[i]));
    return KernelStatus::success();
}

} // namespace

KernelStatus validateAttention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                               const TensorView& v, const OutputView& out) {
    auto positive = [](const char* field, int64_t value, int64_t minimum) -> KernelStatus {
        if (value < minimum)
            return KernelStatus::invalid(std::string("dims.") + field + ": must be >= " +
                                         std::to_string(minimum) + ", got " + std::to_string(value));
        return KernelStatus::success();
    };
    for (auto status : {positive("batch", dims.batch, 1), positive("queryHeads", dims.queryHeads, 1),
                        positive("kvHeads", dims.kvHeads, 1), positive("queryLength", dims.queryLength, 0),
                        positive("keyLength", dims.keyLength, 0), positive("headDim", dims.headDim, 1),
                        positive("slidingWindow", dims.slidingWindow, 0)})
        if (!status.ok())
            return status;
    if (dims.queryHeads % dims.kvHeads != 0)
        return KernelStatus::invalid("dims.queryHeads: " + std::to_string(dims.queryHeads) +
                                     " is not a multiple of dims.kvHeads " + std::to_string(dims.kvHeads));
    if (dims.headDim > 1024)
        return KernelStatus::unsupported("dims.headDim: " + std::to_string(dims.headDim) +
                                         " exceeds the largest supported head dimension (1024)");
    if (q.dtype != k.dtype || q.dtype != v.dtype)
        return KernelStatus::invalid(std::string("dtype: q, k and v must share one dtype, got ") +
                                     dtypeName(q.dtype) + "/" + dtypeName(k.dtype) + "/" +
                                     dtypeName(v.dtype));
    for (auto status : {checkView("q", q.data, q.stride), checkView("k", k.data, k.stride),
                        checkView("v", v.data, v.stride), checkView("out", out.data, out.stride)})
        if (!status.ok())
            return status;
    return KernelStatus::success();
}

} // namespace attnscope::kernels

namespace attnscope::kernels {

namespace {

KernelStatus checkRange(const char* field, const RowRange& range, int rows) {
    const int end = range.end < 0 ? rows : range.end;
    if (range.begin < 0 || end > rows || range.begin > end)
        return KernelStatus::invalid(std::string("probe.") + field + ": [" + std::to_string(range.begin) +
                                     ", " + std::to_string(range.end) + ") is not a range of the " +
                                     std::to_string(rows) + " query rows");
    return KernelStatus::success();
}

bool dividesOrMultipleOf64(int size) {
    return size > 0 && (64 % size == 0 || size % 64 == 0);
}

} // namespace

KernelStatus validateProbe(const AttentionDims& dims, const ProbeRequest& request) {
    for (int h : request.heads)
        if (h < 0 || h >= dims.queryHeads)
            return KernelStatus::invalid("probe.heads: no query head " + std::to_string(h) + " (there are " +
                                         std::to_string(dims.queryHeads) + ")");
    if (auto s = checkRange("columnMassRows", request.columnMassRows, dims.queryLength); !s.ok())
        return s;
    // Offsets are indexed from -(keyLength - 1) up; without a causal mask a row before the first key
    // would reach below that.
    if (request.diagonalSums && dims.queryOffset + dims.queryLength + dims.keyLength - 1 < 1)
        return KernelStatus::invalid("probe.diagonalSums: no offset to count (dims.queryOffset " +
                                     std::to_string(dims.queryOffset) + " lies before every key)");
    if (request.diagonalSums && !dims.causal && dims.queryOffset < 0)
        return KernelStatus::invalid(
            "probe.diagonalSums: needs dims.queryOffset >= 0 without a causal mask, got " +
            std::to_string(dims.queryOffset));
    if (auto s = checkRange("diagonalRows", request.diagonalRows, dims.queryLength); !s.ok())
        return s;
    if (request.blockSize < 0 || (request.blockSize > 0 && !dividesOrMultipleOf64(request.blockSize)))
        return KernelStatus::invalid("probe.blockSize: " + std::to_string(request.blockSize) +
                                     " must divide 64 or be a multiple of 64");
    if (request.lastRows < 0 || request.lastRows > dims.queryLength)
        return KernelStatus::invalid("probe.lastRows: " + std::to_string(request.lastRows) +
                                     " is outside [0, " + std::to_string(dims.queryLength) + "]");
    if (request.topK < 0 || request.topK > 4096)
        return KernelStatus::invalid("probe.topK: " + std::to_string(request.topK) + " is outside [0, 4096]");
    for (std::size_t t = 0; t < request.tiles.size(); ++t) {
        const TileRequest& tile = request.tiles[t];
        if (tile.rowBegin < 0 || tile.rowEnd > dims.queryLength || tile.rowBegin >= tile.rowEnd ||
            tile.colBegin < 0 || tile.colEnd > dims.keyLength || tile.colBegin >= tile.colEnd)
            return KernelStatus::invalid(
                "probe.tiles[" + std::to_string(t) + "]: rows [" + std::to_string(tile.rowBegin) + ", " +
                std::to_string(tile.rowEnd) + ") x keys [" + std::to_string(tile.colBegin) + ", " +
                std::to_string(tile.colEnd) + ") is empty or outside the " +
                std::to_string(dims.queryLength) + " x " + std::to_string(dims.keyLength) + " map");
    }
    const AttentionMask& mask = request.mask;
    switch (mask.kind) {
    case AttentionMask::Kind::None:
        break;
    case AttentionMask::Kind::Block:
        if (!mask.blocks)
            return KernelStatus::invalid("probe.mask.blocks: null for a block mask");
        if (mask.blockSize < 1)
            return KernelStatus::invalid("probe.mask.blockSize: must be >= 1");
        break;
    case AttentionMask::Kind::Columns:
        if (!mask.columns)
            return KernelStatus::invalid("probe.mask.columns: null for a column mask");
        break;
    case AttentionMask::Kind::RowKeys: {
        if (!mask.rowOffsets || !mask.rowKeys)
            return KernelStatus::invalid("probe.mask.rowOffsets/rowKeys: null for a per-row key mask");
        const int64_t lists = static_cast<int64_t>(mask.perHead ? dims.queryHeads : 1) * dims.queryLength;
        for (int64_t e = 0; e < lists; ++e)
            if (mask.rowOffsets[e] > mask.rowOffsets[e + 1] || mask.rowOffsets[e] < 0)
                return KernelStatus::invalid("probe.mask.rowOffsets: not ascending at " + std::to_string(e));
        for (int64_t e = mask.rowOffsets[0]; e < mask.rowOffsets[lists]; ++e)
            if (mask.rowKeys[e] < 0 || mask.rowKeys[e] >= dims.keyLength)
                return KernelStatus::invalid("probe.mask.rowKeys[" + std::to_string(e) + "]: key " +
                                             std::to_string(mask.rowKeys[e]) + " is outside the " +
                                             std::to_string(dims.keyLength) + " keys");
        if (mask.rowKeysAscending)
            for (int64_t e = 0; e < lists; ++e)
                for (int64_t at = mask.rowOffsets[e] + 1; at < mask.rowOffsets[e + 1]; ++at)
                    if (mask.rowKeys[at] <= mask.rowKeys[at - 1])
                        return KernelStatus::invalid("probe.mask.rowKeys[" + std::to_string(at) +
                                                     "]: not ascending within list " + std::to_string(e) +
                                                     " although rowKeysAscending is set");
        break;
    }
    }
    return KernelStatus::success();
}

} // namespace attnscope::kernels
