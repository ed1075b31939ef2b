// SPDX-License-Identifier: Apache-2.0
// The CPU attention kernel: FlashAttention-style tiles (64 query rows x 64 keys), online softmax in
// fp32, statistics computed from the tiles while they are in cache.
//
// Work is split into units of (batch, query head, span of query rows); each unit owns its rows, so
// outputs and per-row statistics are written without synchronisation. Column and diagonal sums are
// accumulated per worker and added in worker order, which keeps results identical run to run.
//
// Pass 1 produces the output, K1 (LSE), entropy, K4 (block sums/max, from per-row partial sums kept
// against the running maximum), K6 (top-k) and K8 (masked output, recall, error). Pass 2 runs only when
// K3, K5, K7 or tiles are requested: with the LSE known it recomputes the logits of the needed tiles
// and reads probabilities exactly.
#include "../common/top_k_insert.h"
#include "element_load.h"
#include "thread_pool.h"
#include "tile_math.h"

#include "attnscope/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnscope::kernels {

namespace {

using cpu::kTileKeys;
constexpr int kTileRows = 64;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Geometry {
    AttentionDims dims;
    float scale = 1.0f;
    int group = 1;
    int spanRows = kTileRows; ///< query rows per work unit (a multiple of 64, >= the K4 block size)
    int64_t spans = 0;
    int blockSize = 0, blockRows = 0, blockCols = 0;

    int64_t rowIndex(int b, int h, int i) const {
        return (static_cast<int64_t>(b) * dims.queryHeads + h) * dims.queryLength + i;
    }
    int64_t headIndex(int b, int h) const { return static_cast<int64_t>(b) * dims.queryHeads + h; }
    /// Visible keys [begin, end) of the row at absolute position `position`.
    void visible(int64_t position, int64_t& begin, int64_t& end) const {
        begin = 0;
        end = dims.keyLength;
        if (dims.causal)
            end = std::min<int64_t>(end, position + 1);
        if (dims.slidingWindow > 0) // a window past the last key sees nothing (begin = end = keyLength)
            begin =
                std::min<int64_t>(dims.keyLength, std::max<int64_t>(0, position - dims.slidingWindow + 1));
        end = std::max(end, begin);
    }
};

int64_t rangeEnd(const RowRange& range, int rows) {
    return range.end < 0 ? rows : std::min(range.end, rows);
}

/// Loads keys [k0, k0 + count) of one KV head transposed ([d][64], zero-padded) and, when `v` is given,
/// values ([64][d]).
void loadKeyTile(const Geometry& g, const TensorView& k, const TensorView* v, int b, int kvHead, int64_t k0,
                 int count, std::vector<float>& kT, std::vector<float>& values, std::vector<float>& row) {
    const int d = g.dims.headDim;
    const int64_t kBase = b * k.stride[0] + kvHead * k.stride[1];
    for (int j = 0; j < count; ++j) {
        cpu::loadRow(k.data, k.dtype, kBase + (k0 + j) * k.stride[2], d, row.data());
        for (int c = 0; c < d; ++c)
            kT[static_cast<std::size_t>(c) * kTileKeys + j] = row[c];
        if (v) // pass 2 needs no values
            cpu::loadRow(v->data, v->dtype,
                         b * v->stride[0] + kvHead * v->stride[1] + (k0 + j) * v->stride[2], d,
                         values.data() + static_cast<std::size_t>(j) * d);
    }
    for (int j = count; j < kTileKeys; ++j)
        for (int c = 0; c < d; ++c)
            kT[static_cast<std::size_t>(c) * kTileKeys + j] = 0.0f;
}

/// Logits of rows [r0, r0 + rows) against keys [k0, k0 + count): scaled, biased, masked to -inf
/// outside each row's visible range and past `count`.
void logitsTile(const Geometry& g, const ProbeRequest& request, const float* q, int rows, int64_t r0, int h,
                int64_t k0, int count, const std::vector<float>& kT, float* s) {
    const int d = g.dims.headDim;
    cpu::scoreTile(q, d, rows, kT.data(), d, s);
    const float* bias = request.intervention.columnLogitBias;
    if (bias && request.intervention.biasPerHead)
        bias += static_cast<int64_t>(h) * g.dims.keyLength;
    // Interior tiles, which every row sees whole, need no per-key checks: only the bias, if any.
    int64_t firstBegin, firstEnd, lastBegin, lastEnd;
    g.visible(g.dims.queryOffset + r0, firstBegin, firstEnd);
    g.visible(g.dims.queryOffset + r0 + rows - 1, lastBegin, lastEnd);
    const bool interior = count == kTileKeys && k0 >= lastBegin && k0 + kTileKeys <= firstEnd;
    for (int r = 0; r < rows; ++r) {
        float* row = s + static_cast<std::size_t>(r) * kTileKeys;
        if (interior) {
            if (bias)
                for (int j = 0; j < kTileKeys; ++j)
                    row[j] += bias[k0 + j];
            continue;
        }
        int64_t begin, end;
        g.visible(g.dims.queryOffset + r0 + r, begin, end);
        for (int j = 0; j < kTileKeys; ++j) {
            const int64_t key = k0 + j;
            if (j >= count || key < begin || key >= end)
                row[j] = kNegInf;
            else if (bias)
                row[j] += bias[key];
        }
    }
}

/// The mask of row i (this call's index) and key j for K8.
struct MaskReader {
    const AttentionMask* mask = nullptr;
    const Geometry* g = nullptr;
    int head = 0;

