// SPDX-License-Identifier: Apache-2.0
// The joint query/key embedding (AttentionViz) on constructed captures with hand-known answers, and on
// a tiny model through the runtime's single-layer capture.
#include "attnscope/analyses/qk_embedding.h"
#include "attnscope/runtime/forward.h"

#include "../../support/temp_dir.h"
#include "../../support/tiny_models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace attnscope;
using namespace attnscope::analyses;

namespace {

runtime::QueryKeyCapture capture(int queryHeads, int kvHeads, int tokens, int headDim, bool causal = true) {
    runtime::QueryKeyCapture c;
    c.queryHeads = queryHeads;
    c.kvHeads = kvHeads;
    c.queryLength = c.keyLength = tokens;
    c.headDim = headDim;
    c.scale = 1.0f / std::sqrt(static_cast<float>(headDim));
    c.causal = causal;
    c.queries.assign(static_cast<std::size_t>(queryHeads) * tokens * headDim, 0.0f);
    c.keys.assign(static_cast<std::size_t>(kvHeads) * tokens * headDim, 0.0f);
    return c;
}

runtime::QueryKeyCapture randomCapture(int queryHeads, int kvHeads, int tokens, int headDim, uint32_t seed) {
    runtime::QueryKeyCapture c = capture(queryHeads, kvHeads, tokens, headDim);
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    for (float& v : c.queries)
        v = normal(random) + 1.5f; // an offset between the clouds, which the normalization removes
    for (float& v : c.keys)
        v = 0.25f * normal(random) - 2.0f;
    return c;
}

} // namespace

TEST(QkEmbedding, QueriesLandOnTheKeysTheyAttendToMost) {
    // q_i = k_i = a unit vector at a distinct angle: each query's top key (dot 1) is its own key, which
    // PCA of these 2-D points (a rotation) puts at distance 0. Non-causal, so every key is visible.
    const int n = 12;
    runtime::QueryKeyCapture c = capture(1, 1, n, 2, false);
    for (int i = 0; i < n; ++i) {
        const double angle = 2.0 * M_PI * i / n;
        c.queries[2 * i] = c.keys[2 * i] = static_cast<float>(std::cos(angle));
        c.queries[2 * i + 1] = c.keys[2 * i + 1] = static_cast<float>(std::sin(angle));
    }
    QkEmbeddingRequest request;
    request.neighbours = 1;
    auto e = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(e) << e.status().toString();
    EXPECT_EQ(e->points(), 2 * n);
    EXPECT_NEAR(e->keyTranslation, 0.0, 1e-7);
    EXPECT_NEAR(e->queryScale, 1.0, 1e-7);
    for (int i = 0; i < n; ++i) {
        EXPECT_NEAR(e->at(i, 0), e->at(n + i, 0), 1e-9);
        EXPECT_NEAR(e->at(i, 1), e->at(n + i, 1), 1e-9);
    }
    EXPECT_DOUBLE_EQ(e->topKeyAmongNearest, 1.0);
    EXPECT_NEAR(e->chanceAmongNearest, 1.0 / n, 1e-12);

    // t-SNE keeps each query next to its identical key too.
    request.method = EmbeddingMethod::Tsne;
    request.iterations = 500;
    auto t = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(t) << t.status().toString();
    EXPECT_DOUBLE_EQ(t->topKeyAmongNearest, 1.0);
    EXPECT_GT(t->klDivergence, 0.0);
}

TEST(QkEmbedding, FidelityCountsQueriesWhoseStrongestKeyIsNotTheNearest) {
    // Raw 2-D vectors q_i = k_i on one axis at 1 and 3 (PCA of 2-D points keeps distances). Query 1's
    // strongest key is key 3 (logit 3 > 1) but key 1 is nearest: a miss; query 3's is key 3: a hit.
    runtime::QueryKeyCapture c = capture(1, 1, 2, 2, false);
    c.queries = c.keys = {1, 0, 3, 0};
    QkEmbeddingRequest request;
    request.normalize = false;
    request.neighbours = 1;
    auto e = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(e) << e.status().toString();
    EXPECT_DOUBLE_EQ(e->topKeyAmongNearest, 0.5);
    EXPECT_DOUBLE_EQ(e->chanceAmongNearest, 0.5);
}

