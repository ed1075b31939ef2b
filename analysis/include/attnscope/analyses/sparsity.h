// SPDX-License-Identifier: Apache-2.0
// Sparse-attention masks and their quality (METHODS.md sections 1, 5-8): SeerAttention's block ground
// truth and oracle curves, FlexPrefill's pattern decision and masks, AnchorAttention's stripes, SnapKV
// and TokenSelect selections scored on decode rows, StreamingLLM's A-shape, and a pattern class per
// head. Every mask reports density and mass recall; nothing needs the N x N map.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/forward.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::analyses {

struct SparsityParameters {
    int probeBlock = 64; ///< K4 grid of the probe; every block size below is a multiple of it
    // SeerAttention (section 6): oracle masks from the block ground truth.
    int seerBlock = 64;
    std::vector<double> seerThresholds = {5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1};
    int seerDenseLastRows = 2;                                       ///< last_block_dense
    std::vector<double> recallTargets = {0.5, 0.8, 0.9, 0.95, 0.99}; ///< oracle density at each recall
    // FlexPrefill (section 5).
    int flexBlock = 128;
    double flexGamma = 0.9;
    double flexTau = 0.1;
    int flexMinBudget = 512;
    int flexMaxBudget = 0; ///< 0 = none
    // AnchorAttention (section 7).
    int anchorBlock = 128, anchorStep = 16;
    double anchorTheta = 12.0;
    /// The reference scans stripes from key `anchorBlock`, inside the initial region (a documented
    /// quirk that only inflates its ratio); true scans from the end of the initial region instead.
    bool anchorScanAfterInitial = false;
    // Decode-time selection, scored on the last `decodeRows` tokens read as teacher-forced decode steps.
    int decodeRows = 64;
    int snapWindow = 32, snapKernel = 5; ///< SnapKV code defaults (LongBench: kernel 7, max pooling)
    bool snapMaxPool = false;
    std::vector<int> snapCapacities = {256, 512, 1024, 2048};
    int tokenSelectInit = 128, tokenSelectLocal = 512;
    std::vector<int> tokenSelectBudgets = {256, 512, 1024, 2048};
    /// The reference kernel pairs query head h with KV head h % kvHeads (a quirk under GQA); false uses
    /// the model's own grouping h / (heads / kvHeads).
    bool tokenSelectModuloKvHead = false;
    // StreamingLLM A-shape (section 1): sink tokens plus each window.
    int aShapeSinks = 4;
    std::vector<int> aShapeWindows = {64, 256, 1024};
    // Pattern class.
    double patternRecall = 0.9;          ///< classes compare the densities that reach this recall
    double patternTolerance = 1.5;       ///< a family "fits" within this factor of the oracle density
    double diffuseDensity = 0.5;         ///< oracle density above this: diffuse
    int rowBlock = 128, keyChunk = 2048; ///< chunks of the probability passes
};

/// Density (kept share of the causal pairs or blocks) and mass recall (mean over rows of the kept mass).
struct MaskMetrics {
    double knob = 0; ///< the method's parameter for this point (threshold, capacity, budget, window)
    double density = 0;
    double recall = 0;
};

/// Block statistics of one head on a square causal grid: sum and max of P per (I, J), row-major.
struct BlockGrid {
    int blocks = 0;
    int blockSize = 0;
    int tokens = 0;
    std::vector<double> sum, max;
    double sumAt(int i, int j) const { return sum[static_cast<std::size_t>(i) * blocks + j]; }
};

/// One head's grid from a ProbeResult's K4 at `probeBlock` (batch 1), coarsened by `factor` (sum of sums,
/// max of maxes).
BlockGrid blockGridOf(const kernels::ProbeResult& probe, int queryHeads, int head, int tokens, int probeBlock,
                      int factor);

/// Mass recall and block density (over the causal blocks I >= J) of a 0/1 block mask.
MaskMetrics blockMaskMetrics(const BlockGrid& grid, const std::vector<uint8_t>& mask);

/// SeerAttention's ground truth: 2D max-pool of P, each block row normalised to sum 1.
std::vector<double> seerGroundTruth(const BlockGrid& grid);

/// Oracle masks thresholding the ground truth at each threshold (GT > t, the last `denseLastRows`
/// block rows dense, lower-triangular).
std::vector<MaskMetrics> seerThresholdCurve(const BlockGrid& grid, const std::vector<double>& thresholds,
                                            int denseLastRows);

/// The smallest block density reaching each recall target by taking blocks in order of their mass
/// (the best any block mask can do).
std::vector<MaskMetrics> oracleBlockCurve(const BlockGrid& grid, const std::vector<double>& targets);

enum class PatternClass { AShape, VerticalSlash, BlockSparse, Diffuse };
const char* patternName(PatternClass pattern);

struct PatternFit {
    PatternClass pattern = PatternClass::Diffuse;
    double oracleDensity = 1;        ///< best block mask reaching the recall
    double aShapeDensity = 1;        ///< first block column (if it helps) + the last w block diagonals
    double verticalSlashDensity = 1; ///< whole block columns and block diagonals, chosen greedily
};

