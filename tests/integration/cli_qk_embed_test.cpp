// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli qk-embed` on the demo model: the JSON and CSV agree, both methods and dimensions, refusals.
#include "cli_fixtures.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace attnscope::test;
namespace fs = std::filesystem;

namespace {

const std::string kDemoModel = std::string(ATTNSCOPE_RESOURCES_DIR) + "/models/attnscope-demo";
const std::string kText = "The secret number of Oscar is 20000. A computer is a man who has a plan.";

nlohmann::json embed(const std::string& arguments) {
    const std::string command = kCli + " qk-embed " + kDemoModel + " --text \"" + kText + "\" " + arguments;
    const ProcessResult run = runProcess(command);
    EXPECT_EQ(run.exitCode, 0) << command << "\n" << run.output;
    return nlohmann::json::parse(run.output, nullptr, false);
}

} // namespace

TEST(CliQkEmbed, PcaPointsMatchTheirCsvAndDescribeEveryToken) {
    const fs::path csv = fs::temp_directory_path() / "attnscope_cli_qk_embed.csv";
    const nlohmann::json e = embed("--layer 1 --head 3 --csv " + csv.string() + " --json");
    ASSERT_TRUE(e.is_object());
    EXPECT_EQ(e["parameters"]["method"], "pca");
    EXPECT_EQ(e["parameters"]["kv_head"], 1); // 4 query heads over 2 KV heads
    EXPECT_EQ(e["parameters"]["normalize"], true);
    const int tokens = e["tokens"].get<int>();
    EXPECT_GT(tokens, 10);
    EXPECT_EQ(e["sampled_tokens"], tokens);
    ASSERT_EQ(e["points"].size(), static_cast<std::size_t>(2 * tokens));
    const auto& variance = e["explained_variance"];
    ASSERT_EQ(variance.size(), 2u);
    EXPECT_GE(variance[0].get<double>(), variance[1].get<double>());
    EXPECT_LE(variance[0].get<double>() + variance[1].get<double>(), 1.0);
    EXPECT_GT(e["query_scale"].get<double>(), 0.0);
    const double fidelity = e["top_key_among_nearest"].get<double>();
    EXPECT_GE(fidelity, 0.0);
    EXPECT_LE(fidelity, 1.0);
    EXPECT_EQ(e["points"][0]["text"], ""); // BOS has no bytes of the text
    EXPECT_EQ(e["points"][1]["text"], "The");
    EXPECT_EQ(e["points"][tokens + 1]["kind"], "key");

    std::ifstream file(csv);
    std::string line;
    std::getline(file, line);
    EXPECT_EQ(line, "kind,token,id,text,x,y");
    int rows = 0;
    while (std::getline(file, line)) {
        std::vector<std::string> fields;
        std::stringstream stream(line);
        for (std::string field; std::getline(stream, field, ',');)
            fields.push_back(field);
        ASSERT_GE(fields.size(), 6u) << line;
        const auto& point = e["points"][rows];
        EXPECT_EQ(fields[0], point["kind"].get<std::string>());
        EXPECT_EQ(std::stoi(fields[1]), point["token"].get<int>());
        EXPECT_NEAR(std::stod(fields[fields.size() - 2]), point["coordinates"][0].get<double>(), 1e-6);
        EXPECT_NEAR(std::stod(fields.back()), point["coordinates"][1].get<double>(), 1e-6);
        ++rows;
    }
    EXPECT_EQ(rows, 2 * tokens);
    fs::remove(csv);
}

TEST(CliQkEmbed, TsneIn3DSamplesTokensEvenly) {
    const nlohmann::json e =
        embed("--layer 0 --head 1 --method tsne --dims 3 --sample-tokens 8 --raw --json");
    ASSERT_TRUE(e.is_object());
    EXPECT_EQ(e["sampled_tokens"], 8);
    ASSERT_EQ(e["points"].size(), 16u);
    EXPECT_EQ(e["points"][0]["token"], 0);
    EXPECT_EQ(e["points"][7]["token"], e["tokens"].get<int>() - 1);
    EXPECT_EQ(e["points"][15]["coordinates"].size(), 3u);
    EXPECT_EQ(e["parameters"]["normalize"], false);
    EXPECT_DOUBLE_EQ(e["parameters"]["perplexity"].get<double>(), 5.0); // lowered to (16 − 1) / 3
    EXPECT_GT(e["kl_divergence"].get<double>(), 0.0);
}

TEST(CliQkEmbed, RefusesHeadsAndLayersTheModelLacks) {
    expectRefusals(kCli + " qk-embed " + kDemoModel + " --text hello",
                   {{" --head 4", "--head"},
                    {" --layer 4", "--layer"},
                    {" --dims 4", "--dims"},
                    {" --method umap", "--method"},
                    {" --iterations 10", "--iterations"}});
}

TEST(CliQkEmbed, AllHeadsSummarizesEveryHeadOfTheLayerAsSingleRunsDo) {
    const nlohmann::json all = embed("--layer 2 --all-heads --json");
    ASSERT_TRUE(all.is_object());
    ASSERT_EQ(all["heads"].size(), 4u);
    EXPECT_FALSE(all.contains("points"));
    EXPECT_EQ(all["parameters"]["layer"], 2);
    for (int h = 0; h < 4; ++h) {
        const nlohmann::json one = embed("--layer 2 --head " + std::to_string(h) + " --json");
        const auto& head = all["heads"][h];
        EXPECT_EQ(head["head"], h);
        EXPECT_EQ(head["kv_head"], one["parameters"]["kv_head"]);
        EXPECT_EQ(head["top_key_among_nearest"], one["top_key_among_nearest"]);
        EXPECT_EQ(head["explained_variance"], one["explained_variance"]);
    }
    const ProcessResult text = runProcess(kCli + " qk-embed " + kDemoModel + " --text hello --all-heads");
    EXPECT_EQ(text.exitCode, 0) << text.output;
    EXPECT_NE(text.output.find("top key near"), std::string::npos) << text.output;
    expectRefusals(kCli + " qk-embed " + kDemoModel + " --text hello --all-heads",
                   {{" --csv x.csv", "--csv"}});
}
