// SPDX-License-Identifier: Apache-2.0
#include "attnscope/kernels/backends.h"
#include "attnscope/kernels/cuda_backend.h"

#include <gtest/gtest.h>

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

TEST(Backends, CudaAttentionRequestFailsCleanlyNotFatally) {
    float buffer[64] = {};
    AttentionDims dims;
    dims.queryLength = 1;
    dims.keyLength = 1;
    dims.headDim = 64;
    TensorView view{buffer, DType::F32, {64, 64, 64, 1}};
    OutputView out{buffer, {64, 64, 64, 1}};
    ProbeResult result;
    auto status = attention(dims, view, view, view, out, {}, result, Backend::Cuda);
    EXPECT_EQ(status.code, KernelStatusCode::Unsupported);
}