/// The class of a head: diffuse when even the oracle needs more than `diffuseDensity`; else A-shape,
/// vertical-slash or block-sparse, the first family whose density is within `tolerance` x the oracle's
/// (+ one block row of slack).
PatternFit classifyPattern(const BlockGrid& grid, double recall, double tolerance, double diffuseDensity);

/// FlexPrefill for one head.
struct FlexPrefillHead {
    bool dense = false;      ///< N <= max(2B, min_budget): the reference runs dense attention
    double divergence = 0;   ///< sqrt(JS(estimated || true)) of the last query block, natural log
    bool queryAware = false; ///< divergence < tau
    int verticalBlocks = 0, slashBlocks = 0; ///< budgets n_v, n_s after clamping
    int activeBlocks = 0, blocks = 0;
    double computationalRatio = 0; ///< active / blocks^2 (the reference's denominator)
    MaskMetrics mask;              ///< causal block density and mass recall
    /// Mass recall over the last query block's rows only: the rows whose attention the budgets and the
    /// pattern decision are computed from (γ bounds their recall, not the other rows').
    double lastBlockRecall = 0;
    std::vector<uint8_t> blockMask; ///< [blocks * blocks]
};

/// FlexPrefill's decision and block mask alone (no metrics: `mask` and `lastBlockRecall` stay zero), over
/// ceil(tokens / flexBlock) blocks; the arguments as for flexPrefillHead. What a sparse prefill runs.
FlexPrefillHead flexPrefillDecision(const float* lastRows, int lastRowCount,
                                    const std::vector<double>& estimated,
                                    const std::vector<double>& blockEstimate, int tokens,
                                    const SparsityParameters& parameters);

/// The FlexPrefill decision and mask from: the last B rows of P (K5, [B][tokens], row r = query
/// tokens - B + r), the estimated block distribution of the mean last-block query (ā, [blocks]), the
/// block-level estimate softmax_causal(Q̄ K̄^T) ([blocks * blocks]), and the FlexPrefill-sized grid.
FlexPrefillHead flexPrefillHead(const float* lastRows, int lastRowCount, const std::vector<double>& estimated,
                                const std::vector<double>& blockEstimate, const BlockGrid& grid,
                                const SparsityParameters& parameters);

/// SnapKV's kept keys (ascending) for one head: the window's votes on the keys before it, pooled, top
/// (capacity - window), plus the window. `windowRows`: [window][promptLength] probabilities.
std::vector<int> snapKvKeep(const float* windowRows, int window, int promptLength, int capacity, int kernel,
                            bool maxPool);

/// TokenSelect's shared token set: per-head softmax over the candidates' unscaled scores
/// ([heads][candidates]), summed (soft voting), top `budget` (candidate indices, ascending).
std::vector<int> tokenSelectVote(const std::vector<std::vector<double>>& scores, int budget);

struct AnchorHead {
    std::vector<int> stripesPerBigBlock; ///< selected stripe columns of each big block (0 for the first)
    double referenceRatio = 0;           ///< sum of stripe columns / (N^2 / (b s) / 2), the reference's ratio
    MaskMetrics mask;                    ///< initial + local + stripes, exact over the causal pairs
};

struct TokenSelectHead {
    double entropy = 0;          ///< mean over decode rows of the head's own candidate entropy (nats)
    std::vector<double> overlap; ///< per budget: |own top-K ∩ voted set| / K
    std::vector<MaskMetrics> curve;
};

struct HeadSparsity {
    int layer = 0, head = 0;
    std::vector<MaskMetrics> seerThreshold, oracle; ///< oracle: knob = recall target
    FlexPrefillHead flex;
    AnchorHead anchor;
    std::vector<MaskMetrics> snapKv; ///< knob = capacity C; recall on decode rows ("hit rate")
    TokenSelectHead tokenSelect;     ///< knob = budget K; recall on decode rows
    std::vector<MaskMetrics> aShape; ///< knob = window, token level over all rows
    PatternFit pattern;
    /// The keys themselves, for views: SnapKV's kept prompt keys at the first capacity (ascending; the
    /// decoded tokens stay cached as well), and TokenSelect's keys of the last decode row at the first
    /// budget (initial tokens, the layer's voted set, the local window; shared by the layer's heads).
    std::vector<int> snapKvKept, tokenSelectKept;
};

struct SparsityAnalysis {
    SparsityParameters parameters;
    int tokens = 0, decodeRows = 0;
    std::vector<HeadSparsity> heads;    ///< layer-major
    std::vector<double> flexLayerRatio; ///< per layer: active blocks / (blocks^2 H)
};

/// The probe every layer needs: K1, K3 and K7 over all rows, K4 at probeBlock, K5 for the last
/// flexBlock rows. (The CLI merges it with the sinks' request.)
kernels::ProbeRequest sparsityProbeRequest(const SparsityParameters& parameters, int tokens);

/// Every method above on every head, from one causal prefill with captured queries/keys and the probe
/// of sparsityProbeRequest() (or a superset). Errors name the missing statistic and the layer.
Expected<SparsityAnalysis> analyzeSparsity(const std::vector<runtime::QueryKeyCapture>& captures,
                                           const std::vector<kernels::ProbeResult>& probes,
                                           const SparsityParameters& parameters = {},
                                           const Progress& progress = {});

} // namespace attnscope::analyses
