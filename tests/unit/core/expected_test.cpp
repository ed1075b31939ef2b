// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/expected.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using attnscope::Expected;
using attnscope::Status;

namespace {

Expected<int> parsePositive(int value) {
    if (value <= 0)
        return Status::invalidArgument("must be positive, got " + std::to_string(value)).atField("count");
    return value;
}

Expected<int> doubled(int value) {
    ATTNSCOPE_ASSIGN_OR_RETURN(int parsed, parsePositive(value));
    return parsed * 2;
}

Status checkBoth(int a, int b) {
    ATTNSCOPE_TRY(parsePositive(a).status());
    ATTNSCOPE_TRY(parsePositive(b).status());
    return Status::ok();
}

} // namespace

TEST(Expected, HoldsValue) {
    Expected<int> result = parsePositive(3);
    ASSERT_TRUE(result.hasValue());
    EXPECT_EQ(*result, 3);
    EXPECT_TRUE(result.status().isOk());
}

TEST(Expected, HoldsError) {
    Expected<int> result = parsePositive(-1);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.status().field(), "count");
    EXPECT_EQ(result.valueOr(7), 7);
}

TEST(Expected, AssignOrReturnPropagates) {
    EXPECT_EQ(*doubled(4), 8);
    Expected<int> failed = doubled(0);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.status().message(), "must be positive, got 0");
}

TEST(Expected, TryStopsAtFirstFailure) {
    EXPECT_TRUE(checkBoth(1, 2).isOk());
    EXPECT_EQ(checkBoth(1, -5).message(), "must be positive, got -5");
}

TEST(Expected, OkStatusCannotPassForAValue) {
    Expected<int> result{Status::ok()};
    EXPECT_FALSE(result.hasValue());
    EXPECT_EQ(result.status().code(), attnscope::StatusCode::Internal);
}

TEST(Expected, MoveOnlyValues) {
    Expected<std::unique_ptr<int>> result = std::make_unique<int>(5);
    std::unique_ptr<int> taken = std::move(result).value();
    EXPECT_EQ(*taken, 5);
}
