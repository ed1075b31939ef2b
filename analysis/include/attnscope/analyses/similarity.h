// SPDX-License-Identifier: Apache-2.0
// EchoAtt's cross-layer attention similarity (METHODS.md section 4) and head x head similarity within
// and across layers, from one paired second pass over probability chunks — never the N x N map.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/forward.h"

#include <vector>

namespace attnscope::analyses {

struct SimilarityParameters {
    int rowBlock = 128;  ///< query rows per chunk of the paired pass
    int keyChunk = 2048; ///< keys per chunk; a chunk holds layers x heads x rowBlock x keyChunk floats
    /// EchoAtt's k read as layers per shared block (METHODS.md 4, unverified): the suggested blocks
    /// group k consecutive inner layers; the first and the last layer stay unshared.
    int layersPerBlock = 2;
};

/// A run of consecutive layers proposed to share one attention map, with its mean pairwise similarity.
struct SharedBlock {
    int firstLayer = 0, lastLayer = 0;
    double meanSimilarity = 0;
};

struct SimilarityAnalysis {
    SimilarityParameters parameters;
    int layers = 0, heads = 0, tokens = 0;
    /// <P_a, P_b> summed over all causal (i, j), a and b indexing (layer, head) layer-major:
    /// [(layers * heads)^2]. Everything below derives from it.
    std::vector<double> gram;
    /// Cosine of the head-averaged maps A_l = mean_h P_{l,h}: [layers * layers].
    std::vector<double> layerHeadAveraged;
    /// Mean over heads h of cos(P_{l,h}, P_{l',h}) (maps flattened per head, then averaged):
    /// [layers * layers].
    std::vector<double> layerPerHead;
    /// cos(P_a, P_b) for every pair of heads: [(layers * heads)^2].
    std::vector<double> headCosine;
    std::vector<SharedBlock> sharedBlocks; ///< from layerHeadAveraged and layersPerBlock
    double multiplyAdds = 0; ///< cost of the paired pass: (L H)^2 x causal pairs (reported, METHODS 4)
};

/// The derived similarities from a Gram matrix of (layers * heads) flattened maps — also the entry
/// point for constructed attention in tests.
SimilarityAnalysis similarityFromGram(std::vector<double> gram, int layers, int heads,
                                      const SimilarityParameters& parameters = {});

/// The paired pass over every layer's captured queries/keys with its kernel LSE (ProbeResult with
/// rowLogSumExp), batch 1, causal prefill. Memory: O(L H N d) plus one chunk.
Expected<SimilarityAnalysis> analyzeSimilarity(const std::vector<runtime::QueryKeyCapture>& captures,
                                               const std::vector<kernels::ProbeResult>& probes,
                                               const SimilarityParameters& parameters = {},
                                               const Progress& progress = {});

} // namespace attnscope::analyses
