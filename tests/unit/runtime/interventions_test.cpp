// SPDX-License-Identifier: Apache-2.0
// Interventions in the forward pass — ACT calibration and EchoAtt sharing — against the independent
// double-precision reference, through cached decoding, and refused by name when they do not fit.
#include "attnscope/analyses/act_calibration.h"
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/interventions.h"
#include "attnscope/runtime/model.h"

#include "../../support/max_abs_diff.h"
#include "../../support/temp_dir.h"
#include "../../support/tiny_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace attnscope;
using namespace attnscope::test;

namespace {

const std::vector<int32_t> kTokens = {1, 5, 3, 9, 0, 2, 7, 7, 10, 4};

class Interventions : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        TinyConfig config;
        config.layers = 3;
        m_tiny = makeTinyModel(config, 7);
        writeHfDirectory(m_tiny, (m_dir / "tiny").string());
        auto model = runtime::Model::load((m_dir / "tiny").string());
        ASSERT_TRUE(model) << model.status().toString();
        m_model = *model;
    }

    /// A calibration that always picks `columns` and records the column mass it was shown per call.
    runtime::ColumnCalibration fixedColumns(std::vector<runtime::HeadIndex> heads, std::vector<int> columns,
                                            float keep) {
        runtime::ColumnCalibration calibration;
        calibration.heads = std::move(heads);
        calibration.keep = keep;
        calibration.selectColumns = [this, columns](const runtime::HeadIndex&, const float* mass,
                                                    int tokens) {
            m_seenMass.emplace_back(mass, mass + tokens);
            return columns;
        };
        return calibration;
    }

    TinyModel m_tiny;
    std::shared_ptr<runtime::Model> m_model;
    std::vector<std::vector<float>> m_seenMass;
};

/// Column sums of a [T, T] probability map.
std::vector<double> columnSums(const std::vector<double>& probabilities, int tokens) {
    std::vector<double> sums(static_cast<std::size_t>(tokens), 0.0);
    for (int i = 0; i < tokens; ++i)
        for (int j = 0; j < tokens; ++j)
            sums[j] += probabilities[static_cast<std::size_t>(i) * tokens + j];
    return sums;
}

} // namespace

TEST_F(Interventions, CalibrationMatchesTheReferenceAndSeesTheColumnMass) {
    const std::vector<int> columns = {1, 4};
    runtime::ForwardOptions options;
    options.interventions.calibration = fixedColumns({{0, 2}, {1, 0}, {1, 3}}, columns, 0.4f);
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();

    ReferenceInterventions reference;
    reference.keep = 0.4;
    for (const auto& head : options.interventions.calibration->heads)
        reference.calibratedColumns[head] = columns;
    const ReferenceOutput expected = referenceForward(m_tiny, kTokens, reference);
    EXPECT_LE(maxAbsDiff(result->logits, expected.logits), 1e-4);
    EXPECT_GT(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens).logits), 1e-3)
        << "calibrating three heads must change the output";

    // The rule saw each head's column mass over all rows of its own layer (layer 1 after layer 0's
    // calibration), in layer order and head order within a layer.
    ASSERT_EQ(m_seenMass.size(), 3u);
    const int T = static_cast<int>(kTokens.size());
    const std::vector<runtime::HeadIndex> order = {{0, 2}, {1, 0}, {1, 3}};
    for (std::size_t i = 0; i < order.size(); ++i)
        EXPECT_LE(maxAbsDiff(m_seenMass[i], columnSums(expected.attention.at(order[i]), T)), 1e-4)
            << "head " << order[i].first << ":" << order[i].second;
    ASSERT_EQ(result->calibratedColumns.size(), 3u);
    EXPECT_EQ(result->calibratedColumns.at({1, 3}), columns);
}

