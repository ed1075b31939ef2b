// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/kernel_self_check.h"

#include <gtest/gtest.h>

using namespace attnscope;

TEST(KernelSelfCheck, PassesAndReportsEveryLength) {
    runtime::SelfCheckOptions options;
    options.lengths = {16, 64};
    std::vector<float> fractions;
    Progress progress([&](float f, std::string_view) { fractions.push_back(f); }, CancelToken{});
    auto rows = runtime::runKernelSelfCheck(options, progress);
    ASSERT_TRUE(rows) << rows.status().toString();
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[1].length, 64);
    EXPECT_LT((*rows)[1].maxLseError, options.tolerance);
    EXPECT_GT((*rows)[1].gflops, 0.0);
    ASSERT_FALSE(fractions.empty());
    EXPECT_NEAR(fractions.back(), 1.0f, 1e-5);
    for (std::size_t i = 1; i < fractions.size(); ++i)
        EXPECT_GE(fractions[i], fractions[i - 1]);
}

TEST(KernelSelfCheck, StopsWhenCancelled) {
    CancelToken token;
    int calls = 0;
    Progress progress(
        [&](float, std::string_view) {
            if (++calls == 2)
                token.requestCancel();
        },
        token);
    runtime::SelfCheckOptions options;
    options.lengths = {32, 32, 32};
    auto rows = runtime::runKernelSelfCheck(options, progress);
    ASSERT_FALSE(rows);
    EXPECT_TRUE(rows.status().isCancelled());
    EXPECT_EQ(calls, 2) << "no work after cancellation";
}

TEST(KernelSelfCheck, RejectsBadOptions) {
    runtime::SelfCheckOptions options;
    options.queryHeads = 3;
    options.kvHeads = 2;
    EXPECT_EQ(runtime::runKernelSelfCheck(options, {}).status().code(), StatusCode::InvalidArgument);
}
