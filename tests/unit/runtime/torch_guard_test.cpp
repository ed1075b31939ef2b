// SPDX-License-Identifier: Apache-2.0
// LibTorch exceptions must stop at the runtime edge and come out as a Status.
#include "torch_guard.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <stdexcept>

using attnscope::StatusCode;
using attnscope::runtime::guardTorch;

TEST(TorchGuard, ShapeMismatchBecomesInvalidArgument) {
    auto status = guardTorch("projecting layer 0", [] {
        at::Tensor a = at::ones({2, 3});
        at::Tensor b = at::ones({2, 3});
        (void)at::matmul(a, b);
    });
    EXPECT_EQ(status.code(), StatusCode::InvalidArgument);
    EXPECT_NE(status.message().find("projecting layer 0: "), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("2x3"), std::string::npos) << status.message();
    // The backtrace LibTorch appends is for developers, not users.
    EXPECT_EQ(status.message().find("Exception raised from"), std::string::npos) << status.message();
}

TEST(TorchGuard, IndexErrorIsReported) {
    auto status = guardTorch("selecting", [] { (void)at::ones({2}).select(0, 5); });
    EXPECT_EQ(status.code(), StatusCode::InvalidArgument);
    EXPECT_FALSE(status.message().empty());
}

TEST(TorchGuard, StandardExceptionsAreInternal) {
    auto status = guardTorch("work", [] { throw std::runtime_error("boom"); });
    EXPECT_EQ(status.code(), StatusCode::Internal);
    EXPECT_EQ(status.message(), "work: boom");
}

TEST(TorchGuard, SuccessRunsTheBody) {
    double sum = 0;
    auto status = guardTorch("sum", [&] { sum = at::ones({4, 4}).sum().item<double>(); });
    ASSERT_TRUE(status.isOk());
    EXPECT_DOUBLE_EQ(sum, 16.0);
}
