// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/attention_device.h"

#include "attnscope/core/log.h"
#include "attnscope/kernels/cuda_backend.h"

#include <atomic>

namespace attnscope::runtime {

namespace {

std::atomic<AttentionDevice> g_device{AttentionDevice::Cpu};
std::atomic<uint64_t> g_fallbacks{0};

} // namespace

const char* attentionDeviceName(AttentionDevice device) {
    return device == AttentionDevice::Cuda ? "cuda" : "cpu";
}

Expected<AttentionDevice> parseAttentionDevice(const std::string& name) {
    if (name == "cpu")
        return AttentionDevice::Cpu;
    if (name == "cuda")
        return AttentionDevice::Cuda;
    return Status::invalidArgument("unknown attention device '" + name + "' (cpu, cuda)");
}

Status setAttentionDevice(AttentionDevice device) {
    if (device == AttentionDevice::Cuda) {
        int count = 0;
        const kernels::KernelStatus status = kernels::cuda::deviceCount(count);
        if (!status.ok() || count == 0)
            return Status::unsupported("attention on CUDA: " + (status.message.empty()
                                                                    ? std::string("no CUDA device")
                                                                    : status.message));
    }
    g_device.store(device);
    return Status::ok();
}

AttentionDevice attentionDevice() {
    return g_device.load();
}

uint64_t attentionCallsOnCpuFallback() {
    return g_fallbacks.load();
}

kernels::KernelStatus runAttention(const kernels::AttentionDims& dims, const kernels::TensorView& q,
                                   const kernels::TensorView& k, const kernels::TensorView& v,
                                   const kernels::OutputView& out, const kernels::ProbeRequest& request,
                                   kernels::ProbeResult& result) {
    if (attentionDevice() == AttentionDevice::Cpu)
        return kernels::attention(dims, q, k, v, out, request, result, kernels::Backend::Cpu);
    kernels::KernelStatus status =
        kernels::attention(dims, q, k, v, out, request, result, kernels::Backend::Cuda);
    if (!kernels::cuda::notComputedOnCudaYet(status))
        return status;
    if (g_fallbacks.fetch_add(1) == 0)
        log::info("runtime", "attention on CUDA: " + status.message + "; such calls run on the CPU");
    return kernels::attention(dims, q, k, v, out, request, result, kernels::Backend::Cpu);
}

} // namespace attnscope::runtime
