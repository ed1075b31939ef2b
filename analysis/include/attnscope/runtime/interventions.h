// SPDX-License-Identifier: Apache-2.0
// Training-free interventions a forward pass can apply (DESIGN.md, "Interventions"): head ablation,
// post-softmax column calibration (ACT) and cross-layer attention sharing (EchoAtt). The runtime only
// executes them; which heads, which columns and which layers is decided by the caller (the analyses'
// ACT rule, the CLI, the studio, later plugins).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/model/model_config.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attnscope::runtime {

/// A (layer, query head) pair, both 0-based.
using HeadIndex = std::pair<int, int>;

/// Post-softmax calibration of chosen heads (ACT, METHODS.md section 2). For every layer with a
/// calibrated head, the prefill runs the layer's attention once to measure each calibrated head's
/// column mass C_j = sum_i P_ij over all rows, asks `selectColumns` which keys to scale, and runs the
/// layer again with P'_is = keep * P_is on those keys and the removed mass given to the other keys in
/// proportion to P_it (ACT's closed form; a row whose mass on the scaled keys is within 1e-6 of 1 — in
/// particular one that sees only scaled keys — is left unchanged, as the kernel defines it). Cached
/// decoding keeps the prefill's choice: later rows are calibrated on the same keys. The choice sees the
/// whole prefill, as ACT's does: in a scoring pass, the keys of row i depend on the rows after it.
struct ColumnCalibration {
    std::vector<HeadIndex> heads;
    /// β of ACT: the share of a selected key's probability that stays on it, in [0, 1].
    double keep = 0.4;
    /// The keys (ascending, each in [0, tokens)) to scale for `head`, from its column mass over the
    /// `tokens` rows and keys of a causal prefill. Called once per calibrated head and prefill, on the
    /// thread that runs the forward pass; copies of an Interventions share the callable's captures, so it
    /// must be reentrant (the ACT rule captures its parameters by value).
    std::function<std::vector<int>(const HeadIndex& head, const float* columnMass, int tokens)> selectColumns;
    /// How the selection was made, for records and messages ("ACT, threshold 0.1, drop first").
    std::string description;
};

/// Attention sharing (EchoAtt, METHODS.md section 4): layer `target` reuses the attention probabilities
/// of layer `source` (source < target). Its kernel runs with the source layer's queries and keys (as the
/// source's kernel saw them) and the target's own values and output projection. Training-free: the
/// paper's distillation is not part of it.
struct SharedAttention {
    int source = 0;
    int target = 0;
};

/// No model has this many layers: layer blocks past it are refused before they are expanded.
inline constexpr int kMaxSharedLayer = 100000;

/// StreamingLLM's attention (METHODS.md section 1): in every layer, each row sees only the first `sinks`
/// keys and its own last `window` keys (itself included) — in the prefill and while decoding, as a stream
/// with a cache of sinks + window would. Tokens keep their own positions (StreamingLLM renumbers them
/// inside its rolling cache; the A-shape masks of the sparsity analyses do not). Computed as a K8
/// per-row key mask, so the measured figures are the masked model's; memory and time are not saved.
struct StreamingAttention {
    int sinks = 4;
    int window = 1024;
};

/// What a sparse prefill's rule sees of one layer: its queries and keys exactly as the layer's kernel
/// gets them (after RoPE; a layer that shares attention sees its source's).
struct LayerQueryKey {
    int layer = 0;
    kernels::AttentionDims dims;      ///< one whole causal prefill: queryLength == keyLength, offset 0
    kernels::TensorView queries;      ///< [queryHeads, tokens, headDim] fp32, contiguous
    kernels::TensorView keys, values; ///< [kvHeads, tokens, headDim] fp32, contiguous
};

/// The probabilities of `layer`'s last `rows` query rows against all its keys, [queryHeads][rows][keys], from
/// one kernel pass over those rows only (K5; on the current attention device). For rules that decide from
/// the end of the prefill, as FlexPrefill and SnapKV do.
Expected<std::vector<float>> lastRowProbabilities(const LayerQueryKey& layer, int rows);

/// A block-sparse prefill (FlexPrefill, METHODS.md section 5): for each layer the rule returns every query
/// head's block mask over the prefill, which then runs under it (a layer that shares another's attention
/// asks the rule again, with the source's queries and keys). Calls after the prefill (decoding) stay
/// dense, as the paper's do.
struct SparsePrefill {
    int blockSize = 128;
    /// [queryHeads][blocks][blocks] of 0/1 with blocks = ceil(tokens / blockSize): query block I may see key
    /// block J (the causal mask still applies inside). Called once per layer and prefill on the thread of the
    /// forward pass; copies of an Interventions share the callable, so it must be reentrant.
    std::function<Expected<std::vector<uint8_t>>(const LayerQueryKey& layer)> blockMasks;
    /// How the masks are chosen, for records and messages ("FlexPrefill, gamma 0.9, tau 0.1, ...").
    std::string description;
};

