// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace log = attnscope::log;

class LogTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_previous = log::minimumLevel();
        log::setStderrEnabled(false);
        m_sink = log::addSink([this](const log::Record& record) { m_records.push_back(record); });
    }
    void TearDown() override {
        log::removeSink(m_sink);
        log::setStderrEnabled(true);
        log::setMinimumLevel(m_previous);
    }
    std::vector<log::Record> m_records;
    int m_sink = 0;
    log::Level m_previous = log::Level::Info;
};

TEST_F(LogTest, SinkReceivesRecordsAtOrAboveTheMinimum) {
    log::setMinimumLevel(log::Level::Warning);
    log::info("runtime", "dropped");
    log::warning("runtime", "kept");
    log::error("kernels", "also kept");
    ASSERT_EQ(m_records.size(), 2u);
    EXPECT_EQ(m_records[0].message, "kept");
    EXPECT_EQ(m_records[1].component, "kernels");
    EXPECT_EQ(m_records[1].level, log::Level::Error);
}

TEST_F(LogTest, RemovedSinkIsSilent) {
    log::setMinimumLevel(log::Level::Debug);
    log::removeSink(m_sink);
    log::info("x", "after removal");
    EXPECT_TRUE(m_records.empty());
}

TEST(LogLevel, ParsesNames) {
    log::Level level = log::Level::Info;
    EXPECT_TRUE(log::parseLevel("warn", level));
    EXPECT_EQ(level, log::Level::Warning);
    EXPECT_TRUE(log::parseLevel("debug", level));
    EXPECT_EQ(level, log::Level::Debug);
    EXPECT_FALSE(log::parseLevel("loud", level));
    EXPECT_EQ(level, log::Level::Debug);
}
