// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/kernel_status.h"

#include <gtest/gtest.h>

using namespace attnscope;

TEST(KernelStatusBridge, KeepsMessageAndMapsCodes) {
    Status status = runtime::statusFromKernel(
        kernels::KernelStatus::invalid("dims.headDim: must be >= 1, got 0"), "layer 2 attention");
    EXPECT_EQ(status.code(), StatusCode::InvalidArgument);
    EXPECT_EQ(status.message(), "layer 2 attention: dims.headDim: must be >= 1, got 0");
    EXPECT_EQ(runtime::statusFromKernel(kernels::KernelStatus::device("x")).code(), StatusCode::DeviceError);
    EXPECT_EQ(runtime::statusFromKernel(kernels::KernelStatus::unsupported("x")).code(),
              StatusCode::Unsupported);
    EXPECT_EQ(runtime::statusFromKernel({kernels::KernelStatusCode::OutOfMemory, "x"}).code(),
              StatusCode::OutOfMemory);
    EXPECT_TRUE(runtime::statusFromKernel(kernels::KernelStatus::success()).isOk());
}
