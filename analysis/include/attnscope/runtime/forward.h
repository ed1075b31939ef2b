// SPDX-License-Identifier: Apache-2.0
// Forward passes: logits, per-token NLL and selected attention maps for one input.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/interventions.h"
#include "attnscope/runtime/model.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace attnscope::runtime {

/// One layer's queries and keys exactly as its attention kernel saw them (after biases, q/k norms and
/// RoPE), for analyses that need a second pass across layers or pooled queries: EchoAtt's paired
/// similarity, FlexPrefill's and AnchorAttention's pooled estimates, decode-row selection. O(N d) per
/// head, never N x N.
struct QueryKeyCapture {
    int queryHeads = 0, kvHeads = 0, queryLength = 0, keyLength = 0, headDim = 0;
    float scale = 0;       ///< the logit scale the kernel used
    int slidingWindow = 0; ///< 0 = unlimited
    bool causal = true;
    std::vector<float> queries; ///< [queryHeads, queryLength, headDim]
    std::vector<float> keys;    ///< [kvHeads, keyLength, headDim]
};

struct ForwardOptions {
    bool logits = true;
    /// Heads whose full attention probabilities [T, T] to return (dense: meant for T up to a few
    /// thousand; long inputs use the kernels' statistics instead).
    std::vector<HeadIndex> attentionMaps;
    /// Statistics computed inside every layer's attention kernel (never N x N): column mass, block
    /// grids, diagonal sums, tiles... Returned per layer in ForwardResult::probes.
    std::optional<kernels::ProbeRequest> probe;
    /// Head ablation, calibration and attention sharing (interventions.h). Probe statistics describe
    /// each call's softmax before calibration; a sharing layer's statistics and maps are those of the
    /// queries and keys it ran with (its source's).
    Interventions interventions;
    /// Return every layer's post-RoPE queries and keys in ForwardResult::queryKeys.
    bool captureQueryKey = false;
    /// With captureQueryKey: only these layers' (the others' entries stay empty); empty = every layer.
    std::vector<int> captureLayers;
    /// Run layers 0..lastLayer only (−1: all), for callers that read an early layer's statistics or
    /// queries and keys; needs logits off (per-layer results then hold lastLayer + 1 entries).
    int lastLayer = -1;
};

struct ForwardResult {
    int tokens = 0;
    int vocabSize = 0;
    std::vector<float> logits;                         ///< [tokens, vocab] when requested
    std::map<HeadIndex, std::vector<float>> attention; ///< [tokens, tokens] row-major, per requested head
    std::vector<kernels::ProbeResult> probes;          ///< one per layer when ForwardOptions::probe is set
    std::vector<QueryKeyCapture> queryKeys;            ///< one per layer when captureQueryKey is set
    /// The keys each calibrated head's calibration scaled (ascending), when calibration is set.
    std::map<HeadIndex, std::vector<int>> calibratedColumns;
    /// What the sparse-attention interventions' masks kept in this call (zero rows without them).
    MaskStatistics masks;
};

/// Runs the model on `tokens` (ids, no batching). Every attention call goes through
/// kernels::attention. Errors: ids out of the vocabulary, input longer than the context, bad head
/// indices, cancellation. Reports progress per layer.
Expected<ForwardResult> forward(const Model& model, const std::vector<int32_t>& tokens,
                                const ForwardOptions& options = {}, const Progress& progress = {});

/// Runs several independent inputs (of any lengths) in one call, in order; result i belongs to
/// inputs[i]. Progress covers all inputs; an error names the input's index.
Expected<std::vector<ForwardResult>> forwardMany(const Model& model,
                                                 const std::vector<std::vector<int32_t>>& inputs,
                                                 const ForwardOptions& options = {},
                                                 const Progress& progress = {});

struct KvCache; // per-layer keys and values (LibTorch tensors), private to the runtime

/// Incremental decoding over one sequence: every append() runs only the new tokens, attending to the
/// keys and values cached from the earlier ones. Thread-safety: one session per thread; sessions on the
/// same model may run concurrently.
class DecoderSession {
public:
    /// `interventions` apply to every step (ForwardOptions::interventions); a calibration chooses its
    /// keys in the first append() (the prefill) and keeps them for later steps, as a KV-cache policy
    /// (KvSelection) keeps its prompt keys; a sparse prefill masks only the first append().
    explicit DecoderSession(std::shared_ptr<const Model> model, Interventions interventions = {});
    ~DecoderSession();
    DecoderSession(DecoderSession&&) noexcept;

