// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/qk_embedding.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <string>

namespace attnscope::analyses {

namespace {

constexpr int kPcaDefaultTokens = 4096;
constexpr int kTsneDefaultTokens = 750;
/// The fidelity check looks at this many queries at most (evenly spaced): each costs a pass over the
/// visible keys in the head's dimension.
constexpr int kFidelityQueries = 500;

std::vector<int> evenlySampled(int tokens, int wanted) {
    const int m = std::min(tokens, wanted);
    std::vector<int> sampled(static_cast<std::size_t>(m));
    if (m == 1)
        return {0};
    // Spacing (N − 1) / (m − 1) ≥ 1, so the rounded positions are strictly increasing.
    for (int i = 0; i < m; ++i)
        sampled[static_cast<std::size_t>(i)] =
            static_cast<int>(std::lround(static_cast<double>(i) * (tokens - 1) / (m - 1)));
    return sampled;
}

const float* rowOf(const std::vector<float>& data, int head, int length, int position, int dim) {
    return data.data() + (static_cast<std::size_t>(head) * length + position) * dim;
}

Status checkRequest(const QkEmbeddingRequest& request) {
    if (request.dimensions != 2 && request.dimensions != 3)
        return Status::invalidArgument("the embedding has 2 or 3 dimensions, not " +
                                       std::to_string(request.dimensions))
            .atField("dimensions");
    if (request.maxTokens < 0)
        return Status::invalidArgument("the token count must be positive (0: the method's default)")
            .atField("max_tokens");
    if (request.neighbours < 1)
        return Status::invalidArgument("the fidelity check needs at least one neighbour")
            .atField("neighbours");
    return Status::ok();
}

/// QkEmbedding::topKeyAmongNearest and its chance level.
Status measureFidelity(QkEmbedding& e, const Progress& progress) {
    const int m = static_cast<int>(e.sampled.size()), dims = e.request.dimensions;
    const std::vector<int> queries = evenlySampled(m, kFidelityQueries);
    double hits = 0, chance = 0;
    std::vector<std::pair<double, int>> nearest;
    for (std::size_t n = 0; n < queries.size(); ++n) {
        const int qi = queries[n];
        if (n % 16 == 0)
            ATTNSCOPE_TRY(progress.update(static_cast<float>(n) / static_cast<float>(queries.size()),
                                          "fidelity check"));
        int best = -1;
        double bestLogit = -INFINITY;
        nearest.clear();
        for (int kj = 0; kj < m; ++kj) {
            if (!e.visible(qi, kj))
                continue;
            const double logit = e.logit(qi, kj);
            if (logit > bestLogit) {
                bestLogit = logit;
                best = kj;
            }
            double d2 = 0;
            for (int c = 0; c < dims; ++c) {
                const double delta = e.at(qi, c) - e.at(m + kj, c);
                d2 += delta * delta;
            }
            nearest.emplace_back(d2, kj);
        }
        const int visible = static_cast<int>(nearest.size());
        const int k = std::min(e.request.neighbours, visible);
        std::partial_sort(nearest.begin(), nearest.begin() + k, nearest.end());
        hits += std::any_of(nearest.begin(), nearest.begin() + k,
                            [best](const std::pair<double, int>& entry) { return entry.second == best; });
        chance += static_cast<double>(k) / visible;
    }
    e.topKeyAmongNearest = hits / static_cast<double>(queries.size());
    e.chanceAmongNearest = chance / static_cast<double>(queries.size());
    return Status::ok();
}

} // namespace

const char* embeddingMethodName(EmbeddingMethod method) {
    return method == EmbeddingMethod::Tsne ? "tsne" : "pca";
}

double QkEmbedding::logit(int qi, int kj) const {
    double dot = 0;
    const float* q = queries.data() + static_cast<std::size_t>(qi) * headDim;
    const float* k = keys.data() + static_cast<std::size_t>(kj) * headDim;
    for (int x = 0; x < headDim; ++x)
        dot += static_cast<double>(q[x]) * k[x];
    return dot * scale;
}

bool QkEmbedding::visible(int qi, int kj) const {
    const int row = sampled[static_cast<std::size_t>(qi)], key = sampled[static_cast<std::size_t>(kj)];
    if (causal && key > row)
        return false;
    return slidingWindow <= 0 || row - key < slidingWindow;
}

Expected<QkEmbedding> embedQueriesAndKeys(const runtime::QueryKeyCapture& layer,
                                          const QkEmbeddingRequest& request, const Progress& progress) {
    ATTNSCOPE_TRY(checkRequest(request));
    if (layer.queryHeads <= 0 || layer.queries.empty())
        return Status::invalidArgument("layer " + std::to_string(request.layer) + " has no captured queries")
            .atField("layer");
    if (request.head < 0 || request.head >= layer.queryHeads)
        return Status::invalidArgument("head " + std::to_string(request.head) +
                                       " is not one of the layer's " + std::to_string(layer.queryHeads) +
                                       " query heads")
            .atField("head");
    const std::size_t expectedQueries = static_cast<std::size_t>(std::max(layer.queryHeads, 0)) *
                                        std::max(layer.queryLength, 0) * std::max(layer.headDim, 0),
                      expectedKeys = static_cast<std::size_t>(std::max(layer.kvHeads, 0)) *
                                     std::max(layer.keyLength, 0) * std::max(layer.headDim, 0);
    if (layer.kvHeads <= 0 || layer.queryHeads % layer.kvHeads != 0 || layer.headDim <= 0 ||
        layer.queries.size() != expectedQueries || layer.keys.size() != expectedKeys)
        return Status::invalidArgument("layer " + std::to_string(request.layer) +
                                       "'s capture does not match its heads, length and head dimension")
            .atField("layer");
    if (layer.queryLength != layer.keyLength)
        return Status::invalidArgument(
                   "the capture is of a decoding step (" + std::to_string(layer.queryLength) + " queries, " +
                   std::to_string(layer.keyLength) + " keys); the joint embedding needs a prefill")
            .atField("layer");
    const int tokens = layer.queryLength, d = layer.headDim;
    if (tokens < 1)
        return Status::invalidArgument("the input has no tokens").atField("tokens");

    QkEmbedding e;
    e.request = request;
    if (e.request.maxTokens == 0)
        e.request.maxTokens =
            request.method == EmbeddingMethod::Tsne ? kTsneDefaultTokens : kPcaDefaultTokens;
    e.tokens = tokens;
    e.kvHead = request.head / (layer.queryHeads / layer.kvHeads);
    e.headDim = d;
    e.causal = layer.causal;
    e.slidingWindow = layer.slidingWindow;
    e.scale = layer.scale;
    e.sampled = evenlySampled(tokens, e.request.maxTokens);
    const int m = static_cast<int>(e.sampled.size());
    if (request.method == EmbeddingMethod::Tsne && m < 2)
        return Status::invalidArgument("t-SNE needs at least 2 tokens (4 points)").atField("tokens");
    for (int t : e.sampled) {
        const float* q = rowOf(layer.queries, request.head, tokens, t, d);
        const float* k = rowOf(layer.keys, e.kvHead, tokens, t, d);
        e.queries.insert(e.queries.end(), q, q + d);
        e.keys.insert(e.keys.end(), k, k + d);
    }

    // AttentionViz's normalization over every token of the head: translating all keys by one vector adds
    // a constant to each row's logits, and q·c with k/c keeps every dot product.
    std::vector<double> meanQ(static_cast<std::size_t>(d), 0.0), meanK(static_cast<std::size_t>(d), 0.0);
    double c = 1.0;
    if (request.normalize) {
        for (int t = 0; t < tokens; ++t) {
            const float* q = rowOf(layer.queries, request.head, tokens, t, d);
            const float* k = rowOf(layer.keys, e.kvHead, tokens, t, d);
            for (int x = 0; x < d; ++x) {
                meanQ[static_cast<std::size_t>(x)] += q[x] / static_cast<double>(tokens);
                meanK[static_cast<std::size_t>(x)] += k[x] / static_cast<double>(tokens);
            }
        }
        double queryNorms = 0, keyNorms = 0, translation = 0;
        for (int x = 0; x < d; ++x)
            translation +=
                std::pow(meanQ[static_cast<std::size_t>(x)] - meanK[static_cast<std::size_t>(x)], 2);
        for (int t = 0; t < tokens; ++t) {
            const float* q = rowOf(layer.queries, request.head, tokens, t, d);
            const float* k = rowOf(layer.keys, e.kvHead, tokens, t, d);
            double q2 = 0, k2 = 0;
            for (int x = 0; x < d; ++x) {
                q2 += static_cast<double>(q[x]) * q[x];
                const double shifted =
                    k[x] - meanK[static_cast<std::size_t>(x)] + meanQ[static_cast<std::size_t>(x)];
                k2 += shifted * shifted;
            }
            queryNorms += std::sqrt(q2);
            keyNorms += std::sqrt(k2);
        }
        e.keyTranslation = std::sqrt(translation);
        if (queryNorms > 0 && keyNorms > 0)
            c = std::sqrt(keyNorms / queryNorms);
    }
    e.queryScale = c;

    PointMatrix points;
    points.rows = 2 * m;
    points.columns = d;
    points.values.resize(static_cast<std::size_t>(points.rows) * d);
    for (int i = 0; i < m; ++i)
        for (int x = 0; x < d; ++x) {
            const std::size_t at = static_cast<std::size_t>(i) * d + x;
            points.values[at] = e.queries[at] * c;
            points.values[static_cast<std::size_t>(m) * d + at] =
                (e.keys[at] - meanK[static_cast<std::size_t>(x)] + meanQ[static_cast<std::size_t>(x)]) / c;
        }

    const Progress reducing = progress.subRange(0.0f, 0.9f), checking = progress.subRange(0.9f, 1.0f);
    if (request.method == EmbeddingMethod::Pca) {
        ATTNSCOPE_ASSIGN_OR_RETURN(PrincipalComponents pca,
                                   principalComponents(points, std::min(request.dimensions, d), reducing));
        e.explainedVariance = pca.explainedVariance;
        e.coordinates.assign(static_cast<std::size_t>(points.rows) * request.dimensions, 0.0);
        for (int p = 0; p < points.rows; ++p)
            for (int k = 0; k < pca.projection.columns; ++k)
                e.coordinates[static_cast<std::size_t>(p) * request.dimensions + k] = pca.projection.at(p, k);
    } else {
        TsneSettings settings;
        settings.dimensions = request.dimensions;
        settings.perplexity = request.perplexity;
        settings.iterations = request.iterations;
        ATTNSCOPE_ASSIGN_OR_RETURN(TsneResult result, tsne(points, settings, reducing));
        ATTNSCOPE_ASSIGN_OR_RETURN(PrincipalComponents pca,
                                   principalComponents(points, std::min(request.dimensions, d)));
        e.explainedVariance = pca.explainedVariance;
        e.klDivergence = result.klDivergence;
        e.request.perplexity = result.perplexityUsed;
        e.coordinates = std::move(result.embedding.values);
    }
    ATTNSCOPE_TRY(measureFidelity(e, checking));
    ATTNSCOPE_TRY(progress.update(1.0f));
    return e;
}

Expected<QkEmbedding> qkEmbedding(const runtime::Model& model, const std::vector<int32_t>& tokens,
                                  const QkEmbeddingRequest& request, const Progress& progress) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<QkEmbedding> one,
                               qkEmbeddings(model, tokens, request, {request.head}, progress));
    return std::move(one.front());
}

