// SPDX-License-Identifier: Apache-2.0
// The kernel/probe seam: one attention entry point over plain structs (no LibTorch, no Qt).
//
// analysis/runtime validates LibTorch tensors once and hands their storage here. The probe request
// says which statistics to compute inside the kernel, so no caller ever needs the N x N map.
#pragma once

#include "attnscope/kernels/kernel_status.h"

#include <cstdint>
#include <vector>

namespace attnscope::kernels {

/// Element type of Q, K, V and O. Accumulation is always fp32.
enum class DType { F32, BF16, F16 };

/// Name of a dtype for messages ("f32", "bf16", "f16").
const char* dtypeName(DType dtype);

/// A strided view of a [batch, heads, tokens, headDim] tensor. Strides are in elements.
struct TensorView {
    const void* data = nullptr;
    DType dtype = DType::F32;
    int64_t stride[4] = {0, 0, 0, 1};
};

/// A writable [batch, heads, tokens, headDim] fp32 tensor (the attention output).
struct OutputView {
    float* data = nullptr;
    int64_t stride[4] = {0, 0, 0, 1};
};

/// Shapes and options of one attention call.
struct AttentionDims {
    int batch = 1;
    int queryHeads = 1;  ///< Hq; must be a multiple of kvHeads (GQA/MQA)
    int kvHeads = 1;     ///< Hkv
    int queryLength = 0; ///< rows of this call (a chunk during chunked prefill, 1 when decoding)
    int keyLength = 0;   ///< keys visible in the cache, including this call's own tokens
    int headDim = 0;
    bool causal = true;
    /// Absolute position of query row 0; row i sits at queryOffset + i. For causal prefill of a whole
    /// sequence it is 0; for decoding it is keyLength - queryLength.
    int64_t queryOffset = 0;
    /// Logit scale; <= 0 means 1/sqrt(headDim).
    float scale = 0.0f;
    /// Sliding window in tokens (a row at position p sees keys j with p - j < window); 0 = unlimited.
    int slidingWindow = 0;
};

/// A range of query rows [begin, end) of this call; end < 0 means "to the last row".
struct RowRange {
    int begin = 0;
    int end = -1;
};

/// One exact probability tile: rows [rowBegin, rowEnd) of this call, keys [colBegin, colEnd).
struct TileRequest {
    int rowBegin = 0, rowEnd = 0;
    int colBegin = 0, colEnd = 0;
};

/// K8: the keys each row may attend to under a sparse method. Masks are shared by every batch entry;
/// `perHead` selects one mask per query head (laid out head-major) instead of one for all heads.
struct AttentionMask {
    enum class Kind { None, Block, Columns, RowKeys };
    Kind kind = Kind::None;
    bool perHead = false;
    /// Measure only: report recall and output error, but write the dense output (analyses that read a
    /// mass Σ_{j∈M_i} P_ij without changing the model's computation).
    bool measureOnly = false;
    /// Block: [heads][ceil(queryLength / blockSize)][ceil(keyLength / blockSize)] of 0/1, query blocks
    /// counted from row 0 of this call and key blocks from key 0.
    int blockSize = 64;
    const uint8_t* blocks = nullptr;
    /// Columns (stripes, kept-token sets): [heads][keyLength] of 0/1, the same for every row.
    const uint8_t* columns = nullptr;
    /// RowKeys (per-row token sets, CSR): the keys of row i of head h are
    /// rowKeys[rowOffsets[h * queryLength + i] .. rowOffsets[h * queryLength + i + 1]).
    const int64_t* rowOffsets = nullptr;
    const int32_t* rowKeys = nullptr;
    /// RowKeys: every row's keys are strictly ascending (validated). Changes no result; lets the CPU
    /// backend find a tile's keys by binary search instead of scanning the row's whole list per tile
    /// (long rows, such as StreamingLLM's sinks plus a window of a thousand keys).
    bool rowKeysAscending = false;
};

/// Training-free interventions applied inside the kernel. Attention sharing (EchoAtt) needs no field:
/// pass Q and K of one layer with V of another.
struct Intervention {
    /// Added to the logit of key j before the softmax: [keyLength], or [queryHeads][keyLength] when
    /// `biasPerHead`.
    const float* columnLogitBias = nullptr;
    bool biasPerHead = false;
    /// Post-softmax calibration (ACT, METHODS.md section 2): keys with scale c_j != 1 keep c_j * P_ij,
    /// and the other keys share the remaining mass in proportion to P_ij; a row whose mass on the scaled
    /// keys is within 1e-6 of 1 (one that sees only scaled keys, or nearly all of whose attention they
    /// hold: the redistribution would divide by ~0) is left unchanged. [keyLength], or
    /// [queryHeads][keyLength] when `scalePerHead`.
    const float* columnScale = nullptr;
    bool scalePerHead = false;
};

/// Which statistics to compute while running attention (METHODS.md section 0). All statistics describe
/// the softmax P of this call (after any logit bias, before calibration), are computed from tiles, and
/// never need the N x N matrix. Statistics that need the final LSE (K3, K5, K7, tiles) take a second
/// pass over the tiles.
struct ProbeRequest {
    bool rowLogSumExp = false; ///< K1: log sum_j exp(s_ij) per row
    bool rowEntropy = false;   ///< -sum_j P_ij log P_ij per row (nats)
    /// Query heads the statistics are computed for (outputs are always computed); empty = all.
    std::vector<int> heads;
    bool columnMass = false; ///< K3: C_j = sum_i P_ij over `columnMassRows`
    RowRange columnMassRows;
    int blockSize = 0;         ///< K4: block sum and max of P on a blockSize grid (0 = off; 64 is usual)
    int lastRows = 0;          ///< K5: full probability rows of the last `lastRows` queries
    int topK = 0;              ///< K6: the k most attended keys per row, with their probabilities
    bool diagonalSums = false; ///< K7: D_o = sum_i P_{i, i - o} over `diagonalRows`, by offset o
    RowRange diagonalRows;
    std::vector<TileRequest> tiles; ///< exact probability tiles (the heatmap's zoomed views)
    /// K8: run under this mask. The output is the masked attention's; recall and the output's relative
    /// error are measured against the dense softmax of the same call.
    AttentionMask mask;
    Intervention intervention;
};

/// Statistics produced by a call, for every (batch, query head) — zero for heads not selected. A row
/// that sees no key has LSE = -inf, entropy 0 and a zero output.
struct ProbeResult {
    std::vector<float> rowLogSumExp; ///< [batch, queryHeads, queryLength]
    std::vector<float> rowEntropy;   ///< [batch, queryHeads, queryLength]
    std::vector<float> columnMass;   ///< [batch, queryHeads, keyLength]
    int blockRows = 0, blockCols = 0;
    std::vector<float> blockSum; ///< [batch, queryHeads, blockRows, blockCols]
    std::vector<float> blockMax; ///< [batch, queryHeads, blockRows, blockCols]
    int lastRows = 0;
    std::vector<float> lastRowProbabilities; ///< [batch, queryHeads, lastRows, keyLength]
    int topK = 0;
    std::vector<int32_t> topKeys;        ///< [batch, queryHeads, queryLength, topK]; -1 past the visible keys
    std::vector<float> topProbabilities; ///< same layout, descending
    /// [batch, queryHeads, diagonalCount]; entry e holds offset o = e - diagonalOrigin, where
    /// o = (queryOffset + i) - j is the distance from row i's position back to key j.
    int diagonalCount = 0, diagonalOrigin = 0;
    std::vector<float> diagonalSums;
    /// One per requested tile: [batch, queryHeads, rows, cols].
    std::vector<std::vector<float>> tiles;
    std::vector<float> maskRecall;      ///< K8: [batch, queryHeads, queryLength]
    std::vector<float> maskOutputError; ///< K8: ||o_M - o|| / ||o|| per row
};

/// Which implementation runs a call.
enum class Backend { Cpu, Cuda };

/// Computes O = softmax(scale * Q K^T + mask) V for every (batch, query head), with GQA mapping query
/// head h to KV head h / (queryHeads / kvHeads), and fills the requested probe statistics.
/// Thread-safety: reentrant; concurrent calls on distinct outputs are safe.
KernelStatus attention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                       const TensorView& v, const OutputView& out, const ProbeRequest& request,
                       ProbeResult& result, Backend backend = Backend::Cpu);

/// Checks dims and views without running anything; the message names the first bad field.
KernelStatus validateAttention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                               const TensorView& v, const OutputView& out);

/// Checks a probe request against dims (ranges, tiles, block sizes, masks).
KernelStatus validateProbe(const AttentionDims& dims, const ProbeRequest& request);

/// Worker threads of the CPU backend (pinned to cores where the OS allows it). 0 = one per core.
/// Results are identical run to run for a given thread count.
void setCpuThreads(int threads);
int cpuThreads();

} // namespace attnscope::kernels
