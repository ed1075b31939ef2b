// SPDX-License-Identifier: Apache-2.0
// Where the model's attention runs. The rest of a forward pass (LibTorch) stays on the CPU; with CUDA,
// each layer's Q/K/V go to the device and the output and statistics come back. A call whose request the
// CUDA kernels do not compute yet (top-k above 32) runs on the CPU instead, and is counted, so that results
// never depend on what the device supports.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"

#include <cstdint>
#include <string>

namespace attnscope::runtime {

enum class AttentionDevice { Cpu, Cuda };

/// "cpu" / "cuda".
const char* attentionDeviceName(AttentionDevice device);
/// Parses "cpu" or "cuda"; anything else is an error naming the value.
Expected<AttentionDevice> parseAttentionDevice(const std::string& name);

/// Sets the process-wide attention device. Cuda is refused, with the reason, where this build has no
/// CUDA kernels or no device answers. Thread-safe; calls already running keep their device.
Status setAttentionDevice(AttentionDevice device);
AttentionDevice attentionDevice();

/// Attention calls that asked for CUDA and ran on the CPU because the CUDA kernels do not compute their
/// request (since the process started).
uint64_t attentionCallsOnCpuFallback();

/// kernels::attention on the current device, with the per-call fallback described above.
kernels::KernelStatus runAttention(const kernels::AttentionDims& dims, const kernels::TensorView& q,
                                   const kernels::TensorView& k, const kernels::TensorView& v,
                                   const kernels::OutputView& out, const kernels::ProbeRequest& request,
                                   kernels::ProbeResult& result);

} // namespace attnscope::runtime