TEST(QkEmbedding, NormalizationTranslatesKeysAndBalancesNormsKeepingDotProducts) {
    const int n = 40, d = 3;
    const runtime::QueryKeyCapture c = randomCapture(1, 1, n, d, 5);
    QkEmbeddingRequest request;
    request.dimensions = 3; // all of d: PCA is a rotation of the normalized points
    auto e = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(e) << e.status().toString();
    // By hand: the centroids and the balancing factor c = sqrt(mean ‖k'‖ / mean ‖q‖).
    double meanQ[d] = {}, meanK[d] = {}, translation = 0, qNorms = 0, kNorms = 0;
    for (int t = 0; t < n; ++t)
        for (int x = 0; x < d; ++x) {
            meanQ[x] += c.queries[t * d + x] / static_cast<double>(n);
            meanK[x] += c.keys[t * d + x] / static_cast<double>(n);
        }
    for (int x = 0; x < d; ++x)
        translation += (meanQ[x] - meanK[x]) * (meanQ[x] - meanK[x]);
    for (int t = 0; t < n; ++t) {
        double q2 = 0, k2 = 0;
        for (int x = 0; x < d; ++x) {
            q2 += std::pow(c.queries[t * d + x], 2);
            k2 += std::pow(c.keys[t * d + x] - meanK[x] + meanQ[x], 2);
        }
        qNorms += std::sqrt(q2);
        kNorms += std::sqrt(k2);
    }
    EXPECT_NEAR(e->keyTranslation, std::sqrt(translation), 1e-6);
    EXPECT_NEAR(e->queryScale, std::sqrt(kNorms / qNorms), 1e-9);
    // Distances in the full-dimensional embedding are those of the normalized vectors:
    // ‖c q − k'/c‖² = c² ‖q‖² + ‖k'‖²/c² − 2 q·k', where q·k' = q·k + q·(mean Q − mean K).
    const double scale = e->queryScale;
    for (int i : {0, 17, 39})
        for (int j : {0, 5, 39}) {
            double q2 = 0, k2 = 0, dot = 0, d2 = 0;
            for (int x = 0; x < d; ++x) {
                const double q = c.queries[i * d + x], k = c.keys[j * d + x] - meanK[x] + meanQ[x];
                q2 += q * q;
                k2 += k * k;
                dot += q * k;
            }
            for (int axis = 0; axis < 3; ++axis)
                d2 += std::pow(e->at(i, axis) - e->at(n + j, axis), 2);
            EXPECT_NEAR(d2, scale * scale * q2 + k2 / (scale * scale) - 2 * dot, 1e-4);
        }

    request.normalize = false;
    auto raw = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->keyTranslation, 0.0);
    EXPECT_EQ(raw->queryScale, 1.0);
    double gap = 0;
    for (int axis = 0; axis < 3; ++axis) {
        double queries = 0, keys = 0;
        for (int i = 0; i < n; ++i) {
            queries += raw->at(i, axis) / n;
            keys += raw->at(n + i, axis) / n;
        }
        gap += std::pow(queries - keys, 2);
    }
    EXPECT_GT(std::sqrt(gap), 3.0) << "without normalization the two clouds stay apart";
}

TEST(QkEmbedding, GqaHeadsUseTheirKvHeadAndLongInputsAreSampledEvenly) {
    const runtime::QueryKeyCapture c = randomCapture(4, 2, 10, 4, 9);
    QkEmbeddingRequest request;
    request.head = 3;
    request.maxTokens = 4;
    auto e = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(e) << e.status().toString();
    EXPECT_EQ(e->kvHead, 1);
    EXPECT_EQ(e->sampled, (std::vector<int>{0, 3, 6, 9}));
    for (int s = 0; s < 4; ++s)
        for (int x = 0; x < 4; ++x) {
            const int t = e->sampled[s];
            EXPECT_EQ(e->queries[s * 4 + x], c.queries[(3 * 10 + t) * 4 + x]);
            EXPECT_EQ(e->keys[s * 4 + x], c.keys[(1 * 10 + t) * 4 + x]);
        }
    EXPECT_TRUE(e->visible(2, 1));
    EXPECT_FALSE(e->visible(1, 2)) << "causal: token 3 cannot see token 6";
    // Causal chance level: query s sees s + 1 sampled keys; with 5 neighbours each sees ≤ 5, so 1.
    EXPECT_DOUBLE_EQ(e->chanceAmongNearest, 1.0);

    request.maxTokens = 0;
    request.method = EmbeddingMethod::Tsne;
    request.iterations = 300;
    auto t = embedQueriesAndKeys(c, request);
    ASSERT_TRUE(t) << t.status().toString();
    EXPECT_EQ(t->request.maxTokens, 750);
    EXPECT_EQ(t->sampled.size(), 10u);
    EXPECT_DOUBLE_EQ(t->request.perplexity, 19.0 / 3.0); // lowered for 20 points
    const nlohmann::json json = qkEmbeddingToJson(*t);
    EXPECT_EQ(json["parameters"]["method"], "tsne");
    EXPECT_EQ(json["parameters"]["kv_head"], 1);
    ASSERT_EQ(json["points"].size(), 20u);
    EXPECT_EQ(json["points"][10]["kind"], "key");
    EXPECT_EQ(json["points"][10]["token"], 0);
    EXPECT_EQ(json["points"][19]["coordinates"].size(), 2u);
}

