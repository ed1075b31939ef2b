// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/similarity.h"

#include "probability_pass.h"
#include "torch_guard.h"

#include <algorithm>
#include <cmath>

namespace attnscope::analyses {

namespace {

double cosine(double ab, double aa, double bb) {
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

/// Consecutive inner layers in groups of k (the first and last layer alone), each with the mean
/// head-averaged similarity of its layer pairs.
std::vector<SharedBlock> sharedBlocks(const std::vector<double>& similarity, int layers, int k) {
    std::vector<SharedBlock> blocks;
    if (layers < 3 || k < 2)
        return blocks;
    for (int first = 1; first <= layers - 2; first += k) {
        const int last = std::min(first + k - 1, layers - 2);
        if (last == first)
            continue; // a lone layer shares nothing
        double sum = 0;
        int pairs = 0;
        for (int a = first; a <= last; ++a)
            for (int b = a + 1; b <= last; ++b, ++pairs)
                sum += similarity[static_cast<std::size_t>(a) * layers + b];
        blocks.push_back({first, last, pairs ? sum / pairs : 1.0});
    }
    return blocks;
}

} // namespace

SimilarityAnalysis similarityFromGram(std::vector<double> gram, int layers, int heads,
                                      const SimilarityParameters& parameters) {
    SimilarityAnalysis a;
    a.parameters = parameters;
    a.layers = layers;
    a.heads = heads;
    const int n = layers * heads;
    a.gram = std::move(gram);
    auto g = [&](int x, int y) {
        return a.gram[static_cast<std::size_t>(x) * n + y];
    };
    a.headCosine.assign(static_cast<std::size_t>(n) * n, 0.0);
    for (int x = 0; x < n; ++x)
        for (int y = 0; y < n; ++y)
            a.headCosine[static_cast<std::size_t>(x) * n + y] = cosine(g(x, y), g(x, x), g(y, y));
    // <A_l, A_l'> = (1/H^2) sum_{h,h'} <P_{l,h}, P_{l',h'}>; the 1/H^2 cancels in the cosine.
    std::vector<double> block(static_cast<std::size_t>(layers) * layers, 0.0);
    for (int l = 0; l < layers; ++l)
        for (int m = 0; m < layers; ++m)
            for (int h = 0; h < heads; ++h)
                for (int k = 0; k < heads; ++k)
                    block[static_cast<std::size_t>(l) * layers + m] += g(l * heads + h, m * heads + k);
    a.layerHeadAveraged.assign(block.size(), 0.0);
    a.layerPerHead.assign(block.size(), 0.0);
    for (int l = 0; l < layers; ++l)
        for (int m = 0; m < layers; ++m) {
            const std::size_t at = static_cast<std::size_t>(l) * layers + m;
            a.layerHeadAveraged[at] = cosine(block[at], block[static_cast<std::size_t>(l) * layers + l],
                                             block[static_cast<std::size_t>(m) * layers + m]);
            double sum = 0;
            for (int h = 0; h < heads; ++h)
                sum += a.headCosine[static_cast<std::size_t>(l * heads + h) * n + (m * heads + h)];
            a.layerPerHead[at] = heads ? sum / heads : 0.0;
        }
    a.sharedBlocks = sharedBlocks(a.layerHeadAveraged, layers, parameters.layersPerBlock);
    return a;
}

Expected<SimilarityAnalysis> analyzeSimilarity(const std::vector<runtime::QueryKeyCapture>& captures,
                                               const std::vector<kernels::ProbeResult>& probes,
                                               const SimilarityParameters& parameters,
                                               const Progress& progress) {
    std::vector<const runtime::QueryKeyCapture*> c;
    std::vector<const kernels::ProbeResult*> p;
    for (std::size_t l = 0; l < captures.size(); ++l) {
        c.push_back(&captures[l]);
        p.push_back(l < probes.size() ? &probes[l] : nullptr);
    }
    if (probes.size() != captures.size())
        return Status::invalidArgument("expected one probe result per captured layer");
    ATTNSCOPE_ASSIGN_OR_RETURN(detail::StackedHeads stacked, detail::stackHeads(c, p));
    const int n = stacked.heads();
    at::Tensor gram = at::zeros({n, n}, at::kDouble);
    ATTNSCOPE_TRY(detail::forEachProbabilityChunk(stacked, 0, stacked.tokens, parameters.rowBlock,
                                                  parameters.keyChunk, progress,
                                                  [&](const at::Tensor& chunk, int, int) {
                                                      at::Tensor flat = chunk.reshape({n, -1});
                                                      gram.add_(at::mm(flat, flat.t()).to(at::kDouble));
                                                  }));
    std::vector<double> values(gram.data_ptr<double>(), gram.data_ptr<double>() + gram.numel());
    const int layers = static_cast<int>(captures.size());
    SimilarityAnalysis a = similarityFromGram(std::move(values), layers, n / layers, parameters);
    a.tokens = stacked.tokens;
    const double pairs = 0.5 * static_cast<double>(stacked.tokens) * (stacked.tokens + 1);
    a.multiplyAdds = static_cast<double>(n) * n * pairs;
    return a;
}

} // namespace attnscope::analyses
