// SPDX-License-Identifier: Apache-2.0
// The tensor-core path of the CUDA attention backend (bf16/f16 inputs): FA2-style tiles of 64 query
// rows and 64 keys, Q·Kᵀ and P·V on tensor cores (WMMA 16×16×16, fp32 accumulation), the online softmax
// and the statistics in fp32. Same semantics and outputs as the CUDA-core kernels in attention_cuda.cu.
#pragma once

#include "attention_cuda_common.cuh"

#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/kernel_status.h"

namespace attnscope::kernels::cuda_detail {

/// True when the tensor-core kernels take this call: 16-bit inputs, head dim 64, 80, 96, 128 or 256,
/// and the environment variable ATTNSCOPE_CUDA_TENSOR_CORES is not "0" (a switch for comparing the
/// two implementations and for falling back to the CUDA-core kernels).
bool tensorCoresHandle(DType dtype, int headDim);

/// Runs the first pass (output, LSE, entropy) and, when any statistic that needs the final LSE is
/// requested (DeviceStatistics::secondPass), the second, on tensor cores. `statsHead` flags the query heads
/// whose statistics are computed.
KernelStatus launchTensorCorePasses(DType dtype, const DeviceDims& d, int batch, const void* q, const void* k,
                                    const void* v, float* out, const unsigned char* statsHead,
                                    const DeviceStatistics& statistics);

} // namespace attnscope::kernels::cuda_detail
