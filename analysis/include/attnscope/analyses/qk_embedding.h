// SPDX-License-Identifier: Apache-2.0
// The joint query/key embedding of one attention head (Yeh et al., AttentionViz, 2023): a head's
// queries and keys placed in one 2D or 3D space, so that a query lies near the keys it attends to.
// The kernel's post-RoPE queries and keys are normalized as AttentionViz does — keys translated so
// their centroid is the queries', then queries and keys scaled by c and 1/c to equal mean norms, two
// changes that leave every row's softmax unchanged — and reduced by PCA or exact t-SNE.
#pragma once

#include "attnscope/analyses/dimension_reduction.h"
#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::analyses {

enum class EmbeddingMethod { Pca, Tsne };

/// "pca", "tsne".
const char* embeddingMethodName(EmbeddingMethod method);

struct QkEmbeddingRequest {
    int layer = 0;
    int head = 0; ///< a query head; the keys are those of its KV head (GQA/MQA)
    EmbeddingMethod method = EmbeddingMethod::Pca;
    int dimensions = 2;    ///< 2 or 3
    bool normalize = true; ///< AttentionViz's key translation and norm balancing (false: raw vectors)
    /// Tokens embedded (their query and their key), sampled evenly over the input with the first and
    /// the last kept; 0 = up to 4096 for PCA, 750 for t-SNE (whose cost grows with the square).
    int maxTokens = 0;
    double perplexity = 30; ///< t-SNE
    int iterations = 1000;  ///< t-SNE
    int neighbours = 5;     ///< the fidelity check's k (QkEmbedding::topKeyAmongNearest)
};

struct QkEmbedding {
    QkEmbeddingRequest request; ///< as run (maxTokens resolved)
    int tokens = 0;             ///< the input's length
    int kvHead = 0;
    int headDim = 0;
    bool causal = true;
    int slidingWindow = 0;
    std::vector<int> sampled; ///< token positions embedded, ascending
    /// [2 × sampled, dimensions]: the sampled tokens' queries first (in order), then their keys.
    std::vector<double> coordinates;
    /// The sampled queries and keys as the kernel saw them, [sampled, headDim] each: a query's logits
    /// over the sampled keys are q·k × scale.
    std::vector<float> queries, keys;
    float scale = 0;
    double keyTranslation = 0; ///< ‖mean(Q) − mean(K)‖ before translation (0 without normalization)
    double queryScale = 1;     ///< c: queries × c, keys ÷ c
    std::vector<double> explainedVariance; ///< PCA's per component (t-SNE: of its initialization)
    double klDivergence = 0;               ///< t-SNE's final KL(P‖Q); 0 for PCA
    /// Fidelity: the fraction of sampled queries whose highest-logit visible sampled key is among the
    /// `neighbours` visible sampled keys nearest to it in the embedding, and what random placement
    /// would give (mean over queries of min(k, visible) / visible).
    double topKeyAmongNearest = 0, chanceAmongNearest = 0;

    int points() const { return 2 * static_cast<int>(sampled.size()); }
    /// Point `p`'s coordinate `c` (queries are points [0, sampled), keys [sampled, 2 × sampled)).
    double at(int p, int c) const {
        return coordinates[static_cast<std::size_t>(p) * request.dimensions + static_cast<std::size_t>(c)];
    }
    /// The scaled logit of sampled query `qi` on sampled key `kj` (indices into `sampled`).
    double logit(int qi, int kj) const;
    /// Whether sampled query `qi` may attend to sampled key `kj` (causality and sliding window).
    bool visible(int qi, int kj) const;
};

/// Embeds query head request.head of one layer's capture. Errors: head out of range, too few tokens
/// (t-SNE needs 2), bad dimensions or t-SNE settings, cancellation.
Expected<QkEmbedding> embedQueriesAndKeys(const runtime::QueryKeyCapture& layer,
                                          const QkEmbeddingRequest& request, const Progress& progress = {});

/// Runs `model` on `tokens` capturing only request.layer's queries and keys, then embeds them.
Expected<QkEmbedding> qkEmbedding(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                  const QkEmbeddingRequest& request, const Progress& progress = {});

/// The same for several query heads of request.layer from one forward pass (request.head is ignored);
/// one embedding per entry of `heads`, in order. Errors as qkEmbedding's, and an empty `heads`.
Expected<std::vector<QkEmbedding>> qkEmbeddings(const runtime::Model& model,
                                                const std::vector<int32_t>& tokens,
                                                const QkEmbeddingRequest& request,
                                                const std::vector<int>& heads, const Progress& progress = {});

/// The JSON form: parameters, figures, and one entry per point (token, kind "query"/"key", coordinates).
nlohmann::json qkEmbeddingToJson(const QkEmbedding& embedding);

/// Writes the points as CSV (header `kind,token,id,text,x,y[,z]`; text fields quoted, quotes doubled):
/// `ids` and `texts` are per input token (texts may be empty: then every text is ""). Errors name the file.
Status writeQkEmbeddingCsv(const std::string& path, const QkEmbedding& embedding,
                           const std::vector<int32_t>& ids, const std::vector<std::string>& texts);

} // namespace attnscope::analyses