Expected<std::vector<QkEmbedding>> qkEmbeddings(const runtime::Model& model,
                                                const std::vector<int32_t>& tokens,
                                                const QkEmbeddingRequest& request,
                                                const std::vector<int>& heads, const Progress& progress) {
    if (heads.empty())
        return Status::invalidArgument("no head to embed").atField("head");
    const int layers = model.config().layers;
    if (request.layer < 0 || request.layer >= layers)
        return Status::invalidArgument("layer " + std::to_string(request.layer) +
                                       " is not one of the model's " + std::to_string(layers))
            .atField("layer");
    runtime::ForwardOptions options;
    options.logits = false;
    options.captureQueryKey = true;
    options.captureLayers = {request.layer};
    options.lastLayer = request.layer;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        runtime::ForwardResult forward,
        runtime::forward(model, tokens, options, progress.subRange(0.0f, 0.3f, "forward pass")));
    std::vector<QkEmbedding> embeddings;
    for (std::size_t i = 0; i < heads.size(); ++i) {
        QkEmbeddingRequest headRequest = request;
        headRequest.head = heads[i];
        const float from = 0.3f + 0.7f * static_cast<float>(i) / static_cast<float>(heads.size());
        const float to = 0.3f + 0.7f * static_cast<float>(i + 1) / static_cast<float>(heads.size());
        ATTNSCOPE_ASSIGN_OR_RETURN(
            QkEmbedding embedding,
            embedQueriesAndKeys(forward.queryKeys[static_cast<std::size_t>(request.layer)], headRequest,
                                progress.subRange(from, to, "embedding head " + std::to_string(heads[i]))));
        embeddings.push_back(std::move(embedding));
    }
    return embeddings;
}

