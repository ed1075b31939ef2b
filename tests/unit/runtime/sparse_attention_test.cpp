// SPDX-License-Identifier: Apache-2.0
// Sparse attention inside the forward pass — StreamingLLM's sinks + window, a block-sparse prefill
// (FlexPrefill's rule) and a KV-cache policy (SnapKV's rule) — against the independent double-precision
// reference with the same keys allowed, through cached decoding, and refused by name when they do not fit.
#include "attnscope/analyses/interventions_json.h"
#include "attnscope/analyses/sparse_interventions.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/interventions.h"
#include "attnscope/runtime/model.h"

#include "../../support/max_abs_diff.h"
#include "../../support/temp_dir.h"
#include "../../support/tiny_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace attnscope;
using namespace attnscope::test;

namespace {

const std::vector<int32_t> kTokens = {1, 5, 3, 9, 0, 2, 7, 7, 10, 4, 6, 8, 1, 3};

class SparseAttention : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        TinyConfig config;
        config.layers = 3;
        m_tiny = makeTinyModel(config, 11);
        writeHfDirectory(m_tiny, (m_dir / "tiny").string());
        auto model = runtime::Model::load((m_dir / "tiny").string());
        ASSERT_TRUE(model) << model.status().toString();
        m_model = *model;
    }

    /// The last logits after a prefill of `prefill` tokens and decoding the rest of kTokens one by one.
    std::vector<float> decodeRest(const runtime::Interventions& interventions, std::size_t prefill,
                                  runtime::MaskStatistics* masks = nullptr) {
        runtime::DecoderSession session(m_model, interventions);
        auto logits =
            session.append({kTokens.begin(), kTokens.begin() + static_cast<std::ptrdiff_t>(prefill)});
        EXPECT_TRUE(logits) << logits.status().toString();
        for (std::size_t i = prefill; i < kTokens.size() && logits; ++i) {
            logits = session.append({kTokens[i]});
            EXPECT_TRUE(logits) << logits.status().toString();
        }
        if (masks)
            *masks = session.maskStatistics();
        return logits ? *logits : std::vector<float>{};
    }

    /// The reference's last row of logits with `allowed` keys.
    std::vector<double> referenceLastRow(const ReferenceInterventions& reference) const {
        const ReferenceOutput out = referenceForward(m_tiny, kTokens, reference);
        const std::size_t V = static_cast<std::size_t>(m_tiny.config.vocab);
        return {out.logits.end() - static_cast<std::ptrdiff_t>(V), out.logits.end()};
    }

    TinyModel m_tiny;
    std::shared_ptr<runtime::Model> m_model;
};

} // namespace

TEST_F(SparseAttention, StreamingMatchesTheReferenceInThePrefillAndWhileDecoding) {
    const int sinks = 2, window = 3, T = static_cast<int>(kTokens.size());
    runtime::ForwardOptions options;
    options.interventions.streaming = runtime::StreamingAttention{sinks, window};
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();

    ReferenceInterventions reference;
    reference.allowed = [&](int, int, int i, int j) {
        return j < sinks || i - j < window;
    };
    const ReferenceOutput expected = referenceForward(m_tiny, kTokens, reference);
    EXPECT_LE(maxAbsDiff(result->logits, expected.logits), 1e-4);
    EXPECT_GT(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens).logits), 1e-3)
        << "a window of 3 on 14 tokens must change the output";

    // Statistics: every row of every layer and head; row i keeps min(i + 1, sinks + window) keys.
    const int heads = m_tiny.config.heads, layers = m_tiny.config.layers;
    EXPECT_EQ(result->masks.rows, static_cast<int64_t>(T) * heads * layers);
    double kept = 0, visible = 0;
    for (int i = 0; i < T; ++i) {
        kept += std::min(i + 1, sinks + window);
        visible += i + 1;
    }
    EXPECT_DOUBLE_EQ(result->masks.keptPairs, kept * heads * layers);
    EXPECT_DOUBLE_EQ(result->masks.visiblePairs, visible * heads * layers);
    EXPECT_GT(result->masks.meanRecall(), 0.3);
    EXPECT_LT(result->masks.meanRecall(), 1.0);

    // Decoding token by token sees the same keys as the full pass's rows.
    runtime::MaskStatistics decoded;
    const std::vector<float> last = decodeRest(options.interventions, 5, &decoded);
    EXPECT_LE(maxAbsDiff(last, referenceLastRow(reference)), 1e-4);
    EXPECT_EQ(decoded.rows, result->masks.rows);
    EXPECT_DOUBLE_EQ(decoded.keptPairs, result->masks.keptPairs);
}

