// SPDX-License-Identifier: Apache-2.0
// Label "gpu": runs the axpy kernel on a CUDA device, skipped with a message where none answers.
#include "attnscope/kernels/cuda_backend.h"

#include <gtest/gtest.h>

#include <vector>

using namespace attnscope::kernels;

TEST(CudaAxpy, MatchesTheHostComputation) {
    int count = 0;
    KernelStatus status = cuda::deviceCount(count);
    ASSERT_TRUE(status.ok()) << status.message;
    if (count == 0)
        GTEST_SKIP() << "no CUDA device on this machine (" << status.message << "); GPU test skipped";

    const std::size_t n = 100003; // not a multiple of the block size: exercises the tail guard
    std::vector<float> x(n), y(n), expected(n);
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(i % 97) * 0.5f;
        y[i] = static_cast<float>(i % 13) - 6.0f;
        expected[i] = 3.0f * x[i] + y[i];
    }
    status = cuda::axpy(3.0f, x.data(), y.data(), n);
    ASSERT_TRUE(status.ok()) << status.message;
    for (std::size_t i = 0; i < n; ++i)
        ASSERT_FLOAT_EQ(y[i], expected[i]) << "element " << i;
}

TEST(CudaAxpy, NullPointersAreAnErrorNotACrash) {
    float y = 0;
    KernelStatus status = cuda::axpy(1.0f, nullptr, &y, 1);
    EXPECT_FALSE(status.ok());
}
