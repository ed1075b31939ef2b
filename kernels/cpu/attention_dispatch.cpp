// SPDX-License-Identifier: Apache-2.0
// The attention entry point: validation, then the backend.
#include "attnscope/kernels/attention.h"

#include <new>

namespace attnscope::kernels {

KernelStatus attentionCpu(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                          const TensorView& v, const OutputView& out, const ProbeRequest& request,
                          ProbeResult& result);
/// kernels/cuda/attention_cuda.cu, or Unsupported in builds without CUDA (cuda_unavailable.cpp).
KernelStatus attentionCuda(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                           const TensorView& v, const OutputView& out, const ProbeRequest& request,
                           ProbeResult& result);

KernelStatus attention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                       const TensorView& v, const OutputView& out, const ProbeRequest& request,
                       ProbeResult& result, Backend backend) {
    if (auto status = validateAttention(dims, q, k, v, out); !status.ok())
        return status;
    if (auto status = validateProbe(dims, request); !status.ok())
        return status;
    switch (backend) {
    case Backend::Cpu:
        try {
            return attentionCpu(dims, q, k, v, out, request, result);
        } catch (const std::bad_alloc&) {
            return {KernelStatusCode::OutOfMemory, "attention: out of memory for the requested statistics"};
        }
    case Backend::Cuda:
        try {
            return attentionCuda(dims, q, k, v, out, request, result);
        } catch (const std::bad_alloc&) {
            return {KernelStatusCode::OutOfMemory, "attention: out of host memory staging the CUDA call"};
        }
    }
    return KernelStatus::invalid("backend: unknown value");
}

} // namespace attnscope::kernels
