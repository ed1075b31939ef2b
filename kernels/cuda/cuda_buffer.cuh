// SPDX-License-Identifier: Apache-2.0
// A device allocation owned by the host code that launches the attention kernels.
#pragma once

#include "cuda_check.cuh"

#include <cstddef>

namespace attnscope::kernels::cuda_detail {

/// A device allocation freed on scope exit. Zero bytes allocate nothing (the pointer stays null).
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    ~DeviceBuffer() {
        if (m_data)
            cudaFree(m_data);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    KernelStatus allocate(std::size_t bytes, bool zero) {
        if (bytes == 0)
            return KernelStatus::success();
        ATTNSCOPE_CUDA_CHECK(cudaMalloc(&m_data, bytes));
        if (zero)
            ATTNSCOPE_CUDA_CHECK(cudaMemset(m_data, 0, bytes));
        return KernelStatus::success();
    }
    /// Allocates and fills from host memory.
    KernelStatus upload(const void* host, std::size_t bytes) {
        if (auto status = allocate(bytes, false); !status.ok())
            return status;
        if (bytes > 0)
            ATTNSCOPE_CUDA_CHECK(cudaMemcpy(m_data, host, bytes, cudaMemcpyHostToDevice));
        return KernelStatus::success();
    }
    template <typename T>
    T* as() const {
        return static_cast<T*>(m_data);
    }

private:
    void* m_data = nullptr;
};

} // namespace attnscope::kernels::cuda_detail
