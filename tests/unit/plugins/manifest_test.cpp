// SPDX-License-Identifier: Apache-2.0
#include "attnscope/plugin/manifest.h"

#include <gtest/gtest.h>

using namespace attnscope;
using plugin::parseManifest;

TEST(Manifest, ParsesAFullManifest) {
    auto manifest = parseManifest(R"({
        "id": "act.calibration", "version": "1.0.0", "compat_version": "0.9.0", "family": "calibration",
        "name": "ACT", "description": "Attention calibration", "requires": ["cuda"],
        "dependencies": ["core.sinks"],
        "parameters": [
            {"name": "beta", "type": "float", "minimum": 0, "maximum": 1, "default": 0.4},
            {"name": "mode", "type": "enum", "choices": ["sink", "all"], "default": "sink"},
            {"name": "layers", "type": "int", "minimum": 0, "default": 2},
            {"name": "exclude-bos", "type": "bool", "default": true}
        ]})",
                                  "act.json");
    ASSERT_TRUE(manifest) << manifest.status().toString();
    EXPECT_EQ(manifest->id, "act.calibration");
    EXPECT_EQ(manifest->compatVersion, "0.9.0");
    EXPECT_EQ(manifest->family, plugin::Family::Calibration);
    EXPECT_EQ(manifest->requirements, std::vector<std::string>{"cuda"});
    ASSERT_EQ(manifest->parameters.size(), 4u);
    EXPECT_EQ(manifest->parameters[0].defaultJson, "0.4");
    EXPECT_EQ(*manifest->parameters[0].maximum, 1.0);
    EXPECT_EQ(manifest->parameters[1].choices.size(), 2u);
    EXPECT_EQ(manifest->parameters[3].type, plugin::ParameterType::Bool);
}

TEST(Manifest, CompatVersionDefaultsToVersion) {
    auto manifest = parseManifest(R"({"id": "a", "version": "2.1.0", "family": "kv_policy"})", "m.json");
    ASSERT_TRUE(manifest);
    EXPECT_EQ(manifest->compatVersion, "2.1.0");
    EXPECT_EQ(manifest->name, "a");
}

struct BadManifest {
    const char* json;
    const char* field;
};

class ManifestErrors : public ::testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, NameFileAndField) {
    auto manifest = parseManifest(GetParam().json, "plugins/x.json");
    ASSERT_FALSE(manifest);
    EXPECT_EQ(manifest.status().code(), StatusCode::ParseError);
    EXPECT_EQ(manifest.status().file(), "plugins/x.json");
    EXPECT_EQ(manifest.status().field(), GetParam().field) << manifest.status().toString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ManifestErrors,
    ::testing::Values(BadManifest{"{not json", "manifest"}, BadManifest{"[1, 2]", ""},
                      BadManifest{R"({"version": "1.0.0", "family": "sharing"})", "id"},
                      BadManifest{R"({"id": "Bad Id", "version": "1.0.0", "family": "sharing"})", "id"},
                      BadManifest{R"({"id": "a", "version": "1.0", "family": "sharing"})", "version"},
                      BadManifest{R"({"id": "a", "version": 1, "family": "sharing"})", "version"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "magic"})", "family"},
                      BadManifest{
                          R"({"id": "a", "version": "1.0.0", "family": "sharing", "requires": "cuda"})",
                          "requires"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing", "parameters": {}})",
                                  "parameters"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing",
                        "parameters": [{"name": "x", "type": "float"}]})",
                                  "parameters[0].default"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing",
                        "parameters": [{"name": "x", "type": "float", "minimum": 0, "maximum": 1, "default": 3}]})",
                                  "parameters[0].default"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing",
                        "parameters": [{"name": "x", "type": "complex", "default": 0}]})",
                                  "parameters[0].type"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing",
                        "parameters": [{"name": "m", "type": "enum", "choices": ["a"], "default": "b"}]})",
                                  "parameters[0].default"},
                      BadManifest{R"({"id": "a", "version": "1.0.0", "family": "sharing",
                        "parameters": [{"name": "x", "type": "int", "default": 1},
                                       {"name": "x", "type": "int", "default": 2}]})",
                                  "parameters[1].name"}),
    [](const ::testing::TestParamInfo<BadManifest>& info) { return "case" + std::to_string(info.index); });
