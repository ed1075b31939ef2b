// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/progress.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using attnscope::CancelToken;
using attnscope::Progress;

TEST(Progress, SubRangesMapIntoTheParentRange) {
    std::vector<float> seen;
    std::vector<std::string> stages;
    Progress root(
        [&](float f, std::string_view stage) {
            seen.push_back(f);
            stages.emplace_back(stage);
        },
        CancelToken{});
    Progress loading = root.subRange(0.2f, 0.6f, "loading");
    Progress tensors = loading.subRange(0.5f, 1.0f);
    ASSERT_TRUE(loading.update(0.0f).isOk());
    ASSERT_TRUE(loading.update(1.0f).isOk());
    ASSERT_TRUE(tensors.update(0.5f).isOk());
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_FLOAT_EQ(seen[0], 0.2f);
    EXPECT_FLOAT_EQ(seen[1], 0.6f);
    EXPECT_FLOAT_EQ(seen[2], 0.5f); // 0.2 + 0.4 * (0.5 + 0.5 * 0.5)
    EXPECT_EQ(stages[2], "loading");
}

TEST(Progress, FractionsAreClamped) {
    float last = -1.0f;
    Progress root([&](float f, std::string_view) { last = f; }, CancelToken{});
    ASSERT_TRUE(root.update(7.0f).isOk());
    EXPECT_FLOAT_EQ(last, 1.0f);
    ASSERT_TRUE(root.update(-3.0f).isOk());
    EXPECT_FLOAT_EQ(last, 0.0f);
}

TEST(Progress, UpdateReportsCancellationFromAnotherThread) {
    CancelToken token;
    Progress progress({}, token);
    EXPECT_TRUE(progress.update(0.1f).isOk());
    std::thread([copy = token] { copy.requestCancel(); }).join();
    EXPECT_TRUE(progress.update(0.2f).isCancelled());
    EXPECT_TRUE(progress.subRange(0.5f, 1.0f).isCancelled());
}

TEST(Progress, DefaultReportsNothingAndNeverCancels) {
    Progress progress;
    EXPECT_TRUE(progress.update(0.5f, "anything").isOk());
}