TEST_F(Interventions, KeepingEverythingOrSelectingNothingChangesNothing) {
    auto plain = runtime::forward(*m_model, kTokens);
    ASSERT_TRUE(plain);
    for (const auto& [columns, keep] :
         std::vector<std::pair<std::vector<int>, float>>{{{0, 3, 6}, 1.0f}, {{}, 0.4f}}) {
        runtime::ForwardOptions options;
        options.interventions.calibration = fixedColumns({{0, 0}, {2, 1}}, columns, keep);
        auto calibrated = runtime::forward(*m_model, kTokens, options);
        ASSERT_TRUE(calibrated) << calibrated.status().toString();
        EXPECT_LE(maxAbsDiff(calibrated->logits, plain->logits), 1e-5) << "keep " << keep;
    }
}

TEST_F(Interventions, ActCalibrationScalesTheHiddenSinksOfTheReferenceRule) {
    // The ACT rule on the reference's own column mass: the runtime must pick the same keys.
    analyses::SinkParameters rule;
    rule.actAbsolute = 0.12;
    runtime::ForwardOptions options;
    options.interventions.calibration = analyses::actCalibration({{1, 0}, {1, 1}, {2, 3}}, 0.4, rule);
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_NE(options.interventions.calibration->description.find("drop-first"), std::string::npos);

    // Layer by layer, the reference decides each head's set from its (calibrated-upstream) attention.
    const int T = static_cast<int>(kTokens.size());
    ReferenceInterventions reference;
    for (int layer : {1, 2}) {
        const ReferenceOutput upstream = referenceForward(m_tiny, kTokens, reference);
        for (const auto& head : options.interventions.calibration->heads) {
            if (head.first != layer)
                continue;
            const std::vector<double> sums = columnSums(upstream.attention.at(head), T);
            std::vector<float> mass(sums.begin(), sums.end());
            reference.calibratedColumns[head] =
                analyses::actSinkSet(analyses::actMeanReceived(mass.data(), T), rule);
            EXPECT_EQ(result->calibratedColumns.at(head), reference.calibratedColumns[head])
                << "head " << head.first << ":" << head.second;
        }
    }
    std::size_t scaled = 0;
    for (const auto& [head, columns] : result->calibratedColumns)
        scaled += columns.size();
    EXPECT_GT(scaled, 0u) << "the threshold must find a hidden sink somewhere for this test to mean much";
    EXPECT_LE(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens, reference).logits), 1e-4);
}

TEST_F(Interventions, ARecordReplaysTheSameInterventions) {
    // What a stored run records (the keys its input pass chose) replays the same forward pass.
    analyses::SinkParameters rule;
    rule.actAbsolute = 0.12;
    runtime::ForwardOptions options;
    options.interventions.calibration = analyses::actCalibration({{1, 0}, {2, 3}}, 0.3, rule);
    options.interventions.sharing = {{0, 1}};
    options.interventions.maskedHeads = {{2, 1}};
    auto original = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(original) << original.status().toString();
    const nlohmann::json record =
        analyses::interventionsToJson(options.interventions, original->calibratedColumns);
    ASSERT_TRUE(record["calibration"].contains("keys")) << record.dump();

    auto replayed = analyses::interventionsFromJson(nlohmann::json::parse(record.dump()));
    ASSERT_TRUE(replayed) << replayed.status().toString();
    EXPECT_EQ(replayed->maskedHeads, options.interventions.maskedHeads);
    ASSERT_EQ(replayed->sharing.size(), 1u);
    EXPECT_EQ(replayed->sharing[0].target, 1);
    runtime::ForwardOptions again;
    again.interventions = *replayed;
    auto result = runtime::forward(*m_model, kTokens, again);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_EQ(result->calibratedColumns, original->calibratedColumns);
    EXPECT_LE(maxAbsDiff(result->logits, original->logits), 1e-6);

    for (const char* bad : {R"({"masked_heads": [[1]]})", R"({"calibration": {"heads": [[1, 0]]}})",
                            R"({"calibration": {"heads": [], "beta": 0.4, "keys": [{"layer": 1}]}})",
                            R"({"sharing": [{"source": 0}]})", "[]"}) {
        auto refused = analyses::interventionsFromJson(nlohmann::json::parse(bad));
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.status().field().rfind("interventions", 0), 0u) << refused.status().toString();
    }
}

