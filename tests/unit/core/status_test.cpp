// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/status.h"

#include <gtest/gtest.h>

using attnscope::Status;
using attnscope::StatusCode;

TEST(Status, DefaultIsOk) {
    Status status;
    EXPECT_TRUE(status.isOk());
    EXPECT_EQ(status.toString(), "ok");
}

TEST(Status, MessageNamesFileAndField) {
    Status status =
        Status::parseError("expected 7 int32 values, got 5").inFile("model.bin").atField("header");
    EXPECT_FALSE(status.isOk());
    EXPECT_EQ(status.code(), StatusCode::ParseError);
    EXPECT_EQ(status.toString(), "model.bin: header: expected 7 int32 values, got 5");
}

TEST(Status, FieldsNestOutermostFirstAndInnermostFileWins) {
    Status status = Status::invalidArgument("bad dtype 99").atField("dtype");
    status.atField("tensors[3]").inFile("inner.gguf").inFile("outer.gguf");
    EXPECT_EQ(status.field(), "tensors[3].dtype");
    EXPECT_EQ(status.file(), "inner.gguf");
}

TEST(Status, ContextPrefixesMessage) {
    Status status = Status::ioError("permission denied").context("opening project");
    EXPECT_EQ(status.message(), "opening project: permission denied");
}

TEST(Status, DecoratingSuccessKeepsItSuccessful) {
    Status status = Status::ok().inFile("x").atField("y").context("z");
    EXPECT_TRUE(status.isOk());
    EXPECT_TRUE(status.file().empty());
}

TEST(Status, ErrorWithOkCodeBecomesInternal) {
    Status status = Status::error(StatusCode::Ok, "oops");
    EXPECT_FALSE(status.isOk());
    EXPECT_EQ(status.code(), StatusCode::Internal);
}

TEST(Status, CodeNamesAreStable) {
    EXPECT_STREQ(attnscope::statusCodeName(StatusCode::InvalidArgument), "invalid_argument");
    EXPECT_STREQ(attnscope::statusCodeName(StatusCode::Cancelled), "cancelled");
    EXPECT_STREQ(attnscope::statusCodeName(StatusCode::OutOfMemory), "out_of_memory");
}