    /// Runs `tokens` after what was appended before and returns the logits of the last one [vocab].
    /// Errors leave the session as it was only when raised before the layers run (bad ids, context).
    Expected<std::vector<float>> append(const std::vector<int32_t>& tokens, const Progress& progress = {});
    /// Tokens appended so far.
    int64_t length() const;
    /// Statistics to compute in every later append() (e.g. top-1 keys for retrieval scores).
    void setProbe(std::optional<kernels::ProbeRequest> probe) { m_probe = std::move(probe); }
    /// Per-layer statistics of the last append(), when a probe is set.
    const std::vector<kernels::ProbeResult>& lastProbes() const { return m_lastProbes; }
    /// What the sparse-attention interventions' masks kept, over every append() so far.
    const MaskStatistics& maskStatistics() const { return m_masks; }

private:
    std::shared_ptr<const Model> m_model;
    std::unique_ptr<KvCache> m_cache;
    Interventions m_interventions;
    std::optional<kernels::ProbeRequest> m_probe;
    std::vector<kernels::ProbeResult> m_lastProbes;
    MaskStatistics m_masks;
};

struct GenerateOptions {
    int maxNewTokens = 32;
    bool greedy = true;               ///< argmax; otherwise sample
    double temperature = 1.0;         ///< sampling temperature (> 0)
    int topK = 0;                     ///< sample among the k most likely tokens (0 = all)
    uint64_t seed = 0;                ///< sampling is reproducible for a given seed
    std::optional<int32_t> stopToken; ///< stop after producing this token (e.g. EOS)
    Interventions interventions;      ///< applied in every step (ablation, calibration, sharing)
    /// Statistics computed in every append (the prompt's prefill, then each new token) and handed to
    /// `observer` with the token those logits chose: step s sees the probes of the append whose last row
    /// produced generated token s (for K5's last row: the attention that chose it).
    std::optional<kernels::ProbeRequest> probe;
    std::function<Status(int step, int32_t token, const std::vector<kernels::ProbeResult>& probes)> observer;
};

/// Continues `prompt` with up to maxNewTokens tokens (greedy or seeded sampling) using the KV cache.
/// `masks`, when given, receives what sparse-attention interventions kept (added to what it holds).
Expected<std::vector<int32_t>> generate(const std::shared_ptr<const Model>& model,
                                        const std::vector<int32_t>& prompt, const GenerateOptions& options,
                                        const Progress& progress = {}, MaskStatistics* masks = nullptr);

/// A greedy continuation with, for every generated token, the top-1 key of each (layer, query head) at
/// the query row that produced it (K6 inside the kernel; no attention map is materialized).
struct TracedGeneration {
    std::vector<int32_t> generated;
    std::vector<std::vector<int32_t>> topKeys; ///< [step][layer * heads + head]
};

/// Greedy decoding of up to options.maxNewTokens tokens (stopping after `stopToken` when set) that
/// records the top-1 keys. Sampling options are ignored.
Expected<TracedGeneration> generateTraced(const std::shared_ptr<const Model>& model,
                                          const std::vector<int32_t>& prompt, const GenerateOptions& options);

/// Per-token negative log-likelihood (nats) from logits [tokens, vocab]: entry i scores tokens[i + 1]
/// given tokens 0..i, computed in double with a stable log-sum-exp; tokens.size() - 1 values.
std::vector<double> nllFromLogits(const std::vector<float>& logits, int vocabSize,
                                  const std::vector<int32_t>& tokens);

/// Negative log-likelihood (nats) of each token given the previous ones: entry i scores tokens[i + 1];
/// tokens.size() - 1 values. Perplexity is exp(mean).
/// `masks`, when given, receives what sparse-attention interventions kept (added to what it holds).
Expected<std::vector<double>> tokenNll(const Model& model, const std::vector<int32_t>& tokens,
                                       const Progress& progress = {}, const Interventions& interventions = {},
                                       MaskStatistics* masks = nullptr);

} // namespace attnscope::runtime
