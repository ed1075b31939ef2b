// SPDX-License-Identifier: Apache-2.0
// attnscope-cli as a user runs it: exit codes, --help, --version and the --json convention.
#include "process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using attnscope::test::runProcess;

namespace {
const std::string kCli = ATTNSCOPE_CLI_PATH;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
    auto result = runProcess(kCli + " --version");
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.output.find(ATTNSCOPE_VERSION_FOR_TEST), std::string::npos) << result.output;
}

TEST(Cli, HelpListsSubcommands) {
    auto result = runProcess(kCli + " --help");
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.output.find("info"), std::string::npos);
    EXPECT_NE(result.output.find("plugins"), std::string::npos);
    EXPECT_NE(result.output.find("--json"), std::string::npos);
}

TEST(Cli, UnknownSubcommandFails) {
    auto result = runProcess(kCli + " frobnicate", true);
    EXPECT_NE(result.exitCode, 0);
    auto none = runProcess(kCli, true);
    EXPECT_NE(none.exitCode, 0) << "a subcommand is required";
}

TEST(Cli, InfoJsonToStdout) {
    auto result = runProcess(kCli + " info --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    EXPECT_EQ(document["attnscope"]["version"], ATTNSCOPE_VERSION_FOR_TEST);
    EXPECT_FALSE(document["torch"]["version"].get<std::string>().empty());
    ASSERT_TRUE(document["backends"].is_array());
    EXPECT_EQ(document["backends"][0]["name"], "cpu");
    EXPECT_EQ(document["backends"][0]["available"], true);
}

TEST(Cli, InfoJsonToFileAndTextWithout) {
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_info_test.json";
    std::filesystem::remove(path);
    auto result = runProcess(kCli + " info --json " + path.string());
    ASSERT_EQ(result.exitCode, 0);
    std::ifstream file(path);
    auto document = nlohmann::json::parse(file, nullptr, false);
    EXPECT_FALSE(document.is_discarded());
    EXPECT_TRUE(document.contains("torch"));
    std::filesystem::remove(path);

    auto text = runProcess(kCli + " info");
    EXPECT_EQ(text.exitCode, 0);
    EXPECT_NE(text.output.find("LibTorch"), std::string::npos) << text.output;
}

TEST(Cli, UnwritableJsonPathFailsWithMessage) {
    auto result = runProcess(kCli + " info --json /nonexistent-dir/out.json", true);
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.output.find("/nonexistent-dir/out.json"), std::string::npos) << result.output;
}

TEST(Cli, PluginsListsLoadedAndFailedLibraries) {
    auto result = runProcess(kCli + " plugins --dir " ATTNSCOPE_TEST_PLUGIN_DIR " --json");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto document = nlohmann::json::parse(result.output, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << result.output;
    ASSERT_EQ(document["plugins"].size(), 1u);
    EXPECT_EQ(document["plugins"][0]["id"], "test.good");
    EXPECT_EQ(document["failures"].size(), 2u);
    EXPECT_EQ(document["failures"][0]["code"].get<std::string>().empty(), false);
}

TEST(Cli, BadLogLevelIsRejected) {
    auto result = runProcess(kCli + " --log-level loud info", true);
    EXPECT_NE(result.exitCode, 0);
    EXPECT_NE(result.output.find("--log-level"), std::string::npos) << result.output;
}