TEST(QkEmbedding, RefusesBadRequestsByField) {
    const runtime::QueryKeyCapture c = randomCapture(2, 1, 6, 4, 1);
    QkEmbeddingRequest request;
    request.head = 2;
    EXPECT_EQ(embedQueriesAndKeys(c, request).status().field(), "head");
    request = {};
    request.dimensions = 4;
    EXPECT_EQ(embedQueriesAndKeys(c, request).status().field(), "dimensions");
    request = {};
    request.maxTokens = -1;
    EXPECT_EQ(embedQueriesAndKeys(c, request).status().field(), "max_tokens");
    request = {};
    runtime::QueryKeyCapture decoding = c;
    decoding.queryLength = 1;
    EXPECT_EQ(embedQueriesAndKeys(decoding, request).status().field(), "layer");
    EXPECT_EQ(embedQueriesAndKeys(runtime::QueryKeyCapture{}, request).status().field(), "layer");
    runtime::QueryKeyCapture truncated = c;
    truncated.keys.pop_back();
    EXPECT_EQ(embedQueriesAndKeys(truncated, request).status().field(), "layer");
    runtime::QueryKeyCapture noKv = c;
    noKv.kvHeads = 0;
    EXPECT_EQ(embedQueriesAndKeys(noKv, request).status().field(), "layer");
    request.method = EmbeddingMethod::Tsne;
    EXPECT_EQ(embedQueriesAndKeys(randomCapture(1, 1, 1, 4, 2), request).status().field(), "tokens");
}

class QkEmbeddingOnAModel : public test::TempDirTest {};

TEST_F(QkEmbeddingOnAModel, CapturesOnlyTheLayerItEmbeds) {
    const test::TinyModel tiny = test::makeTinyModel(test::TinyConfig{});
    test::writeHfDirectory(tiny, (m_dir / "tiny").string());
    auto model = runtime::Model::load((m_dir / "tiny").string());
    ASSERT_TRUE(model) << model.status().toString();
    const std::vector<int32_t> tokens = {1, 5, 3, 9, 0, 2, 7, 7, 10, 4};
    runtime::ForwardOptions all;
    all.captureQueryKey = true;
    auto everyLayer = runtime::forward(**model, tokens, all);
    ASSERT_TRUE(everyLayer) << everyLayer.status().toString();
    runtime::ForwardOptions one = all;
    one.captureLayers = {1};
    auto oneLayer = runtime::forward(**model, tokens, one);
    ASSERT_TRUE(oneLayer) << oneLayer.status().toString();
    ASSERT_EQ(oneLayer->queryKeys.size(), everyLayer->queryKeys.size());
    EXPECT_TRUE(oneLayer->queryKeys[0].queries.empty());
    EXPECT_EQ(oneLayer->queryKeys[1].queries, everyLayer->queryKeys[1].queries);
    EXPECT_EQ(oneLayer->queryKeys[1].keys, everyLayer->queryKeys[1].keys);

    // Stopping after layer 0: one capture, the same as the full pass's; with logits it is refused.
    runtime::ForwardOptions early = all;
    early.logits = false;
    early.lastLayer = 0;
    auto firstLayer = runtime::forward(**model, tokens, early);
    ASSERT_TRUE(firstLayer) << firstLayer.status().toString();
    ASSERT_EQ(firstLayer->queryKeys.size(), 1u);
    EXPECT_EQ(firstLayer->queryKeys[0].queries, everyLayer->queryKeys[0].queries);
    EXPECT_TRUE(firstLayer->logits.empty());
    early.logits = true;
    EXPECT_EQ(runtime::forward(**model, tokens, early).status().field(), "last_layer");
    early.logits = false;
    early.lastLayer = 2;
    EXPECT_EQ(runtime::forward(**model, tokens, early).status().field(), "last_layer");

    QkEmbeddingRequest request;
    request.layer = 1;
    request.head = 2;
    auto viaModel = qkEmbedding(**model, tokens, request);
    ASSERT_TRUE(viaModel) << viaModel.status().toString();
    auto direct = embedQueriesAndKeys(everyLayer->queryKeys[1], request);
    ASSERT_TRUE(direct);
    EXPECT_EQ(viaModel->coordinates, direct->coordinates);
    request.layer = 99;
    EXPECT_EQ(qkEmbedding(**model, tokens, request).status().field(), "layer");
}
