// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/taxonomy.h"

#include <cmath>

namespace attnscope::analyses {

namespace {

/// Mean over rows i >= 1 of P_{i, i-1} and of the mass on offsets 1..window, from K7 over all rows.
void localScores(const kernels::ProbeResult& probe, int head, int tokens, int window, HeadTaxonomy& out) {
    if (tokens < 2 || probe.diagonalCount == 0)
        return;
    const float* d = probe.diagonalSums.data() + static_cast<std::size_t>(head) * probe.diagonalCount;
    auto at = [&](int offset) {
        const int e = offset + probe.diagonalOrigin;
        return e >= 0 && e < probe.diagonalCount ? static_cast<double>(d[e]) : 0.0;
    };
    double local = 0;
    for (int o = 1; o <= window; ++o)
        local += at(o);
    out.previousToken = at(1) / (tokens - 1);
    out.localMass = local / (tokens - 1);
}

/// Mean over rows i >= 1 of the row entropy divided by log(i + 1), the entropy of a uniform row.
std::optional<double> normalizedEntropy(const kernels::ProbeResult& probe, int head, int tokens) {
    if (tokens < 2 || probe.rowEntropy.size() < static_cast<std::size_t>(head + 1) * tokens)
        return std::nullopt;
    const float* e = probe.rowEntropy.data() + static_cast<std::size_t>(head) * tokens;
    double sum = 0;
    for (int i = 1; i < tokens; ++i)
        sum += e[i] / std::log(static_cast<double>(i) + 1.0);
    return sum / (tokens - 1);
}

} // namespace

Expected<std::vector<HeadTaxonomy>> classifyHeads(const TaxonomyInputs& in, const TaxonomyParameters& p) {
    const std::size_t count = static_cast<std::size_t>(in.layers) * in.heads;
    if (in.probes && in.probes->size() != static_cast<std::size_t>(in.layers))
        return Status::invalidArgument("expected one probe result per layer").atField("probes");
    if (in.sinks && in.sinks->heads.size() != count)
        return Status::invalidArgument("sink results do not cover every head").atField("sinks");
    if (in.razor && in.razor->inductionPerQueryHead.size() != count)
        return Status::invalidArgument("induction scores do not cover every head").atField("razor");
    if (in.retrievalScores && in.retrievalScores->size() != count)
        return Status::invalidArgument("retrieval scores do not cover every head").atField("retrieval");
    if (in.sparsity && in.sparsity->heads.size() != count)
        return Status::invalidArgument("sparsity results do not cover every head").atField("sparsity");
    std::vector<HeadTaxonomy> heads;
    for (int l = 0; l < in.layers; ++l)
        for (int h = 0; h < in.heads; ++h) {
            const std::size_t at = static_cast<std::size_t>(l) * in.heads + h;
            HeadTaxonomy t;
            t.layer = l;
            t.head = h;
            if (in.probes) {
                localScores((*in.probes)[l], h, in.tokens, p.localWindow, t);
                t.normalizedEntropy = normalizedEntropy((*in.probes)[l], h, in.tokens);
            }
            if (in.sinks)
                t.token0Mass = in.sinks->heads[at].token0Mass;
            if (in.razor)
                t.induction = in.razor->inductionPerQueryHead[at];
            if (in.retrievalScores)
                t.retrieval = (*in.retrievalScores)[at];
            if (in.sparsity)
                t.pattern = patternName(in.sparsity->heads[at].pattern.pattern);
            if (t.retrieval && *t.retrieval > p.retrieval)
                t.labels.push_back("retrieval");
            if (t.induction && *t.induction >= p.induction)
                t.labels.push_back("induction");
            if (t.localMass && *t.localMass >= p.local)
                t.labels.push_back("local");
            if (t.token0Mass && *t.token0Mass >= p.sinkToken0)
                t.labels.push_back("sink");
            if ((t.normalizedEntropy && *t.normalizedEntropy >= p.diffuseEntropy) ||
                (t.pattern && *t.pattern == "diffuse"))
                t.labels.push_back("diffuse");
            t.primary = t.labels.empty() ? "mixed" : t.labels.front();
            heads.push_back(std::move(t));
        }
    return heads;
}

} // namespace attnscope::analyses
