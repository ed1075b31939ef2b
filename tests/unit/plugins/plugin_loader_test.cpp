// SPDX-License-Identifier: Apache-2.0
// Loads real shared libraries built from tests/data/plugins.
#include "attnscope/plugin/plugin_loader.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace attnscope;

namespace {
std::string fixture(const char* name) {
    return std::string(ATTNSCOPE_TEST_PLUGIN_DIR) + "/" + name + ".so";
}
} // namespace

TEST(PluginLoader, LoadsAValidPlugin) {
    auto loaded = plugin::loadPlugin(fixture("good_plugin"));
    ASSERT_TRUE(loaded) << loaded.status().toString();
    const plugin::Manifest& manifest = (*loaded)->manifest();
    EXPECT_EQ(manifest.id, "test.good");
    EXPECT_EQ(manifest.version, "1.2.3");
    ASSERT_EQ(manifest.parameters.size(), 1u);
    EXPECT_EQ(manifest.parameters[0].name, "beta");
    EXPECT_NE((*loaded)->symbol("attnscope_plugin_manifest"), nullptr);
}

TEST(PluginLoader, RefusesAnotherAbiBeforeReadingTheManifest) {
    auto loaded = plugin::loadPlugin(fixture("wrong_abi_plugin"));
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.status().code(), StatusCode::Unsupported);
    EXPECT_EQ(loaded.status().field(), "attnscope_plugin_abi_version");
    EXPECT_NE(loaded.status().message().find("ABI 42"), std::string::npos) << loaded.status().toString();
    EXPECT_NE(loaded.status().file().find("wrong_abi_plugin.so"), std::string::npos);
}

TEST(PluginLoader, ReportsManifestErrorsWithTheLibraryPath) {
    auto loaded = plugin::loadPlugin(fixture("bad_manifest_plugin"));
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.status().field(), "family");
    EXPECT_NE(loaded.status().file().find("bad_manifest_plugin.so"), std::string::npos);
}

TEST(PluginLoader, MissingFileAndNonLibraryAreErrors) {
    auto missing = plugin::loadPlugin("/nonexistent/plugin.so");
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
    auto notALibrary = plugin::loadPlugin(__FILE__);
    EXPECT_EQ(notALibrary.status().code(), StatusCode::IoError);
    EXPECT_EQ(notALibrary.status().file(), __FILE__);
}

TEST(PluginLoader, ScanLoadsGoodAndReportsBadOnes) {
    plugin::PluginScan scan = plugin::scanPluginDirectory(ATTNSCOPE_TEST_PLUGIN_DIR);
    ASSERT_EQ(scan.plugins.size(), 1u);
    EXPECT_EQ(scan.plugins[0]->manifest().id, "test.good");
    EXPECT_EQ(scan.failures.size(), 2u);
    EXPECT_TRUE(plugin::scanPluginDirectory("/nonexistent").plugins.empty());
}
