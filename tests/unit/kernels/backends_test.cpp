// SPDX-License-Identifier: Apache-2.0
#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/backends.h"
#include "attnscope/kernels/cuda_backend.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using namespace attnscope::kernels;

TEST(Backends, CpuIsAlwaysAvailable) {
    const auto backends = listBackends();
    ASSERT_GE(backends.size(), 2u);
    EXPECT_EQ(backends[0].name, "cpu");
    EXPECT_TRUE(backends[0].available);
    EXPECT_NE(backends[0].detail.find("CPU features"), std::string::npos);
}

TEST(Backends, CudaEntryAgreesWithTheRuntime) {
    const auto backends = listBackends();
    const BackendInfo& gpu = backends[1];
    EXPECT_EQ(gpu.name, "cuda");
    EXPECT_EQ(gpu.compiled, cuda::compiledWithCuda());
    int count = 0;
    cuda::deviceCount(count);
    EXPECT_EQ(gpu.available, count > 0);
    if (!gpu.available) {
        EXPECT_FALSE(gpu.detail.empty()) << "an unavailable backend must say why";
    }
}

TEST(Backends, CudaAttentionRefusesCleanlyAndByName) {
    float buffer[4 * 64] = {};
    AttentionDims dims;
    dims.queryLength = 4;
    dims.keyLength = 4;
    dims.headDim = 64;
    TensorView view{buffer, DType::F32, {256, 256, 64, 1}};
    OutputView out{buffer, {256, 256, 64, 1}};
    ProbeResult result;
    // Statistics the CUDA kernels do not compute yet are refused by name (in builds with CUDA; without
    // it every request is refused because the kernels are not built).
    ProbeRequest topK;
    topK.topK = 33; // above the CUDA kernels' 32
    const KernelStatus refused = attention(dims, view, view, view, out, topK, result, Backend::Cuda);
    EXPECT_EQ(refused.code, KernelStatusCode::Unsupported);
    if (cuda::compiledWithCuda()) {
        EXPECT_NE(refused.message.find("topK"), std::string::npos) << refused.message;
        EXPECT_TRUE(cuda::notComputedOnCudaYet(refused)) << refused.message; // the runtime falls back
    }
    // A supported request runs where a device answers and says why not everywhere else.
    const KernelStatus status = attention(dims, view, view, view, out, {}, result, Backend::Cuda);
    int devices = 0;
    if (cuda::deviceCount(devices).ok() && devices > 0) {
        EXPECT_TRUE(status.ok()) << status.message;
    } else {
        EXPECT_EQ(status.code, KernelStatusCode::Unsupported);
        EXPECT_FALSE(status.message.empty());
        EXPECT_FALSE(cuda::notComputedOnCudaYet(status)) << "a missing device is not a CPU-only request";
    }
}
