// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/json_parse.h"
#include "attnscope/model/model_config.h"
#include "attnscope/model/safetensors.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using namespace attnscope;

namespace {
/// `{"key": [[[...]]]}` with `depth` nested arrays.
std::string nested(const std::string& key, int depth) {
    return "{\"" + key + "\": " + std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']') + "}";
}
} // namespace

TEST(JsonParse, ParsesOrdinaryTextAndRefusesDeepNesting) {
    bool deep = true;
    const auto value = parseJsonText(R"({"a": [1, {"b": "c"}], "d": null})", &deep);
    ASSERT_FALSE(value.is_discarded());
    EXPECT_FALSE(deep);
    EXPECT_EQ(value["a"][1]["b"], "c");
    EXPECT_TRUE(parseJsonText("{\"a\": ").is_discarded());

    // The object and kMaxJsonDepth - 1 arrays are kMaxJsonDepth levels: accepted; one more is refused.
    EXPECT_FALSE(parseJsonText(nested("a", kMaxJsonDepth - 1), &deep).is_discarded());
    EXPECT_FALSE(deep);
    EXPECT_TRUE(parseJsonText(nested("a", kMaxJsonDepth), &deep).is_discarded());
    EXPECT_TRUE(deep);
    // Brackets inside strings (with escaped quotes) are text, not nesting.
    const auto text = parseJsonText("{\"s\": \"" + std::string(1000, '[') + "\\\"[\"}", &deep);
    ASSERT_FALSE(text.is_discarded());
    EXPECT_FALSE(deep);
    EXPECT_EQ(text["s"].get<std::string>().size(), 1002u);
    // A million levels: nlohmann would parse it, then overflow the stack copying it (a tokenizer.json like
    // this crashed `attnscope-cli tokenize`).
    EXPECT_TRUE(parseJsonText(nested("a", 1000000), &deep).is_discarded());
    EXPECT_TRUE(deep);
}

TEST(JsonParse, DeeplyNestedFilesAreRefusedByTheirParsers) {
    const std::string deep = nested("model", 500000);
    auto tokenizer = tokenizers::parseTokenizerJson(deep, "deep.json");
    ASSERT_FALSE(tokenizer);
    EXPECT_EQ(tokenizer.status().file(), "deep.json");
    EXPECT_NE(tokenizer.status().message().find("nested deeper"), std::string::npos)
        << tokenizer.status().toString();

    auto config = model::parseHfConfig(nested("architectures", 500000), "config.json");
    ASSERT_FALSE(config);
    EXPECT_NE(config.status().message().find("nested deeper"), std::string::npos)
        << config.status().toString();

    // A safetensors header: 8-byte little-endian length, then the JSON.
    const std::string header = nested("__metadata__", 500000);
    std::string image(8, '\0');
    const uint64_t length = header.size();
    std::memcpy(image.data(), &length, 8);
    image += header;
    auto tensors =
        model::parseSafetensors(reinterpret_cast<const std::byte*>(image.data()), image.size(), "m.st");
    ASSERT_FALSE(tensors);
    EXPECT_EQ(tensors.status().field(), "header");
    EXPECT_NE(tensors.status().message().find("nests deeper"), std::string::npos)
        << tensors.status().toString();
}

TEST(JsonParse, LongArraysOfObjectsParse) {
    // 300,000 objects in one array, as a large tokenizer's added_tokens or a run document's head lists
    // are: a depth-counting parser callback made nlohmann rescan the array after every object (quadratic:
    // minutes here); the depth is now counted in a pass before parsing.
    std::string text = "{\"x\": [";
    for (int i = 0; i < 300000; ++i)
        text += i > 0 ? ",{\"id\": 1}" : "{\"id\": 1}";
    text += "]}";
    const auto value = parseJsonText(text);
    ASSERT_FALSE(value.is_discarded());
    EXPECT_EQ(value["x"].size(), 300000u);
}
