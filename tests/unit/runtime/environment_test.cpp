// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/log.h"
#include "attnscope/runtime/environment.h"
#include "attnscope/version.h"

#include <gtest/gtest.h>

#include <torch/version.h>

using namespace attnscope;

TEST(Environment, ReportsLibrariesAndBackends) {
    auto environment = runtime::queryEnvironment();
    ASSERT_TRUE(environment) << environment.status().toString();
    EXPECT_EQ(environment->attnscopeVersion, ATTNSCOPE_VERSION_STRING);
    EXPECT_EQ(environment->torchVersion, TORCH_VERSION);
    EXPECT_GE(environment->intraOpThreads, 1);
    ASSERT_FALSE(environment->backends.empty());
    EXPECT_EQ(environment->backends.front().name, "cpu");
}

TEST(Environment, ScriptsSetupInstallsAFastBlas) {
    // PLATFORM.md: Debian's LibTorch on the netlib reference BLAS is ~10x slower. scripts/setup installs
    // OpenBLAS; this test fails on a machine where that step was skipped.
    auto environment = runtime::queryEnvironment();
    ASSERT_TRUE(environment);
    ASSERT_FALSE(environment->blasLibrary.empty()) << "LibTorch loaded no BLAS library";
    EXPECT_FALSE(environment->referenceBlas) << "reference BLAS in use: " << environment->blasLibrary;
}

TEST(Environment, ReferenceBlasWarningIsLoggedOnce) {
    std::vector<std::string> warnings;
    log::setStderrEnabled(false);
    const int sink = log::addSink([&](const log::Record& r) {
        if (r.level == log::Level::Warning)
            warnings.push_back(r.message);
    });
    runtime::Environment slow;
    slow.blasLibrary = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
    slow.referenceBlas = true;
    EXPECT_TRUE(runtime::warnIfReferenceBlas(slow));
    EXPECT_FALSE(runtime::warnIfReferenceBlas(slow));
    log::removeSink(sink);
    log::setStderrEnabled(true);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("libopenblas0-pthread"), std::string::npos);
}