TEST_F(SparseAttention, TheMeanRecallIsTheDenseMassOnTheKeptKeys) {
    // One layer: its input does not depend on the mask, so the reference's dense map gives the recall.
    TinyConfig config;
    config.layers = 1;
    const TinyModel tiny = makeTinyModel(config, 5);
    writeHfDirectory(tiny, (m_dir / "one").string());
    auto model = runtime::Model::load((m_dir / "one").string());
    ASSERT_TRUE(model) << model.status().toString();
    const int sinks = 1, window = 4, T = static_cast<int>(kTokens.size());
    runtime::ForwardOptions options;
    options.interventions.streaming = runtime::StreamingAttention{sinks, window};
    auto result = runtime::forward(**model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();
    const ReferenceOutput dense = referenceForward(tiny, kTokens);
    double recall = 0;
    for (int h = 0; h < config.heads; ++h)
        for (int i = 0; i < T; ++i)
            for (int j = 0; j <= i; ++j)
                if (j < sinks || i - j < window)
                    recall += dense.attention.at({0, h})[static_cast<std::size_t>(i) * T + j];
    EXPECT_NEAR(result->masks.meanRecall(), recall / (T * config.heads), 1e-5);
    EXPECT_LT(result->masks.meanRecall(), 0.99);
}

TEST_F(SparseAttention, AWindowCoveringTheInputChangesNothing) {
    auto plain = runtime::forward(*m_model, kTokens);
    ASSERT_TRUE(plain);
    runtime::ForwardOptions options;
    options.interventions.streaming = runtime::StreamingAttention{0, static_cast<int>(kTokens.size())};
    auto streamed = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(streamed) << streamed.status().toString();
    EXPECT_LE(maxAbsDiff(streamed->logits, plain->logits), 1e-5);
    EXPECT_DOUBLE_EQ(streamed->masks.density(), 1.0);
    EXPECT_NEAR(streamed->masks.meanRecall(), 1.0, 1e-5);
}

TEST_F(SparseAttention, ASparsePrefillRunsTheRulesBlockMasksAndDecodingStaysDense) {
    const int B = 3;
    const int heads = m_tiny.config.heads;
    // Head h of layer l sees the diagonal blocks, block column 0 and, for odd h, block column 2.
    auto blockAllowed = [](int l, int h, int I, int J) {
        return I == J || J == 0 || (h % 2 == 1 && J == 2 + l % 2);
    };
    std::vector<int> seenLayers;
    runtime::SparsePrefill prefill;
    prefill.blockSize = B;
    prefill.description = "test pattern";
    prefill.blockMasks = [&](const runtime::LayerQueryKey& layer) -> Expected<std::vector<uint8_t>> {
        seenLayers.push_back(layer.layer);
        EXPECT_EQ(layer.dims.queryLength, layer.dims.keyLength);
        EXPECT_EQ(layer.dims.queryOffset, 0);
        const int grid = (layer.dims.keyLength + B - 1) / B;
        std::vector<uint8_t> masks;
        for (int h = 0; h < heads; ++h)
            for (int I = 0; I < grid; ++I)
                for (int J = 0; J < grid; ++J)
                    masks.push_back(blockAllowed(layer.layer, h, I, J) ? 1 : 0);
        return masks;
    };
    runtime::ForwardOptions options;
    options.interventions.sparsePrefill = prefill;
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_EQ(seenLayers, (std::vector<int>{0, 1, 2}));
    seenLayers.clear();

    ReferenceInterventions reference;
    reference.allowed = [&](int l, int h, int i, int j) {
        return blockAllowed(l, h, i / B, j / B);
    };
    EXPECT_LE(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens, reference).logits), 1e-4);
    EXPECT_LT(result->masks.density(), 0.9);
    EXPECT_GT(result->masks.density(), 0.2);

    // After a prefill of 8 tokens, the decoded rows see every key: rows from 8 on are dense.
    const int P = 8;
    ReferenceInterventions prefilled;
    prefilled.allowed = [&](int l, int h, int i, int j) {
        return i >= P || blockAllowed(l, h, i / B, j / B);
    };
    runtime::MaskStatistics decoded;
    EXPECT_LE(maxAbsDiff(decodeRest(options.interventions, P, &decoded), referenceLastRow(prefilled)), 1e-4);
    EXPECT_EQ(decoded.rows, static_cast<int64_t>(P) * heads * m_tiny.config.layers)
        << "only the prefill's rows ran under a mask";
    EXPECT_EQ(seenLayers, (std::vector<int>{0, 1, 2})) << "the rule runs at the prefill only";
}