/// A KV-cache policy (SnapKV, METHODS.md section 8a): after a session's prefill, each query head keeps the
/// prompt keys its rule picks from the attention of the prompt's last `observationWindow` rows; every
/// later row sees the kept prompt keys and all tokens after the prompt. The prefill itself stays dense.
/// Computed as a K8 column mask (the cache is not shrunk).
struct KvSelection {
    int observationWindow = 32;
    /// The kept prompt keys (ascending, each in [0, promptLength)) of `head`, from `windowRows`:
    /// [window][promptLength] probabilities of the prompt's last `window` rows. Same threading contract as
    /// SparsePrefill::blockMasks.
    std::function<std::vector<int>(const HeadIndex& head, const float* windowRows, int window,
                                   int promptLength)>
        keepKeys;
    std::string description;
};

/// What a sparse intervention's masks kept, summed over the masked rows of every layer and query head (of the
/// heads a ForwardOptions::probe computes statistics for, when it names some). A row whose kept keys hold no
/// mass representable in fp32 next to the dropped ones (logits more than ~87 below the row's maximum) counts
/// with recall 0 and gets a zero output, as the kernel's K8 defines it.
struct MaskStatistics {
    int64_t rows = 0;        ///< (row, layer, head) triples that ran under a mask
    double keptPairs = 0;    ///< (row, key) pairs the masks kept, within the causal pairs
    double visiblePairs = 0; ///< causal (row, key) pairs of the same rows
    double recallSum = 0;    ///< sum over those rows of the dense softmax's mass on the kept keys
    double density() const { return visiblePairs > 0 ? keptPairs / visiblePairs : 1.0; }
    double meanRecall() const { return rows > 0 ? recallSum / static_cast<double>(rows) : 1.0; }
    void add(const MaskStatistics& other) {
        rows += other.rows;
        keptPairs += other.keptPairs;
        visiblePairs += other.visiblePairs;
        recallSum += other.recallSum;
    }
};

/// Everything a forward pass can change. Empty by default: the model as trained.
struct Interventions {
    /// Heads whose attention output is zeroed before the output projection (ablation).
    std::vector<HeadIndex> maskedHeads;
    std::optional<ColumnCalibration> calibration;
    /// At most one entry per target layer; a target may itself be the source of a later layer (the
    /// later one then sees the same probabilities).
    std::vector<SharedAttention> sharing;
    /// Sparse attention: at most one of `streaming` and `sparsePrefill` (both mask the prefill), and
    /// `kvSelection` not with `streaming` (both mask decoding).
    std::optional<StreamingAttention> streaming;
    std::optional<SparsePrefill> sparsePrefill;
    std::optional<KvSelection> kvSelection;

    bool sparse() const { return streaming || sparsePrefill || kvSelection; }
    bool empty() const { return maskedHeads.empty() && !calibration && sharing.empty() && !sparse(); }
};

/// Checks every index against the model: heads in range (fields "masked_heads", "calibration.heads"),
/// keep in [0, 1] ("calibration.keep"), a column selector present, calibration only on causal models,
/// sharing layers in range with source < target and one source per target ("sharing"); sparse attention
/// only on causal models, with positive sizes and a rule ("streaming", "sparse_prefill", "kv_selection"),
/// not two masks on the same rows and not with calibration (whose closed form assumes the dense softmax).
Status checkInterventions(const model::ModelConfig& config, const Interventions& interventions);

/// Heads as people type them: "L:H" (0-based), and with `allowWholeLayers` "L:*" for every head of layer
/// L (returned as (L, -1), see expandWholeLayers). Errors quote the bad entry; the caller names the field.
Expected<std::vector<HeadIndex>> parseHeadSpecs(const std::vector<std::string>& specs, bool allowWholeLayers);

/// (L, -1) -> (L, 0), ..., (L, heads - 1); other entries unchanged.
std::vector<HeadIndex> expandWholeLayers(const std::vector<HeadIndex>& heads, int headsPerLayer);

/// Layer blocks as people type them: "FIRST-LAST" (0-based). Errors quote the bad entry.
Expected<std::vector<std::pair<int, int>>> parseLayerBlocks(const std::vector<std::string>& specs);

/// Splits "a, b,c" at commas and white space, dropping empty entries (for text fields).
std::vector<std::string> splitSpecList(const std::string& text);

/// A calibration that scales the recorded keys of each head (a stored run's "calibration.keys"), whatever
/// the column mass: replays a run's calibration exactly, on the same input.
ColumnCalibration fixedColumnCalibration(std::vector<HeadIndex> heads, double keep,
                                         std::map<HeadIndex, std::vector<int>> keys, std::string description);

/// EchoAtt's shared blocks as layer ranges: each block [first, last] makes layers first+1..last reuse
/// layer `first`'s attention. Blocks must not overlap, and must lie below kMaxSharedLayer; errors name
/// the block.
Expected<std::vector<SharedAttention>> sharingFromBlocks(const std::vector<std::pair<int, int>>& blocks);

} // namespace attnscope::runtime