    bool active() const { return mask && mask->kind != AttentionMask::Kind::None; }
    /// Fills keep[j] (0/1) for keys [k0, k0 + kTileKeys) of row i.
    void row(int64_t i, int64_t k0, float* keep) const {
        const AttentionDims& dims = g->dims;
        const int h = mask->perHead ? head : 0;
        switch (mask->kind) {
        case AttentionMask::Kind::Block: {
            const int B = mask->blockSize;
            const int64_t cols = (dims.keyLength + B - 1) / B, rowsOfBlocks = (dims.queryLength + B - 1) / B;
            const uint8_t* grid = mask->blocks + (h * rowsOfBlocks + i / B) * cols;
            for (int j = 0; j < kTileKeys; ++j) {
                const int64_t key = k0 + j;
                keep[j] = key < dims.keyLength && grid[key / B] ? 1.0f : 0.0f;
            }
            return;
        }
        case AttentionMask::Kind::Columns: {
            const uint8_t* columns = mask->columns + static_cast<int64_t>(h) * dims.keyLength;
            for (int j = 0; j < kTileKeys; ++j) {
                const int64_t key = k0 + j;
                keep[j] = key < dims.keyLength && columns[key] ? 1.0f : 0.0f;
            }
            return;
        }
        case AttentionMask::Kind::RowKeys: {
            std::fill(keep, keep + kTileKeys, 0.0f);
            const int64_t at = static_cast<int64_t>(h) * dims.queryLength + i;
            int64_t first = mask->rowOffsets[at];
            const int64_t last = mask->rowOffsets[at + 1];
            if (mask->rowKeysAscending) {
                first = std::lower_bound(mask->rowKeys + first, mask->rowKeys + last, k0) - mask->rowKeys;
                for (int64_t e = first; e < last && mask->rowKeys[e] < k0 + kTileKeys; ++e)
                    keep[mask->rowKeys[e] - k0] = 1.0f;
                return;
            }
            for (int64_t e = first; e < last; ++e) {
                const int64_t key = mask->rowKeys[e];
                if (key >= k0 && key < k0 + kTileKeys)
                    keep[key - k0] = 1.0f;
            }
            return;
        }
        case AttentionMask::Kind::None:
            std::fill(keep, keep + kTileKeys, 1.0f);
            return;
        }
    }
};

/// Per-row running state of pass 1 for one 64-row tile.
struct RowState {
    std::vector<float> max, sum, weightedLogit;
    std::vector<float> out;                            ///< [64][d] dense accumulator
    std::vector<float> maskSum, maskOut;               ///< K8
    std::vector<float> scaledRaw, scaledSum;           ///< calibration: sum over scaled keys of w and c * w
    std::vector<float> scaledRawOut, scaledOut;        ///< [64][d]: sum over scaled keys of w v and c w v
    std::vector<float> blockRef, blockSumP, blockMaxP; ///< K4: [64][blockCols] against blockRef
    std::vector<float> topLogit;                       ///< K6: [64][k] descending
    std::vector<int32_t> topKey;

