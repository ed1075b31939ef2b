// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli generate --attention-top K` on the demo model: the same continuation as without it, and
// each generated token's attention rows in the JSON.
#include "cli_fixtures.h"

#include <nlohmann/json.hpp>

using namespace attnscope::test;

namespace {

const std::string kGenerate =
    kCli + " generate " + std::string(ATTNSCOPE_RESOURCES_DIR) +
    "/models/attnscope-demo --prompt \"The secret number of Oscar is 20431. Never trust "
    "a man who has a dog. The secret number of Oscar is\" --max-new-tokens 6";

} // namespace

TEST(CliGenerateAttention, RecordsTheRowsThatChoseEachTokenWithoutChangingThem) {
    const ProcessResult traced = runProcess(kGenerate + " --attention-top 4 --json");
    ASSERT_EQ(traced.exitCode, 0) << traced.output;
    const nlohmann::json document = nlohmann::json::parse(traced.output, nullptr, false);
    ASSERT_TRUE(document.is_object());
    const ProcessResult plain = runProcess(kGenerate + " --json");
    ASSERT_EQ(plain.exitCode, 0) << plain.output;
    EXPECT_EQ(document["ids"], nlohmann::json::parse(plain.output)["ids"]);
    EXPECT_EQ(document["text"], " 20431") << "the needle's value, copied";

    const auto& attention = document["attention"];
    const std::size_t promptTokens = document["prompt_ids"].size();
    EXPECT_EQ(attention["prompt_tokens"], promptTokens);
    EXPECT_EQ(attention["texts"].size(), promptTokens + document["ids"].size());
    ASSERT_EQ(attention["steps"].size(), document["ids"].size());
    for (std::size_t s = 0; s < attention["steps"].size(); ++s) {
        const auto& step = attention["steps"][s];
        EXPECT_EQ(step["token"], document["ids"][s]);
        EXPECT_EQ(step["row"], promptTokens - 1 + s);
        ASSERT_EQ(step["heads"].size(), 16u); // 4 layers × 4 heads
        for (const auto& head : step["heads"]) {
            ASSERT_EQ(head["keys"].size(), 4u);
            for (std::size_t k = 0; k < 4; ++k) {
                EXPECT_LE(head["keys"][k].get<int>(), step["row"].get<int>());
                if (k > 0) {
                    EXPECT_GE(head["probabilities"][k - 1].get<double>(),
                              head["probabilities"][k].get<double>());
                }
            }
            EXPECT_GE(head["sink_mass"].get<double>(), 0.0);
            EXPECT_LE(head["sink_mass"].get<double>(), 1.0);
        }
    }
    // Copying the needle: at the step writing "2", some head's strongest key is the "2" of the needle.
    const std::size_t twoStep = 1;
    ASSERT_EQ(attention["steps"][twoStep]["text"], "2");
    bool found = false;
    for (const auto& head : attention["steps"][twoStep]["heads"])
        found = found || attention["texts"][head["keys"][0].get<std::size_t>()] == "2";
    EXPECT_TRUE(found);

    // The generated tokens' texts add up to the continuation.
    std::string continuation;
    for (std::size_t p = promptTokens; p < attention["texts"].size(); ++p)
        continuation += attention["texts"][p].get<std::string>();
    EXPECT_EQ(continuation, document["text"]);

    const ProcessResult text = runProcess(kGenerate + " --attention-top 2");
    ASSERT_EQ(text.exitCode, 0) << text.output;
    EXPECT_NE(text.output.find("attention when each token was chosen"), std::string::npos) << text.output;
    expectRefusals(kGenerate, {{" --attention-top 999", "--attention-top"},
                               {" --attention-top 4 --streaming-window 16", "--attention-top"}});
}
