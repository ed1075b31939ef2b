// SPDX-License-Identifier: Apache-2.0
// The analyze suite's settings as JSON: what the studio stores and `analyze --settings` reads.
#include "attnscope/analyses/suite_settings.h"

#include <gtest/gtest.h>

using namespace attnscope;
using namespace attnscope::analyses;
using Json = nlohmann::json;

TEST(SuiteSettings, WritesEveryKeyWithTheDefaults) {
    const Json json = suiteSettingsToJson(SuiteOptions{});
    ASSERT_EQ(json.size(), suiteSettingKeys().size());
    for (const std::string& key : suiteSettingKeys())
        EXPECT_TRUE(json.contains(key)) << key;
    EXPECT_EQ(json["analyses"], "all");
    EXPECT_DOUBLE_EQ(json["flex_gamma"].get<double>(), 0.9);
    EXPECT_EQ(json["flex_min_budget"], 512);
    EXPECT_EQ(json["snap_capacities"], Json::array({256, 512, 1024, 2048}));
    EXPECT_EQ(json["act_first_sink"], "drop-first");
    EXPECT_EQ(json["act_alpha"], 0.0); // the absolute threshold
    EXPECT_DOUBLE_EQ(json["act_threshold"].get<double>(), 0.1);
    EXPECT_EQ(json["razor_span"], 0); // what the trained context allows
    EXPECT_EQ(json["needles"], "");
}

TEST(SuiteSettings, ChangedValuesSurviveTheRoundTrip) {
    SuiteOptions changed;
    changed.analyses = "sinks,sparsity";
    changed.sparsity.flexGamma = 0.95;
    changed.sparsity.flexMinBudget = 1024;
    changed.sparsity.snapCapacities = {128, 4096};
    changed.sparsity.snapMaxPool = true;
    changed.sinks.actThreshold = ActThreshold::RelativeAlpha;
    changed.sinks.actAlpha = 3.5;
    changed.sinks.actFirstSink = ActFirstSink::ExcludeToken0;
    changed.razorProbe.span = 300;
    changed.seed = 18446744073709551615ull; // uint64 max survives JSON
    changed.depths = {0.1, 0.9};
    changed.needleTexts = {"The key is 42."};

    SuiteOptions read;
    ASSERT_TRUE(applySuiteSettings(suiteSettingsToJson(changed), read, "settings").isOk());
    EXPECT_EQ(suiteSettingsToJson(read), suiteSettingsToJson(changed));
    EXPECT_EQ(read.analyses, "sinks,sparsity");
    EXPECT_DOUBLE_EQ(read.sparsity.flexGamma, 0.95);
    EXPECT_EQ(read.sparsity.snapCapacities, (std::vector<int>{128, 4096}));
    EXPECT_EQ(read.sinks.actThreshold, ActThreshold::RelativeAlpha);
    EXPECT_DOUBLE_EQ(read.sinks.actAlpha, 3.5);
    EXPECT_EQ(read.sinks.actFirstSink, ActFirstSink::ExcludeToken0);
    EXPECT_EQ(read.seed, 18446744073709551615ull);
    EXPECT_EQ(read.needleTexts, changed.needleTexts);
}

TEST(SuiteSettings, AbsentKeysKeepTheirValuesAndAlphaZeroMeansAbsolute) {
    SuiteOptions options;
    options.sinks.actThreshold = ActThreshold::RelativeAlpha;
    options.sparsity.flexTau = 0.3;
    ASSERT_TRUE(applySuiteSettings(Json{{"act_alpha", 0}, {"decode_rows", 16}}, options, "s.json").isOk());
    EXPECT_EQ(options.sinks.actThreshold, ActThreshold::Absolute);
    EXPECT_EQ(options.sparsity.decodeRows, 16);
    EXPECT_DOUBLE_EQ(options.sparsity.flexTau, 0.3); // not in the file: unchanged
    // An integer written as 16.0 (some JSON writers do) is still an integer.
    ASSERT_TRUE(
        applySuiteSettings(Json::parse(R"({"decode_rows": 32.0, "seed": 5.0})"), options, "s.json").isOk());
    EXPECT_EQ(options.sparsity.decodeRows, 32);
    EXPECT_EQ(options.seed, 5u);
}

TEST(SuiteSettings, BadValuesAreRefusedNamingFileAndKeyAndChangeNothing) {
    const std::vector<std::pair<Json, std::string>> cases = {
        {Json{{"flex_gamma", 1.5}}, "flex_gamma"},
        {Json{{"flex_gamma", "0.9"}}, "flex_gamma"},
        {Json{{"razor_repeats", 1}}, "razor_repeats"},
        {Json{{"decode_rows", 2.5}}, "decode_rows"},
        {Json{{"decode_rows", -1}}, "decode_rows"},
        {Json{{"decode_rows", 1e300}}, "decode_rows"},
        {Json{{"snap_capacities", Json::array()}}, "snap_capacities"},
        {Json{{"snap_capacities", Json::array({256, 0})}}, "snap_capacities"},
        {Json{{"snap_max_pool", 1}}, "snap_max_pool"},
        {Json{{"depths", Json::array({0.5, 2})}}, "depths"},
        {Json{{"depths", Json::array()}}, "depths"},   // no prompts would be generated
        {Json{{"lengths", Json::array()}}, "lengths"}, // likewise
        {Json{{"seed", 1.5}}, "seed"},
        {Json{{"seed", 1e30}}, "seed"},
        {Json{{"flex_tau", 2e9}}, "flex_tau"},
        {Json{{"needle", Json::array({1})}}, "needle"},
        {Json{{"seed", -3}}, "seed"},
        {Json{{"analyses", "sinks,heatmaps"}}, "analyses"},
        {Json{{"analyses", ""}}, "analyses"},
        {Json{{"act_first_sink", "drop-all"}}, "act_first_sink"},
        {Json{{"act_alpha", -1}}, "act_alpha"},
        {Json{{"flex_gama", 0.9}}, "flex_gama"}, // a typo is refused, not ignored
    };
    for (const auto& [json, key] : cases) {
        SuiteOptions options;
        options.sparsity.flexGamma = 0.8;
        // A valid key applied before the bad one (keys are read in sorted order): nothing is applied
        // when any key is refused.
        Json withValid = json;
        withValid["act_threshold"] = 0.5;
        const Status status = applySuiteSettings(withValid, options, "my-settings.json");
        ASSERT_FALSE(status.isOk()) << json.dump();
        EXPECT_EQ(status.file(), "my-settings.json") << json.dump();
        EXPECT_EQ(status.field(), key) << json.dump();
        EXPECT_DOUBLE_EQ(options.sinks.actAbsolute, SinkParameters{}.actAbsolute) << json.dump();
        EXPECT_DOUBLE_EQ(options.sparsity.flexGamma, 0.8) << json.dump();
    }
    // The two keys that sort before act_threshold: a valid one before the bad one.
    SuiteOptions atomic;
    const Status late =
        applySuiteSettings(Json{{"act_alpha", 2}, {"act_first_sink", "drop-all"}}, atomic, "s.json");
    EXPECT_EQ(late.field(), "act_first_sink");
    EXPECT_EQ(atomic.sinks.actThreshold, ActThreshold::Absolute) << "act_alpha was applied";

    SuiteOptions options;
    const Status notObject = applySuiteSettings(Json::array({1, 2}), options, "list.json");
    ASSERT_FALSE(notObject.isOk());
    EXPECT_EQ(notObject.file(), "list.json");
    EXPECT_NE(notObject.message().find("object"), std::string::npos) << notObject.toString();
}