    void reset(int d, int blockCols, int topK, bool masked, bool calibrated) {
        max.assign(kTileRows, kNegInf);
        sum.assign(kTileRows, 0.0f);
        weightedLogit.assign(kTileRows, 0.0f);
        out.assign(static_cast<std::size_t>(kTileRows) * d, 0.0f);
        if (masked) {
            maskSum.assign(kTileRows, 0.0f);
            maskOut.assign(static_cast<std::size_t>(kTileRows) * d, 0.0f);
        }
        if (calibrated) {
            scaledRaw.assign(kTileRows, 0.0f);
            scaledSum.assign(kTileRows, 0.0f);
            scaledRawOut.assign(static_cast<std::size_t>(kTileRows) * d, 0.0f);
            scaledOut.assign(static_cast<std::size_t>(kTileRows) * d, 0.0f);
        }
        if (blockCols > 0) {
            blockRef.assign(static_cast<std::size_t>(kTileRows) * blockCols, kNegInf);
            blockSumP.assign(static_cast<std::size_t>(kTileRows) * blockCols, 0.0f);
            blockMaxP.assign(static_cast<std::size_t>(kTileRows) * blockCols, 0.0f);
        }
        if (topK > 0) {
            topLogit.assign(static_cast<std::size_t>(kTileRows) * topK, kNegInf);
            topKey.assign(static_cast<std::size_t>(kTileRows) * topK, -1);
        }
    }
};

/// Scratch buffers of one worker.
struct Scratch {
    std::vector<float> q, kT, values, row, scores, p, keep, masked, scaled, scaledAll, correction;
    RowState state;
    void prepare(int d) {
        q.resize(static_cast<std::size_t>(kTileRows) * d);
        kT.resize(static_cast<std::size_t>(d) * kTileKeys);
        values.resize(static_cast<std::size_t>(kTileKeys) * d);
        row.resize(d);
        for (std::vector<float>* tile : {&scores, &p, &masked, &scaled, &scaledAll})
            tile->resize(static_cast<std::size_t>(kTileRows) * kTileKeys);
        keep.resize(kTileKeys);
        correction.resize(kTileRows);
    }
};

void loadQueries(const Geometry& g, const TensorView& q, int b, int h, int64_t r0, int rows, Scratch& s) {
    const int d = g.dims.headDim;
    const int64_t base = b * q.stride[0] + h * q.stride[1];
    for (int r = 0; r < rows; ++r) {
        float* dst = s.q.data() + static_cast<std::size_t>(r) * d;
        cpu::loadRow(q.data, q.dtype, base + (r0 + r) * q.stride[2], d, dst);
        for (int c = 0; c < d; ++c)
            dst[c] *= g.scale;
    }
}

/// Keys [begin, end) any row of [r0, r0 + rows) can see.
void keySpan(const Geometry& g, int64_t r0, int rows, int64_t& begin, int64_t& end) {
    int64_t b0, e0, b1, e1;
    g.visible(g.dims.queryOffset + r0, b0, e0);
    g.visible(g.dims.queryOffset + r0 + rows - 1, b1, e1);
    begin = std::min(b0, b1);
    end = std::max(e0, e1);
}

struct Call {
    Geometry g;
    const TensorView *q, *k, *v;
    const OutputView* out;
    const ProbeRequest* request;
    ProbeResult* result;
    std::vector<uint8_t> headSelected;
    bool masked = false, calibrated = false, secondPass = false;
};

/// Pass 1 over one 64-row tile of one (b, h).
void firstPassTile(const Call& call, int b, int h, int64_t r0, int rows, Scratch& s) {
    const Geometry& g = call.g;
    const ProbeRequest& request = *call.request;
    const int d = g.dims.headDim, kvHead = h / g.group;
    const bool stats = call.headSelected[h] != 0;
    const int topK = stats ? request.topK : 0;
    const int blockCols = stats ? g.blockCols : 0;
    RowState& st = s.state;
    st.reset(d, blockCols, topK, call.masked, call.calibrated);
    loadQueries(g, *call.q, b, h, r0, rows, s);
    MaskReader mask{&request.mask, &g, h};
    const float* columnScale = request.intervention.columnScale;
    if (columnScale && request.intervention.scalePerHead)
        columnScale += static_cast<int64_t>(h) * g.dims.keyLength;

    int64_t kBegin, kEnd;
    keySpan(g, r0, rows, kBegin, kEnd);
    const int subBlock = blockCols > 0 ? std::min(g.blockSize, kTileKeys) : 0;
    for (int64_t k0 = kBegin - kBegin % kTileKeys; k0 < kEnd; k0 += kTileKeys) {
        const int count = static_cast<int>(std::min<int64_t>(kTileKeys, g.dims.keyLength - k0));
        loadKeyTile(g, *call.k, call.v, b, kvHead, k0, count, s.kT, s.values, s.row);
        logitsTile(g, request, s.q.data(), rows, r0, h, k0, count, s.kT, s.scores.data());
        for (int r = 0; r < rows; ++r) {
            const float* logits = s.scores.data() + static_cast<std::size_t>(r) * kTileKeys;
            float* p = s.p.data() + static_cast<std::size_t>(r) * kTileKeys;
            const float tileMax = cpu::maxOf(logits, kTileKeys);
            if (tileMax == kNegInf) { // nothing visible for this row in this tile
                std::fill(p, p + kTileKeys, 0.0f);
                s.correction[r] = 1.0f;
                if (call.masked)
                    std::fill(s.masked.data() + static_cast<std::size_t>(r) * kTileKeys,
                              s.masked.data() + static_cast<std::size_t>(r + 1) * kTileKeys, 0.0f);
                if (call.calibrated) {
                    std::fill(s.scaled.data() + static_cast<std::size_t>(r) * kTileKeys,
                              s.scaled.data() + static_cast<std::size_t>(r + 1) * kTileKeys, 0.0f);
                    std::fill(s.scaledAll.data() + static_cast<std::size_t>(r) * kTileKeys,
                              s.scaledAll.data() + static_cast<std::size_t>(r + 1) * kTileKeys, 0.0f);
                }
                continue;
            }
            const float newMax = std::max(st.max[r], tileMax);
            const float correction = st.max[r] == kNegInf ? 0.0f : std::exp(st.max[r] - newMax);
            s.correction[r] = correction;
            st.max[r] = newMax;
            const float tileSum = cpu::expShiftSum(logits, p, kTileKeys, newMax);
            if (request.rowEntropy && stats)
                st.weightedLogit[r] =
                    st.weightedLogit[r] * correction + cpu::weightedSum(p, logits, kTileKeys);
            st.sum[r] = st.sum[r] * correction + tileSum;

            if (call.masked) {
                mask.row(r0 + r, k0, s.keep.data());
                float* masked = s.masked.data() + static_cast<std::size_t>(r) * kTileKeys;
                float maskedSum = 0.0f;
                for (int j = 0; j < kTileKeys; ++j) {
                    masked[j] = p[j] * s.keep[j];
                    maskedSum += masked[j];
                }
                st.maskSum[r] = st.maskSum[r] * correction + maskedSum;
            }
            if (call.calibrated) {
                float* scaled = s.scaled.data() + static_cast<std::size_t>(r) * kTileKeys;
                float* scaledAll = s.scaledAll.data() + static_cast<std::size_t>(r) * kTileKeys;
                float raw = 0.0f, weighted = 0.0f;
                for (int j = 0; j < kTileKeys; ++j) {
                    const float c = j < count ? columnScale[k0 + j] : 1.0f;
                    const bool isScaled = c != 1.0f;
                    scaledAll[j] = isScaled ? p[j] : 0.0f;
                    scaled[j] = isScaled ? p[j] * c : 0.0f;
                    raw += scaledAll[j];
                    weighted += scaled[j];
                }
                st.scaledRaw[r] = st.scaledRaw[r] * correction + raw;
                st.scaledSum[r] = st.scaledSum[r] * correction + weighted;
            }
            if (blockCols > 0)
                for (int sb = 0; sb < count; sb += subBlock) {
                    const int width = std::min(subBlock, count - sb);
                    float blockSum = 0.0f, blockMax = 0.0f;
                    if (width == kTileKeys) { // the whole tile: its sum and max are already known
                        blockSum = tileSum;
                        blockMax = std::exp(tileMax - newMax);
                    } else {
                        for (int j = 0; j < width; ++j) {
                            blockSum += p[sb + j];
                            blockMax = std::max(blockMax, p[sb + j]);
                        }
                    }
                    if (blockSum <= 0.0f)
                        continue;
                    const std::size_t cell =
                        static_cast<std::size_t>(r) * blockCols + (k0 + sb) / g.blockSize;
                    if (st.blockRef[cell] != newMax) { // re-express the block's partials against newMax
                        const float rescale =
                            st.blockRef[cell] == kNegInf ? 0.0f : std::exp(st.blockRef[cell] - newMax);
                        st.blockSumP[cell] *= rescale;
                        st.blockMaxP[cell] *= rescale;
                        st.blockRef[cell] = newMax;
                    }
                    st.blockSumP[cell] += blockSum;
                    st.blockMaxP[cell] = std::max(st.blockMaxP[cell], blockMax);
                }
            if (topK > 0) {
                float* topLogits = st.topLogit.data() + static_cast<std::size_t>(r) * topK;
                if (tileMax > topLogits[topK - 1]) // most tiles cannot change the top-k
                    for (int j = 0; j < count; ++j)
                        if (logits[j] > topLogits[topK - 1])
                            insertTopK(logits[j], static_cast<int32_t>(k0 + j), topLogits,
                                       st.topKey.data() + static_cast<std::size_t>(r) * topK, topK);
            }
        }
        cpu::accumulateTile(s.p.data(), s.values.data(), rows, count, d, s.correction.data(), st.out.data());
        if (call.masked)
            cpu::accumulateTile(s.masked.data(), s.values.data(), rows, count, d, s.correction.data(),
                                st.maskOut.data());
        if (call.calibrated) {
            cpu::accumulateTile(s.scaledAll.data(), s.values.data(), rows, count, d, s.correction.data(),
                                st.scaledRawOut.data());
            cpu::accumulateTile(s.scaled.data(), s.values.data(), rows, count, d, s.correction.data(),
                                st.scaledOut.data());
        }
    }

    // Finish the rows: output, LSE, entropy, K4, K6, K8.
    ProbeResult& result = *call.result;
    const OutputView& out = *call.out;
    for (int r = 0; r < rows; ++r) {
        const int64_t i = r0 + r, index = g.rowIndex(b, h, static_cast<int>(i));
        float* o = out.data + b * out.stride[0] + h * out.stride[1] + i * out.stride[2];
        const float* dense = st.out.data() + static_cast<std::size_t>(r) * d;
        const float l = st.sum[r];
        if (l <= 0.0f) {
            std::fill(o, o + d, 0.0f);
            if (stats && !result.rowLogSumExp.empty()) // unselected heads' statistics stay zero
                result.rowLogSumExp[index] = kNegInf;
            continue;
        }
        const float lse = st.max[r] + std::log(l);
        if (stats && !result.rowLogSumExp.empty())
            result.rowLogSumExp[index] = lse;
        if (stats && !result.rowEntropy.empty())
            result.rowEntropy[index] = std::max(0.0f, lse - st.weightedLogit[r] / l);
        const float inverse = 1.0f / l;
        if (call.calibrated) {
            // ACT: scaled keys keep c * P; the others share 1 - sum(c P) in proportion to P.
            const float rawMass = st.scaledRaw[r] * inverse, keptMass = st.scaledSum[r] * inverse;
            // A row that sees only scaled keys has nothing to redistribute to: it stays as it was (ACT
            // forces P'[0, 0] = 1 for the first row, which sees token 0 alone).
            const bool onlyScaled = rawMass >= 1.0f - 1e-6f;
            const float rest = onlyScaled ? 0.0f : (1.0f - keptMass) / (1.0f - rawMass);
            const float* scaledOut = st.scaledOut.data() + static_cast<std::size_t>(r) * d;
            const float* rawOut = st.scaledRawOut.data() + static_cast<std::size_t>(r) * d;
            for (int c = 0; c < d; ++c)
                o[c] = onlyScaled ? dense[c] * inverse
                                  : (scaledOut[c] + rest * (dense[c] - rawOut[c])) * inverse;
        } else {
            for (int c = 0; c < d; ++c)
                o[c] = dense[c] * inverse;
        }
        if (call.masked) {
            const float maskSum = st.maskSum[r];
            const float* maskOut = st.maskOut.data() + static_cast<std::size_t>(r) * d;
            double difference = 0.0, norm = 0.0;
            for (int c = 0; c < d; ++c) {
                const float denseValue = dense[c] * inverse;
                const float maskedValue = maskSum > 0.0f ? maskOut[c] / maskSum : 0.0f;
                difference += static_cast<double>(maskedValue - denseValue) * (maskedValue - denseValue);
                norm += static_cast<double>(denseValue) * denseValue;
                if (!request.mask.measureOnly)
                    o[c] = maskedValue;
            }
            if (stats) {
                result.maskRecall[index] = maskSum * inverse;
                result.maskOutputError[index] = norm > 0.0 ? static_cast<float>(std::sqrt(difference / norm))
                                                           : (difference > 0.0 ? 1.0f : 0.0f);
            }
        }
        if (blockCols > 0) {
            float* sums = result.blockSum.data() + g.headIndex(b, h) * g.blockRows * g.blockCols;
            float* maxima = result.blockMax.data() + g.headIndex(b, h) * g.blockRows * g.blockCols;
            const int64_t blockRow = i / g.blockSize;
            for (int J = 0; J < blockCols; ++J) {
                const std::size_t cell = static_cast<std::size_t>(r) * blockCols + J;
                if (st.blockRef[cell] == kNegInf)
                    continue;
                const float factor = std::exp(st.blockRef[cell] - lse);
                sums[blockRow * g.blockCols + J] += st.blockSumP[cell] * factor;
                maxima[blockRow * g.blockCols + J] =
                    std::max(maxima[blockRow * g.blockCols + J], st.blockMaxP[cell] * factor);
            }
        }
        if (topK > 0)
            for (int t = 0; t < topK; ++t) {
                const std::size_t at = static_cast<std::size_t>(index) * topK + t;
                const std::size_t from = static_cast<std::size_t>(r) * topK + t;
                result.topKeys[at] = st.topKey[from];
                result.topProbabilities[at] = st.topKey[from] < 0 ? 0.0f : std::exp(st.topLogit[from] - lse);
            }
    }
}

bool inRange(int64_t i, const RowRange& range, int rows) {
    return i >= range.begin && i < rangeEnd(range, rows);
}

/// Pass 2 over one 64-row tile: exact probabilities from the known LSE for K3, K5, K7 and tiles.
void secondPassTile(const Call& call, int b, int h, int64_t r0, int rows, Scratch& s, int worker,
                    std::vector<std::vector<float>>& columnPartials,
                    std::vector<std::vector<float>>& diagonalPartials) {
    const Geometry& g = call.g;
    const ProbeRequest& request = *call.request;
    ProbeResult& result = *call.result;
    const int Nq = g.dims.queryLength, Nk = g.dims.keyLength;
    // Which rows of this tile need anything?
    bool any = false;
    for (int r = 0; r < rows && !any; ++r) {
        const int64_t i = r0 + r;
        any = (request.columnMass && inRange(i, request.columnMassRows, Nq)) ||
              (request.diagonalSums && inRange(i, request.diagonalRows, Nq)) || i >= Nq - request.lastRows;
        for (const TileRequest& tile : request.tiles)
            any = any || (i >= tile.rowBegin && i < tile.rowEnd);
    }
    if (!any)
        return;
    const int kvHead = h / g.group;
    loadQueries(g, *call.q, b, h, r0, rows, s);
    const int64_t head = g.headIndex(b, h);
    float* columns = request.columnMass ? columnPartials[worker].data() + head * Nk : nullptr;
    float* diagonal =
        request.diagonalSums ? diagonalPartials[worker].data() + head * result.diagonalCount : nullptr;
    int64_t kBegin, kEnd;
    keySpan(g, r0, rows, kBegin, kEnd);
    // Per tile: column sums over its rows, and diagonal sums by offset (position - key), which for a
    // tile span 2 * 64 - 1 consecutive offsets; both are flushed once per tile.
    float columnTile[kTileKeys];
    float diagonalTile[2 * kTileRows + kTileKeys];
    float reversed[kTileKeys];
    for (int64_t k0 = kBegin - kBegin % kTileKeys; k0 < kEnd; k0 += kTileKeys) {
        const int count = static_cast<int>(std::min<int64_t>(kTileKeys, Nk - k0));
        loadKeyTile(g, *call.k, nullptr, b, kvHead, k0, count, s.kT, s.values, s.row);
        logitsTile(g, request, s.q.data(), rows, r0, h, k0, count, s.kT, s.scores.data());
        std::fill(std::begin(columnTile), std::end(columnTile), 0.0f);
        std::fill(std::begin(diagonalTile), std::end(diagonalTile), 0.0f);
        bool anyColumns = false, anyDiagonals = false;
        for (int r = 0; r < rows; ++r) {
            const int64_t i = r0 + r;
            const float lse = result.rowLogSumExp[g.rowIndex(b, h, static_cast<int>(i))];
            if (lse == kNegInf)
                continue;
            float* p = s.scores.data() + static_cast<std::size_t>(r) * kTileKeys;
            cpu::expShiftSum(p, p, kTileKeys, lse);
            if (columns && inRange(i, request.columnMassRows, Nq)) {
                for (int j = 0; j < kTileKeys; ++j)
                    columnTile[j] += p[j];
                anyColumns = true;
            }
            if (diagonal && inRange(i, request.diagonalRows, Nq)) {
                // Key j of row r has offset (r0 + r) - (k0 + j) relative to the tile's; reversing the
                // row makes that a contiguous, vectorizable add at slot r + (63 - j).
                for (int j = 0; j < kTileKeys; ++j)
                    reversed[j] = p[kTileKeys - 1 - j];
                float* slot = diagonalTile + r;
                for (int j = 0; j < kTileKeys; ++j)
                    slot[j] += reversed[j];
                anyDiagonals = true;
            }
            if (i >= Nq - request.lastRows) {
                float* dst = result.lastRowProbabilities.data() +
                             (head * result.lastRows + (i - (Nq - request.lastRows))) * Nk + k0;
                std::copy(p, p + count, dst);
            }
            for (std::size_t t = 0; t < request.tiles.size(); ++t) {
                const TileRequest& tile = request.tiles[t];
                if (i < tile.rowBegin || i >= tile.rowEnd)
                    continue;
                const int width = tile.colEnd - tile.colBegin;
                float* dst = result.tiles[t].data() +
                             (head * (tile.rowEnd - tile.rowBegin) + (i - tile.rowBegin)) * width;
                for (int j = 0; j < count; ++j) {
                    const int64_t key = k0 + j;
                    if (key >= tile.colBegin && key < tile.colEnd)
                        dst[key - tile.colBegin] = p[j];
                }
            }
        }
        if (anyColumns)
            for (int j = 0; j < count; ++j)
                columns[k0 + j] += columnTile[j];
        if (anyDiagonals) {
            // Slot e holds offset (queryOffset + r0 - k0) + e - (kTileKeys - 1); zero slots (masked keys,
            // keys past the end) are skipped, so no index leaves the array.
            const int64_t base = g.dims.queryOffset + r0 - k0 - (kTileKeys - 1) + result.diagonalOrigin;
            for (int e = 0; e < rows + kTileKeys - 1; ++e)
                if (diagonalTile[e] != 0.0f)
                    diagonal[base + e] += diagonalTile[e];
        }
    }
}

/// Adds per-worker partial sums into `target` in worker order (deterministic).
void reducePartials(const std::vector<std::vector<float>>& partials, std::vector<float>& target) {
    for (const std::vector<float>& partial : partials)
        for (std::size_t e = 0; e < target.size(); ++e)
            target[e] += partial[e];
}

} // namespace

