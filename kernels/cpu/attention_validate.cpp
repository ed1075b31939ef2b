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
