// SPDX-License-Identifier: Apache-2.0
// Head taxonomy: sink, previous-token/local, induction, retrieval and diffuse labels, each with the
// scores behind it, from the other analyses' results and the kernel's K7 and entropy statistics.
#pragma once

#include "attnscope/analyses/razor.h"
#include "attnscope/analyses/sinks.h"
#include "attnscope/analyses/sparsity.h"
#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"

#include <optional>
#include <string>
#include <vector>

namespace attnscope::analyses {

struct TaxonomyParameters {
    double sinkToken0 = 0.3;     ///< mean P_i0 at or above: sink
    int localWindow = 8;         ///< offsets 1..localWindow count as local
    double local = 0.5;          ///< mean mass on those offsets at or above: previous-token/local
    double induction = 0.3;      ///< RazorAttention induction score at or above: induction
    double retrieval = 0.1;      ///< Wu et al. retrieval score above: retrieval
    double diffuseEntropy = 0.8; ///< mean entropy / log(visible keys) at or above: diffuse
};

/// One head's scores (absent when the analysis behind it did not run) and labels.
struct HeadTaxonomy {
    int layer = 0, head = 0;
    std::optional<double> token0Mass, previousToken, localMass, normalizedEntropy, induction, retrieval;
    std::optional<std::string> pattern;
    std::vector<std::string> labels; ///< every label whose criterion holds
    std::string primary;             ///< retrieval > induction > local > sink > diffuse, else "mixed"
};

/// What the taxonomy reads; every pointer may be null when that analysis did not run.
struct TaxonomyInputs {
    int layers = 0, heads = 0, tokens = 0;
    /// Per layer, with diagonalSums over all rows and rowEntropy (the analyze suite's probe).
    const std::vector<kernels::ProbeResult>* probes = nullptr;
    const SinkAnalysis* sinks = nullptr;
    const RazorAnalysis* razor = nullptr;
    const std::vector<double>* retrievalScores = nullptr; ///< [layer * heads + head]
    const SparsityAnalysis* sparsity = nullptr;
};

/// Labels every (layer, head), layer-major. Errors name an input whose shape does not match.
Expected<std::vector<HeadTaxonomy>> classifyHeads(const TaxonomyInputs& inputs,
                                                  const TaxonomyParameters& parameters = {});

} // namespace attnscope::analyses
