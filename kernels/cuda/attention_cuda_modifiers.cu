// SPDX-License-Identifier: Apache-2.0
// Host side of K8 masks and interventions on CUDA: the request's arrays (already checked by
// validateProbe) copied to the device in the layouts attention_cuda_modifiers.cuh reads.
#include "attention_cuda_modifiers.cuh"

#include <vector>

namespace attnscope::kernels::cuda_detail {

KernelStatus prepareModifiers(const AttentionDims& dims, const ProbeRequest& request,
                              ModifierBuffers& buffers, DeviceModifiers& modifiers) {
    modifiers = DeviceModifiers{};
    const Intervention& intervention = request.intervention;
    const std::size_t keys = static_cast<std::size_t>(dims.keyLength);
    // A per-key float array ([keyLength], or [queryHeads][keyLength] per head) on the device.
    auto uploadPerKey = [&](const float* values, bool perHead, DeviceBuffer& buffer,
                            DevicePerKey& onDevice) -> KernelStatus {
        if (!values)
            return KernelStatus::success();
        const std::size_t bytes = keys * (perHead ? dims.queryHeads : 1) * sizeof(float);
        if (auto status = buffer.upload(values, bytes); !status.ok())
            return status;
        buffers.inputBytes += bytes;
        onDevice = DevicePerKey{buffer.as<const float>(), perHead};
        return KernelStatus::success();
    };
    if (auto status = uploadPerKey(intervention.columnLogitBias, intervention.biasPerHead, buffers.logitBias,
                                   modifiers.logitBias);
        !status.ok())
        return status;
    if (auto status = uploadPerKey(intervention.columnScale, intervention.scalePerHead, buffers.columnScale,
                                   modifiers.columnScale);
        !status.ok())
        return status;

    const AttentionMask& mask = request.mask;
    modifiers.maskKind = static_cast<int>(mask.kind);
    if (mask.kind == AttentionMask::Kind::None)
        return KernelStatus::success();
    modifiers.maskPerHead = mask.perHead;
    modifiers.measureOnly = mask.measureOnly;
    const std::size_t maskHeads = mask.perHead ? dims.queryHeads : 1;
    switch (mask.kind) {
    case AttentionMask::Kind::Block: {
        modifiers.maskBlockSize = mask.blockSize;
        modifiers.maskBlockRows = (dims.queryLength + mask.blockSize - 1) / mask.blockSize;
        modifiers.maskBlockCols = (dims.keyLength + mask.blockSize - 1) / mask.blockSize;
        const std::size_t cells =
            maskHeads * static_cast<std::size_t>(modifiers.maskBlockRows) * modifiers.maskBlockCols;
        if (auto status = buffers.blocks.upload(mask.blocks, cells); !status.ok())
            return status;
        buffers.inputBytes += cells;
        modifiers.blocks = buffers.blocks.as<const unsigned char>();
        break;
    }
    case AttentionMask::Kind::Columns:
        if (auto status = buffers.columns.upload(mask.columns, maskHeads * keys); !status.ok())
            return status;
        buffers.inputBytes += maskHeads * keys;
        modifiers.columns = buffers.columns.as<const unsigned char>();
        break;
    case AttentionMask::Kind::RowKeys: {
        // Only the listed range is copied, so the offsets are rebased to start at 0.
        const std::size_t lists = maskHeads * static_cast<std::size_t>(dims.queryLength);
        const int64_t first = mask.rowOffsets[0];
        std::vector<long long> offsets(lists + 1);
        for (std::size_t e = 0; e <= lists; ++e)
            offsets[e] = mask.rowOffsets[e] - first;
        const std::size_t entries = static_cast<std::size_t>(offsets[lists]);
        if (auto status = buffers.rowOffsets.upload(offsets.data(), offsets.size() * sizeof(long long));
            !status.ok())
            return status;
        static_assert(sizeof(int) == sizeof(int32_t));
        if (auto status = buffers.rowKeys.upload(mask.rowKeys + first, entries * sizeof(int32_t));
            !status.ok())
            return status;
        buffers.inputBytes += offsets.size() * sizeof(long long) + entries * sizeof(int32_t);
        modifiers.rowOffsets = buffers.rowOffsets.as<const long long>();
        modifiers.rowKeys = buffers.rowKeys.as<const int>();
        break;
    }
    case AttentionMask::Kind::None:
        break;
    }
    buffers.resultBytes =
        static_cast<std::size_t>(dims.batch) * dims.queryHeads * dims.queryLength * sizeof(float);
    for (DeviceBuffer* buffer : {&buffers.maskRecall, &buffers.maskOutputError})
        if (auto status = buffer->allocate(buffers.resultBytes, true); !status.ok())
            return status;
    modifiers.maskRecall = buffers.maskRecall.as<float>();
    modifiers.maskOutputError = buffers.maskOutputError.as<float>();
    return KernelStatus::success();
}

} // namespace attnscope::kernels::cuda_detail
