// SPDX-License-Identifier: Apache-2.0
// CUDA runtime helpers. Always declared; without CUDA in the build they return Unsupported.
#pragma once

#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/kernel_status.h"

#include <cstddef>
#include <string>
#include <vector>

namespace attnscope::kernels::cuda {

/// True when this binary was compiled with CUDA kernels.
bool compiledWithCuda();

/// Number of usable CUDA devices. No driver or no device is not an error: count is 0 and the status
/// message says why, so callers can fall back to the CPU.
KernelStatus deviceCount(int& count);

/// Names and compute capabilities of the devices ("NVIDIA H200 (sm_90)").
KernelStatus deviceNames(std::vector<std::string>& names);

/// y <- a * x + y on the first device for host arrays of n floats (copies in and out). The smallest
/// real kernel: it proves the toolchain, the architectures and the error path end to end.
KernelStatus axpy(float a, const float* x, float* y, std::size_t n);

/// True for the CUDA backend's refusal of a request its kernels do not compute yet (top-k above 32:
/// the CPU backend computes it), as opposed to a missing or failing
/// device or an invalid call. Always false in builds without CUDA.
bool notComputedOnCudaYet(const KernelStatus& status);

/// Times the CUDA attention kernels alone, as FlashAttention's benchmarks do: Q/K/V (host views) are
/// uploaded once, then the call's kernels run `repeats` times back to back on the device-resident inputs,
/// each run timed between two CUDA events (clearing the accumulated statistics included, copies to and
/// from the host not), after one untimed warm-up. `deviceBytes` is what the call allocates beyond its inputs
/// (output and statistics). Refuses what attention(..., Backend::Cuda) refuses.
KernelStatus timeAttention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                           const TensorView& v, const ProbeRequest& request, int repeats,
                           std::vector<double>& seconds, std::size_t& deviceBytes);

} // namespace attnscope::kernels::cuda
