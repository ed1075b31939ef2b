// SPDX-License-Identifier: Apache-2.0
// Training-free interventions a forward pass can apply (DESIGN.md, "Interventions"): head ablation,
// post-softmax column calibration (ACT) and cross-layer attention sharing (EchoAtt). The runtime only
// executes them; which heads, which columns and which layers is decided by the caller (the analyses'
// ACT rule, the CLI, the studio, later plugins).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/model/model_config.h"

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

/// Everything a forward pass can change. Empty by default: the model as trained.
struct Interventions {
    /// Heads whose attention output is zeroed before the output projection (ablation).
    std::vector<HeadIndex> maskedHeads;
    std::optional<ColumnCalibration> calibration;
    /// At most one entry per target layer; a target may itself be the source of a later layer (the
    /// later one then sees the same probabilities).
    std::vector<SharedAttention> sharing;

    bool empty() const { return maskedHeads.empty() && !calibration && sharing.empty(); }
};

/// Checks every index against the model: heads in range (fields "masked_heads", "calibration.heads"),
/// keep in [0, 1] ("calibration.keep"), a column selector present, calibration only on causal models,
/// sharing layers in range with source < target and one source per target ("sharing").
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