TEST_F(SparseAttention, FlexPrefillsMasksKeepTheFirstColumnAndTheDiagonal) {
    analyses::SparsityParameters parameters;
    parameters.flexBlock = 4;
    parameters.flexMinBudget = 0; // 14 tokens > max(2 x 4, 0): the prefill is sparse
    parameters.flexGamma = 0.5;
    runtime::SparsePrefill flex = analyses::flexPrefillIntervention(parameters);
    EXPECT_EQ(flex.blockSize, 4);
    EXPECT_NE(flex.description.find("gamma 0.5"), std::string::npos) << flex.description;
    std::vector<std::vector<uint8_t>> chosen;
    runtime::SparsePrefill recording = flex;
    recording.blockMasks = [&](const runtime::LayerQueryKey& layer) {
        auto masks = flex.blockMasks(layer);
        if (masks)
            chosen.push_back(*masks);
        return masks;
    };
    runtime::ForwardOptions options;
    options.interventions.sparsePrefill = recording;
    auto result = runtime::forward(*m_model, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();
    ASSERT_EQ(chosen.size(), 3u);
    const int blocks = 4, heads = m_tiny.config.heads;
    for (const auto& masks : chosen) {
        ASSERT_EQ(masks.size(), static_cast<std::size_t>(heads * blocks * blocks));
        for (int h = 0; h < heads; ++h)
            for (int I = 0; I < blocks; ++I) {
                const uint8_t* row = masks.data() + (h * blocks + I) * blocks;
                EXPECT_EQ(row[0], 1) << "FlexPrefill forces the first key block";
                EXPECT_EQ(row[I], 1) << "and the diagonal";
                for (int J = I + 1; J < blocks; ++J)
                    EXPECT_EQ(row[J], 0) << "nothing above the diagonal";
            }
    }
    EXPECT_LT(result->masks.density(), 1.0) << "FlexPrefill at gamma 0.5 must drop some blocks";
    ReferenceInterventions reference;
    reference.allowed = [&](int l, int h, int i, int j) {
        return chosen[static_cast<std::size_t>(l)]
                     [static_cast<std::size_t>((h * blocks + i / 4) * blocks + j / 4)] != 0;
    };
    EXPECT_LE(maxAbsDiff(result->logits, referenceForward(m_tiny, kTokens, reference).logits), 1e-4);
}

TEST_F(SparseAttention, AKvPolicyKeepsThePromptKeysItsRuleChoseFromTheWindowsAttention) {
    const int P = 9, window = 3;
    const std::vector<int32_t> prompt(kTokens.begin(), kTokens.begin() + P);
    const ReferenceOutput promptReference = referenceForward(m_tiny, prompt);
    std::set<runtime::HeadIndex> asked;
    // Keeps key 0, the key layer + head, and the window; checks the window's rows against the reference.
    auto keptKey = [](int l, int h, int j) {
        return j == 0 || j == (l + h) % (P - window) || j >= P - window;
    };
    runtime::KvSelection selection;
    selection.observationWindow = window;
    selection.description = "test policy";
    selection.keepKeys = [&](const runtime::HeadIndex& head, const float* rows, int windowRows,
                             int promptLength) {
        asked.insert(head);
        EXPECT_EQ(windowRows, window);
        EXPECT_EQ(promptLength, P);
        if (head.first == 0) { // layer 0's attention does not depend on earlier layers' masks
            const std::vector<double>& map = promptReference.attention.at(head);
            for (int r = 0; r < window; ++r)
                for (int j = 0; j < P; ++j)
                    EXPECT_NEAR(rows[r * P + j], map[static_cast<std::size_t>(P - window + r) * P + j], 1e-4);
        }
        std::vector<int> keys;
        for (int j = 0; j < promptLength; ++j)
            if (keptKey(head.first, head.second, j))
                keys.push_back(j);
        return keys;
    };
    runtime::Interventions interventions;
    interventions.kvSelection = selection;
    runtime::MaskStatistics masks;
    const std::vector<float> last = decodeRest(interventions, P, &masks);
    EXPECT_EQ(asked.size(), static_cast<std::size_t>(m_tiny.config.layers * m_tiny.config.heads));

    ReferenceInterventions reference;
    reference.allowed = [&](int l, int h, int i, int j) {
        return i < P || j >= P || keptKey(l, h, j);
    };
    EXPECT_LE(maxAbsDiff(last, referenceLastRow(reference)), 1e-4);
    EXPECT_GT(maxAbsDiff(last, referenceLastRow({})), 1e-4) << "dropping prompt keys must change the output";
    const int decodedRows = static_cast<int>(kTokens.size()) - P;
    EXPECT_EQ(masks.rows, static_cast<int64_t>(decodedRows) * m_tiny.config.heads * m_tiny.config.layers);
    EXPECT_LT(masks.density(), 1.0);

    // SnapKV with a capacity that covers the prompt keeps everything: decoding as without a policy.
    interventions.kvSelection = analyses::snapKvIntervention(P, window, 3, false);
    EXPECT_LE(maxAbsDiff(decodeRest(interventions, P), decodeRest({}, P)), 1e-6);
}

TEST_F(SparseAttention, BadRequestsAreRefusedByName) {
    const model::ModelConfig& config = m_model->config();
    auto fieldOf = [&](const runtime::Interventions& interventions) {
        return runtime::checkInterventions(config, interventions).field();
    };
    runtime::Interventions streaming;
    streaming.streaming = runtime::StreamingAttention{4, 0};
    EXPECT_EQ(fieldOf(streaming), "streaming");
    streaming.streaming->window = 8;
    EXPECT_EQ(fieldOf(streaming), "");

    runtime::Interventions both = streaming;
    both.kvSelection = analyses::snapKvIntervention(8, 2, 3, false);
    EXPECT_EQ(fieldOf(both), "kv_selection");
    both.kvSelection.reset();
    both.sparsePrefill = analyses::flexPrefillIntervention({});
    EXPECT_EQ(fieldOf(both), "sparse_prefill");

    runtime::Interventions calibrated = streaming;
    calibrated.calibration = runtime::fixedColumnCalibration({{0, 0}}, 0.4, {}, "fixed");
    const Status refused = runtime::checkInterventions(config, calibrated);
    EXPECT_EQ(refused.field(), "streaming");
    EXPECT_NE(refused.message().find("calibration"), std::string::npos) << refused.message();

    runtime::Interventions noRule;
    noRule.sparsePrefill = runtime::SparsePrefill{};
    EXPECT_EQ(fieldOf(noRule), "sparse_prefill");
    noRule.sparsePrefill.reset();
    noRule.kvSelection = runtime::KvSelection{};
    EXPECT_EQ(fieldOf(noRule), "kv_selection");

    // A rule that answers with the wrong size, or keys out of order, is named at run time.
    runtime::ForwardOptions options;
    options.interventions.sparsePrefill =
        runtime::SparsePrefill{4,
                               [](const runtime::LayerQueryKey&) -> Expected<std::vector<uint8_t>> {
                                   return std::vector<uint8_t>(3, 1);
                               },
                               "wrong size"};
    auto wrong = runtime::forward(*m_model, kTokens, options);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.status().field(), "sparse_prefill");
    EXPECT_NE(wrong.status().message().find("block flags"), std::string::npos) << wrong.status().message();

    runtime::KvSelection unordered;
    unordered.keepKeys = [](const runtime::HeadIndex&, const float*, int, int) {
        return std::vector<int>{3, 1};
    };
    runtime::Interventions unorderedPolicy;
    unorderedPolicy.kvSelection = unordered;
    runtime::DecoderSession session(m_model, unorderedPolicy);
    auto prefill = session.append(kTokens);
    ASSERT_FALSE(prefill);
    EXPECT_EQ(prefill.status().field(), "kv_selection");

    // An analysis' own measure-only mask cannot run under StreamingLLM's mask.
    runtime::ForwardOptions measured;
    measured.interventions = streaming;
    std::vector<int64_t> offsets(kTokens.size() + 1, 0);
    std::vector<int32_t> keys(1, 0);
    kernels::ProbeRequest probe;
    probe.mask.kind = kernels::AttentionMask::Kind::RowKeys;
    probe.mask.measureOnly = true;
    probe.mask.rowOffsets = offsets.data();
    probe.mask.rowKeys = keys.data();
    measured.probe = probe;
    auto conflict = runtime::forward(*m_model, kTokens, measured);
    ASSERT_FALSE(conflict);
    EXPECT_EQ(conflict.status().field(), "interventions");
}