KernelStatus attentionCpu(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                          const TensorView& v, const OutputView& out, const ProbeRequest& request,
                          ProbeResult& result) {
    Call call;
    Geometry& g = call.g;
    g.dims = dims;
    g.scale = dims.scale > 0.0f ? dims.scale : 1.0f / std::sqrt(static_cast<float>(dims.headDim));
    g.group = dims.queryHeads / dims.kvHeads;
    g.blockSize = request.blockSize;
    g.spanRows = std::max(kTileRows, request.blockSize > kTileRows ? request.blockSize : kTileRows);
    g.spans = (dims.queryLength + g.spanRows - 1) / g.spanRows;
    call.q = &q;
    call.k = &k;
    call.v = &v;
    call.out = &out;
    call.request = &request;
    call.result = &result;
    call.masked = request.mask.kind != AttentionMask::Kind::None;
    call.calibrated = request.intervention.columnScale != nullptr;
    call.headSelected.assign(dims.queryHeads, request.heads.empty() ? 1 : 0);
    for (int h : request.heads)
        call.headSelected[h] = 1;
    call.secondPass =
        request.columnMass || request.lastRows > 0 || request.diagonalSums || !request.tiles.empty();

    const int64_t heads = static_cast<int64_t>(dims.batch) * dims.queryHeads;
    const int64_t rows = heads * dims.queryLength;
    result = ProbeResult{};
    const bool needLse = request.rowLogSumExp || call.secondPass;
    result.rowLogSumExp.assign(needLse ? rows : 0, 0.0f);
    result.rowEntropy.assign(request.rowEntropy ? rows : 0, 0.0f);
    if (request.blockSize > 0) {
        g.blockRows = (dims.queryLength + request.blockSize - 1) / request.blockSize;
        g.blockCols = (dims.keyLength + request.blockSize - 1) / request.blockSize;
        result.blockRows = g.blockRows;
        result.blockCols = g.blockCols;
        result.blockSum.assign(heads * g.blockRows * g.blockCols, 0.0f);
        result.blockMax.assign(heads * g.blockRows * g.blockCols, 0.0f);
    }
    if (request.topK > 0) {
        result.topK = request.topK;
        result.topKeys.assign(rows * request.topK, -1);
        result.topProbabilities.assign(rows * request.topK, 0.0f);
    }
    if (call.masked) {
        result.maskRecall.assign(rows, 0.0f);
        result.maskOutputError.assign(rows, 0.0f);
    }
    if (request.columnMass)
        result.columnMass.assign(heads * dims.keyLength, 0.0f);
    if (request.lastRows > 0) {
        result.lastRows = request.lastRows;
        result.lastRowProbabilities.assign(heads * request.lastRows * dims.keyLength, 0.0f);
    }
    if (request.diagonalSums) {
        result.diagonalOrigin = dims.keyLength - 1;
        result.diagonalCount = static_cast<int>(dims.queryOffset + dims.queryLength + dims.keyLength - 1);
        result.diagonalSums.assign(heads * result.diagonalCount, 0.0f);
    }
    for (const TileRequest& tile : request.tiles)
        result.tiles.emplace_back(heads * (tile.rowEnd - tile.rowBegin) * (tile.colEnd - tile.colBegin),
                                  0.0f);

    cpu::PoolLease pool;
    std::vector<Scratch> scratch(pool.workers());
    for (Scratch& s : scratch)
        s.prepare(dims.headDim);
    const int64_t units = heads * g.spans;
    // Units run in order unit = (head, span); spans of one head interleave across workers, which
    // balances causal work (later spans see more keys).
    auto unitRows = [&](int64_t unit, int& b, int& h, int64_t& begin, int64_t& end) {
        const int64_t head = unit / g.spans, span = unit % g.spans;
        b = static_cast<int>(head / dims.queryHeads);
        h = static_cast<int>(head % dims.queryHeads);
        begin = span * g.spanRows;
        end = std::min<int64_t>(begin + g.spanRows, dims.queryLength);
    };
    pool.run(units, [&](int64_t unit, int worker) {
        int b, h;
        int64_t begin, end;
        unitRows(unit, b, h, begin, end);
        for (int64_t r0 = begin; r0 < end; r0 += kTileRows)
            firstPassTile(call, b, h, r0, static_cast<int>(std::min<int64_t>(kTileRows, end - r0)),
                          scratch[worker]);
    });
    if (call.secondPass) {
        std::vector<std::vector<float>> columnPartials(pool.workers()), diagonalPartials(pool.workers());
        for (int w = 0; w < pool.workers(); ++w) {
            if (request.columnMass)
                columnPartials[w].assign(result.columnMass.size(), 0.0f);
            if (request.diagonalSums)
                diagonalPartials[w].assign(result.diagonalSums.size(), 0.0f);
        }
        pool.run(units, [&](int64_t unit, int worker) {
            int b, h;
            int64_t begin, end;
            unitRows(unit, b, h, begin, end);
            if (!call.headSelected[h])
                return;
            for (int64_t r0 = begin; r0 < end; r0 += kTileRows)
                secondPassTile(call, b, h, r0, static_cast<int>(std::min<int64_t>(kTileRows, end - r0)),
                               scratch[worker], worker, columnPartials, diagonalPartials);
        });
        if (request.columnMass)
            reducePartials(columnPartials, result.columnMass);
        if (request.diagonalSums)
            reducePartials(diagonalPartials, result.diagonalSums);
    }
    if (!request.rowLogSumExp)
        result.rowLogSumExp.clear();
    return KernelStatus::success();
}

} // namespace attnscope::kernels
