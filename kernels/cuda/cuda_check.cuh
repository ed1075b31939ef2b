// SPDX-License-Identifier: Apache-2.0
// CUDA error handling that returns a KernelStatus instead of aborting (a GUI must survive).
#pragma once

#include "attnscope/kernels/kernel_status.h"

#include <cuda_runtime.h>

#include <string>

namespace attnscope::kernels::cuda {

inline KernelStatus statusFromCuda(cudaError_t error, const char* what) {
    if (error == cudaSuccess)
        return KernelStatus::success();
    const KernelStatusCode code =
        error == cudaErrorMemoryAllocation ? KernelStatusCode::OutOfMemory : KernelStatusCode::DeviceError;
    return {code, std::string("CUDA ") + what + ": " + cudaGetErrorName(error) + " (" +
                      cudaGetErrorString(error) + ")"};
}

} // namespace attnscope::kernels::cuda

/// Evaluates a CUDA runtime call and returns a KernelStatus from the enclosing function on failure.
#define ATTNSCOPE_CUDA_CHECK(call)                                                                           \
    do {                                                                                                     \
        cudaError_t attnscope_cuda_error_ = (call);                                                          \
        if (attnscope_cuda_error_ != cudaSuccess)                                                            \
            return ::attnscope::kernels::cuda::statusFromCuda(attnscope_cuda_error_, #call);                 \
    } while (0)
