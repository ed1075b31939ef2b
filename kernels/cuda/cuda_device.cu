// SPDX-License-Identifier: Apache-2.0
// Device discovery and the smallest real kernel (axpy), compiled for sm_80 and sm_90.
#include "cuda_check.cuh"

#include "attnscope/kernels/cuda_backend.h"

#include <memory>

namespace attnscope::kernels::cuda {

namespace {

__global__ void axpyKernel(float a, const float* x, float* y, std::size_t n) {
    const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = a * x[i] + y[i];
}

struct DeviceFree {
    void operator()(float* pointer) const { cudaFree(pointer); }
};
using DeviceBuffer = std::unique_ptr<float, DeviceFree>;

} // namespace

bool compiledWithCuda() {
    return true;
}

KernelStatus deviceCount(int& count) {
    count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver) {
        count = 0;
        cudaGetLastError(); // clear the sticky error so later calls start clean
        return {KernelStatusCode::Ok, std::string("no CUDA device: ") + cudaGetErrorString(error)};
    }
    ATTNSCOPE_CUDA_CHECK(error);
    return KernelStatus::success();
}

KernelStatus deviceNames(std::vector<std::string>& names) {
    names.clear();
    int count = 0;
    if (auto status = deviceCount(count); !status.ok())
        return status;
    for (int device = 0; device < count; ++device) {
        cudaDeviceProp properties{};
        ATTNSCOPE_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
        names.push_back(std::string(properties.name) + " (sm_" + std::to_string(properties.major) +
                        std::to_string(properties.minor) + ")");
    }
    return KernelStatus::success();
}

KernelStatus axpy(float a, const float* x, float* y, std::size_t n) {
    if (n == 0)
        return KernelStatus::success();
    if (x == nullptr || y == nullptr)
        return KernelStatus::invalid("axpy: x and y must not be null");
    int count = 0;
    if (auto status = deviceCount(count); !status.ok())
        return status;
    if (count == 0)
        return KernelStatus::unsupported("axpy: no CUDA device");

    float* rawX = nullptr;
    float* rawY = nullptr;
    ATTNSCOPE_CUDA_CHECK(cudaMalloc(&rawX, n * sizeof(float)));
    DeviceBuffer deviceX(rawX);
    ATTNSCOPE_CUDA_CHECK(cudaMalloc(&rawY, n * sizeof(float)));
    DeviceBuffer deviceY(rawY);
    ATTNSCOPE_CUDA_CHECK(cudaMemcpy(rawX, x, n * sizeof(float), cudaMemcpyHostToDevice));
    ATTNSCOPE_CUDA_CHECK(cudaMemcpy(rawY, y, n * sizeof(float), cudaMemcpyHostToDevice));
    constexpr unsigned kThreads = 256;
    const unsigned blocks = static_cast<unsigned>((n + kThreads - 1) / kThreads);
    axpyKernel<<<blocks, kThreads>>>(a, rawX, rawY, n);
    ATTNSCOPE_CUDA_CHECK(cudaGetLastError());
    ATTNSCOPE_CUDA_CHECK(cudaMemcpy(y, rawY, n * sizeof(float), cudaMemcpyDeviceToHost));
    return KernelStatus::success();
}

} // namespace attnscope::kernels::cuda