TEST_F(Interventions, SharingReusesTheSourceLayersAttention) {
    runtime::ForwardOptions options;
    ASSERT_TRUE(runtime::sharingFromBlocks({{0, 2}}).hasValue());
    options.interventions.sharing = *runtime::sharingFromBlocks({{0, 2}}); // layers 1 and 2 reuse layer 0
    options.attentionMaps = {{0, 1}, {1, 1}, {2, 1}};
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();

    ReferenceInterventions reference;
    reference.sharedFrom = {{1, 0}, {2, 0}};
    EXPECT_LE(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens, reference).logits), 1e-4);
    EXPECT_GT(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens).logits), 1e-3);
    EXPECT_LE(maxAbsDiff(result->attention.at({1, 1}), result->attention.at({0, 1})), 1e-6);
    EXPECT_LE(maxAbsDiff(result->attention.at({2, 1}), result->attention.at({0, 1})), 1e-6);

    // A chain (1 reuses 0, 2 reuses 1) is the same block.
    options.interventions.sharing = {{0, 1}, {1, 2}};
    auto chained = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(chained) << chained.status().toString();
    EXPECT_LE(maxAbsDiff(chained->logits, result->logits), 1e-6);
}

TEST_F(Interventions, CachedDecodingKeepsThePrefillsChoicesAndMatchesTheFullPass) {
    // With a rule that always picks the same keys, decoding token by token after a prefill must give
    // the full pass's last logits: the cached keys are the source layer's, the calibration's keys those
    // of the prefill (all before the decoded tokens).
    runtime::Interventions interventions;
    interventions.sharing = {{1, 2}};
    interventions.calibration = fixedColumns({{0, 1}, {2, 2}}, {0, 2}, 0.25f);
    interventions.maskedHeads = {{1, 3}};
    runtime::ForwardOptions options;
    options.interventions = interventions;
    auto full = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(full) << full.status().toString();
    const int V = full->vocabSize;
    const std::vector<float> lastRow(full->logits.end() - V, full->logits.end());

    runtime::DecoderSession session(m_model, interventions);
    ASSERT_TRUE(session.append({kTokens.begin(), kTokens.begin() + 4}));
    std::vector<float> logits;
    for (std::size_t i = 4; i < kTokens.size(); ++i) {
        auto step = session.append({kTokens[i]});
        ASSERT_TRUE(step) << step.status().toString();
        logits = *step;
    }
    EXPECT_LE(maxAbsDiff(logits, lastRow), 1e-4);
    EXPECT_EQ(m_seenMass.size(), 4u) << "two heads at the full pass, two at the prefill; none when decoding";
}