TEST_F(SparseAttention, EncodersRefuseSparseAttention) {
    TinyConfig config;
    config.modelType = "bert";
    config.heads = config.kvHeads = 4;
    const TinyModel bert = makeTinyModel(config, 3);
    writeBertHfDirectory(bert, (m_dir / "bert").string());
    auto model = runtime::Model::load((m_dir / "bert").string());
    ASSERT_TRUE(model) << model.status().toString();
    runtime::Interventions streaming;
    streaming.streaming = runtime::StreamingAttention{};
    const Status status = runtime::checkInterventions((*model)->config(), streaming);
    EXPECT_EQ(status.code(), StatusCode::Unsupported);
    EXPECT_EQ(status.field(), "streaming");
}

TEST(SparseAttentionRecords, StreamingRoundTripsAndRulesAreNamedButNotReplayed) {
    runtime::Interventions interventions;
    interventions.streaming = runtime::StreamingAttention{2, 64};
    const nlohmann::json record = analyses::interventionsToJson(interventions);
    EXPECT_EQ(record["streaming"]["sinks"], 2);
    EXPECT_EQ(record["streaming"]["window"], 64);
    auto back = analyses::interventionsFromJson(record);
    ASSERT_TRUE(back) << back.status().toString();
    ASSERT_TRUE(back->streaming.has_value());
    EXPECT_EQ(back->streaming->window, 64);

    interventions.streaming.reset();
    interventions.kvSelection = analyses::snapKvIntervention(256, 32, 5, true);
    const nlohmann::json snap = analyses::interventionsToJson(interventions);
    EXPECT_EQ(snap["kv_selection"]["rule"], "SnapKV, capacity 256, window 32, kernel 5, max pooling");
    auto refused = analyses::interventionsFromJson(snap);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().field(), "interventions.kv_selection");
}