nlohmann::json qkEmbeddingToJson(const QkEmbedding& e) {
    const QkEmbeddingRequest& r = e.request;
    nlohmann::json parameters = {{"layer", r.layer},           {"head", r.head},
                                 {"kv_head", e.kvHead},        {"method", embeddingMethodName(r.method)},
                                 {"dimensions", r.dimensions}, {"normalize", r.normalize},
                                 {"max_tokens", r.maxTokens},  {"neighbours", r.neighbours}};
    if (r.method == EmbeddingMethod::Tsne) {
        parameters["perplexity"] = r.perplexity;
        parameters["iterations"] = r.iterations;
    }
    nlohmann::json points = nlohmann::json::array();
    const int m = static_cast<int>(e.sampled.size());
    for (int p = 0; p < e.points(); ++p) {
        nlohmann::json coordinates = nlohmann::json::array();
        for (int c = 0; c < r.dimensions; ++c)
            coordinates.push_back(e.at(p, c));
        points.push_back({{"token", e.sampled[static_cast<std::size_t>(p % m)]},
                          {"kind", p < m ? "query" : "key"},
                          {"coordinates", coordinates}});
    }
    nlohmann::json document = {{"parameters", parameters},
                               {"tokens", e.tokens},
                               {"sampled_tokens", m},
                               {"key_translation", e.keyTranslation},
                               {"query_scale", e.queryScale},
                               {"explained_variance", e.explainedVariance},
                               {"top_key_among_nearest", e.topKeyAmongNearest},
                               {"chance_among_nearest", e.chanceAmongNearest},
                               {"points", points}};
    if (r.method == EmbeddingMethod::Tsne)
        document["kl_divergence"] = e.klDivergence;
    return document;
}