TEST_F(Interventions, BadInterventionsAreRefusedByName) {
    const model::ModelConfig& config = m_model->config();
    struct Case {
        runtime::Interventions interventions;
        std::string field, words;
    };
    std::vector<Case> cases(7);
    cases[0].interventions.maskedHeads = {{3, 0}};
    cases[0].field = "masked_heads";
    cases[0].words = "no layer 3 to mask (the model has 3 layers)";
    cases[1].interventions.calibration = fixedColumns({{0, 4}}, {}, 0.4f);
    cases[1].field = "calibration.heads";
    cases[1].words = "no head 0:4 to calibrate";
    cases[2].interventions.calibration = fixedColumns({{0, 0}}, {}, 1.5f);
    cases[2].field = "calibration.keep";
    cases[2].words = "[0, 1]";
    cases[3].interventions.calibration = fixedColumns({{0, 0}}, {}, 0.4f);
    cases[3].interventions.calibration->selectColumns = nullptr;
    cases[3].field = "calibration";
    cases[3].words = "no rule";
    cases[4].interventions.sharing = {{2, 1}};
    cases[4].field = "sharing";
    cases[4].words = "earlier layer";
    cases[5].interventions.sharing = {{0, 2}, {1, 2}};
    cases[5].field = "sharing";
    cases[5].words = "more than one";
    cases[6].interventions.sharing = {{0, 3}};
    cases[6].field = "sharing";
    cases[6].words = "outside the model's 3 layers";
    for (const Case& c : cases) {
        const Status status = runtime::checkInterventions(config, c.interventions);
        EXPECT_EQ(status.field(), c.field) << status.toString();
        EXPECT_NE(status.toString().find(c.words), std::string::npos) << status.toString();
        runtime::ForwardOptions options;
        options.interventions = c.interventions;
        auto result = runtime::forward(*m_model, kTokens, options);
        ASSERT_FALSE(result);
        EXPECT_EQ(result.status().field(), c.field);
    }

    // A rule that picks a key outside the input is an error, not a write past the scale.
    runtime::ForwardOptions options;
    options.interventions.calibration = fixedColumns({{1, 1}}, {2, 10}, 0.4f);
    auto outside = runtime::forward(*m_model, kTokens, options);
    ASSERT_FALSE(outside);
    EXPECT_NE(outside.status().toString().find("chose key 10 for head 1:1"), std::string::npos)
        << outside.status().toString();

    // Calibration needs a causal model.
    TinyConfig bertConfig;
    bertConfig.modelType = "bert";
    bertConfig.heads = bertConfig.kvHeads = 4;
    writeBertHfDirectory(makeTinyModel(bertConfig), (m_dir / "bert").string());
    auto bert = runtime::Model::load((m_dir / "bert").string());
    ASSERT_TRUE(bert) << bert.status().toString();
    runtime::Interventions onEncoder;
    onEncoder.calibration = fixedColumns({{0, 0}}, {}, 0.4f);
    EXPECT_EQ(runtime::checkInterventions((*bert)->config(), onEncoder).code(), StatusCode::Unsupported);

    // EchoAtt blocks.
    EXPECT_FALSE(runtime::sharingFromBlocks({{2, 2}}));
    EXPECT_FALSE(runtime::sharingFromBlocks({{0, 2}, {2, 3}}));
    auto blocks = runtime::sharingFromBlocks({{0, 1}, {2, 4}});
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 3u);
    EXPECT_EQ((*blocks)[2].source, 2);
    EXPECT_EQ((*blocks)[2].target, 4);
}

TEST(InterventionSpecs, AreParsedAsPeopleTypeThem) {
    EXPECT_EQ(runtime::splitSpecList(" 1:2, 3:0 ,,4:*\t5:1 "),
              (std::vector<std::string>{"1:2", "3:0", "4:*", "5:1"}));
    auto heads = runtime::parseHeadSpecs({"1:2", "0:*", "12:7"}, true);
    ASSERT_TRUE(heads) << heads.status().toString();
    EXPECT_EQ(*heads, (std::vector<runtime::HeadIndex>{{1, 2}, {0, -1}, {12, 7}}));
    EXPECT_EQ(runtime::expandWholeLayers(*heads, 2),
              (std::vector<runtime::HeadIndex>{{1, 2}, {0, 0}, {0, 1}, {12, 7}}));
    for (const std::string bad :
         {"1", ":2", "1:", "a:1", "1:b", "-1:0", "1:-2", "1:2:3", "1234567:0", "0:1234567", "1:*"}) {
        auto parsed = runtime::parseHeadSpecs({bad}, bad == "1:*" ? false : true);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_NE(parsed.status().toString().find("'" + bad + "' is not LAYER:HEAD"), std::string::npos)
            << parsed.status().toString();
    }
    auto blocks = runtime::parseLayerBlocks({"0-3", "5-6"});
    ASSERT_TRUE(blocks) << blocks.status().toString();
    EXPECT_EQ(*blocks, (std::vector<std::pair<int, int>>{{0, 3}, {5, 6}}));
    for (const std::string bad : {"3", "-3", "3-", "1-2-3", "a-b", "1+2", "1234567-1234568"})
        EXPECT_FALSE(runtime::parseLayerBlocks({bad})) << bad;
}