Status writeQkEmbeddingCsv(const std::string& path, const QkEmbedding& e, const std::vector<int32_t>& ids,
                           const std::vector<std::string>& texts) {
    std::ofstream file(path);
    if (!file)
        return Status::ioError("cannot write the embedding's points").inFile(path);
    const auto quoted = [](const std::string& text) { // RFC 4180: every text field quoted, quotes doubled
        std::string out = "\"";
        for (char c : text) {
            out += c;
            if (c == '"')
                out += '"';
        }
        return out + "\"";
    };
    file << "kind,token,id,text,x,y" << (e.request.dimensions == 3 ? ",z" : "") << "\n"
         << std::setprecision(9);
    const int m = static_cast<int>(e.sampled.size());
    for (int p = 0; p < e.points(); ++p) {
        const std::size_t token = static_cast<std::size_t>(e.sampled[static_cast<std::size_t>(p % m)]);
        file << (p < m ? "query" : "key") << ',' << token << ',' << (token < ids.size() ? ids[token] : -1)
             << ',' << quoted(token < texts.size() ? texts[token] : std::string());
        for (int c = 0; c < e.request.dimensions; ++c)
            file << ',' << e.at(p, c);
        file << '\n';
    }
    file.close();
    if (!file)
        return Status::ioError("writing the embedding's points failed").inFile(path);
    return Status::ok();
}

} // namespace attnscope::analyses
