// SPDX-License-Identifier: Apache-2.0
// The decoder forward pass (Llama, Mistral, Qwen2, Qwen3, Phi-3, GPT-2): LibTorch for projections, norms
// and the MLP; the attention itself through kernels::attention.
#include "attnscope/runtime/forward.h"

#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/attention_device.h"
#include "attnscope/runtime/kernel_status.h"
#include "model_weights.h"
#include "sparse_masks.h"
#include "torch_guard.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

namespace attnscope::runtime {

namespace {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    return x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
}

/// LayerNorm when the norm has a bias (GPT-2), RMSNorm otherwise.
at::Tensor norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
    if (bias.defined())
        return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
    return rmsNorm(x, weight, eps);
}

/// x W^T for a weight matrix [out, in]. With bf16 matrices (LoadOptions) x is rounded to bf16 as well and
/// the product, accumulated in fp32 by LibTorch's GEMM, comes back as fp32: everything between the
/// matrices stays fp32.
at::Tensor project(const at::Tensor& x, const at::Tensor& weight) {
    if (weight.scalar_type() == at::kBFloat16)
        return at::matmul(x.to(at::kBFloat16), weight.t()).to(at::kFloat);
    return at::matmul(x, weight.t());
}

/// Rows of an embedding table (token, position or type embeddings), as fp32.
at::Tensor fp32(const at::Tensor& rows) {
    return rows.scalar_type() == at::kFloat ? rows : rows.to(at::kFloat);
}

at::Tensor mlpForward(const at::Tensor& h, const LayerWeights& layer, MlpKind kind) {
    if (kind == MlpKind::GeluTanh || kind == MlpKind::GeluErf) {
        at::Tensor up = project(h, layer.wUp);
        if (layer.bUp.defined())
            up = up + layer.bUp;
        at::Tensor down = project(at::gelu(up, kind == MlpKind::GeluTanh ? "tanh" : "none"), layer.wDown);
        return layer.bDown.defined() ? down + layer.bDown : down;
    }
    at::Tensor mlp = at::silu(project(h, layer.wGate)) * project(h, layer.wUp);
    return project(mlp, layer.wDown);
}

/// Inverse frequencies theta^(-2i/d), with HF's llama3 or linear rope scaling applied.
at::Tensor inverseFrequencies(const model::ModelConfig& c) {
    const int64_t half = c.headDim / 2;
    at::Tensor inv = at::empty({half}, at::kDouble);
    auto* f = inv.data_ptr<double>();
    const model::RopeScaling& s = c.ropeScaling;
    for (int64_t i = 0; i < half; ++i) {
        double freq = std::pow(c.ropeTheta, -2.0 * static_cast<double>(i) / static_cast<double>(c.headDim));
        if (s.type == "linear") {
            freq /= s.factor;
        } else if (s.type == "llama3") {
            const double original = static_cast<double>(s.originalContextLength);
            const double lowWavelength = original / s.lowFreqFactor,
                         highWavelength = original / s.highFreqFactor;
            const double wavelength = 2.0 * M_PI / freq;
            if (wavelength > lowWavelength) {
                freq /= s.factor;
            } else if (wavelength >= highWavelength) {
                const double smooth =
                    (original / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
                freq = (1.0 - smooth) * freq / s.factor + smooth * freq;
            }
        }
        f[i] = freq;
    }
    return inv;
}

/// Rotates x [T, heads, d] at positions 0..T-1.
at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, RopeStyle style) {
    const int64_t d = x.size(-1), half = d / 2;
    if (style == RopeStyle::HalfSplit) {
        at::Tensor a = x.narrow(-1, 0, half), b = x.narrow(-1, half, half);
        return at::cat({a * cos - b * sin, b * cos + a * sin}, -1);
    }
    at::Tensor pairs = x.reshape({x.size(0), x.size(1), half, 2});
    at::Tensor a = pairs.select(-1, 0), b = pairs.select(-1, 1);
    return at::stack({a * cos - b * sin, a * sin + b * cos}, -1).reshape(x.sizes());
}

kernels::TensorView viewOf(const at::Tensor& t) { // t: contiguous [heads, T, d] float
    kernels::TensorView view;
    view.data = t.data_ptr<float>();
    view.dtype = kernels::DType::F32;
    view.stride[0] = t.numel();
    view.stride[1] = t.stride(0);
    view.stride[2] = t.stride(1);
    view.stride[3] = 1;
    return view;
}

/// Dense probabilities of one head, for the requested maps: softmax(q k^T * scale + mask).
at::Tensor denseProbabilities(const at::Tensor& q, const at::Tensor& k, const model::ModelConfig& c,
                              double scale) {
    at::Tensor scores = at::matmul(q, k.transpose(0, 1)) * scale; // [T, T]
    const int64_t T = q.size(0);
    at::Tensor positions = at::arange(T, at::kLong);
    at::Tensor mask = at::zeros({T, T}, at::kBool);
    if (c.causal)
        mask = mask.logical_or(positions.unsqueeze(0) > positions.unsqueeze(1));
    if (c.slidingWindow > 0)
        mask = mask.logical_or(positions.unsqueeze(1) - positions.unsqueeze(0) >= c.slidingWindow);
    return at::softmax(scores.masked_fill(mask, -INFINITY), -1);
}

Status checkInput(const model::ModelConfig& c, const std::vector<int32_t>& tokens, int64_t offset,
                  const ForwardOptions& options) {
    if (tokens.empty())
        return Status::invalidArgument("the input has no tokens").atField("tokens");
    const int64_t total = offset + static_cast<int64_t>(tokens.size());
    if (c.contextLength > 0 && total > c.contextLength)
        return Status::invalidArgument("the input reaches " + std::to_string(total) +
                                       " tokens, more than the model's context of " +
                                       std::to_string(c.contextLength))
            .atField("tokens");
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= c.vocabSize)
            return Status::invalidArgument("token id " + std::to_string(tokens[i]) + " at position " +
                                           std::to_string(offset + static_cast<int64_t>(i)) +
                                           " is outside the vocabulary of " + std::to_string(c.vocabSize))
                .atField("tokens");
    for (const auto& [layer, head] : options.attentionMaps)
        if (layer < 0 || layer >= c.layers || head < 0 || head >= c.heads)
            return Status::invalidArgument("no head " + std::to_string(layer) + ":" + std::to_string(head) +
                                           " (the model has " + std::to_string(c.layers) + " layers of " +
                                           std::to_string(c.heads) + " heads)")
                .atField("attention");
    ATTNSCOPE_TRY(checkInterventions(c, options.interventions));
    if (offset > 0 && !options.attentionMaps.empty())
        return Status::unsupported("attention maps are produced for a whole input, not for cached decoding")
            .atField("attention");
    return Status::ok();
}

} // namespace

/// Keys and values of every layer for the positions seen so far: [kvHeads, positions, headDim] each.
/// A layer that shares another's attention caches the keys it attends with (its source's).
struct KvCache {
    std::vector<at::Tensor> keys, values;
    /// Per layer, the calibration's column scale [queryHeads][positions] chosen at the prefill; empty
    /// for layers without a calibrated head.
    std::vector<std::vector<float>> columnScale;
    /// Per layer, the KV-cache policy's kept prompt keys [queryHeads][promptLength] of 0/1 (empty without
    /// a policy).
    std::vector<std::vector<uint8_t>> keptPrompt;
    int promptLength = 0;
    int64_t length = 0;
};

namespace {

/// A copy of one layer's contiguous [Hq, T, d] queries and [Hkv, K, d] keys.
QueryKeyCapture captureOf(const at::Tensor& q, const at::Tensor& k, const kernels::AttentionDims& dims) {
    QueryKeyCapture capture;
    capture.queryHeads = dims.queryHeads;
    capture.kvHeads = dims.kvHeads;
    capture.queryLength = dims.queryLength;
    capture.keyLength = dims.keyLength;
    capture.headDim = dims.headDim;
    capture.scale = dims.scale;
    capture.slidingWindow = dims.slidingWindow;
    capture.causal = dims.causal;
    capture.queries.assign(q.data_ptr<float>(), q.data_ptr<float>() + q.numel());
    capture.keys.assign(k.data_ptr<float>(), k.data_ptr<float>() + k.numel());
    return capture;
}

/// The calibrated heads of each layer.
std::vector<std::vector<int>> calibratedHeadsByLayer(const model::ModelConfig& c,
                                                     const Interventions& interventions) {
    std::vector<std::vector<int>> heads(static_cast<std::size_t>(c.layers));
    if (interventions.calibration)
        for (const auto& [layer, head] : interventions.calibration->heads)
            if (std::find(heads[layer].begin(), heads[layer].end(), head) == heads[layer].end())
                heads[layer].push_back(head);
    return heads;
}

/// The calibration's column scale of one layer at the prefill: one attention pass measures the column
/// mass of the calibrated heads, the calibration's rule picks their keys. [queryHeads][keys].
Status prefillColumnScale(int layer, const std::vector<int>& heads, const ColumnCalibration& calibration,
                          const kernels::AttentionDims& dims, const kernels::TensorView& q,
                          const kernels::TensorView& k, const kernels::TensorView& v,
                          std::vector<float>& scale, std::map<HeadIndex, std::vector<int>>& chosen) {
    const int keys = dims.keyLength;
    std::vector<float> scratch(static_cast<std::size_t>(dims.queryHeads) * dims.queryLength * dims.headDim);
    kernels::OutputView scratchView{scratch.data(),
                                    {static_cast<int64_t>(scratch.size()),
                                     static_cast<int64_t>(dims.queryLength) * dims.headDim, dims.headDim, 1}};
    kernels::ProbeRequest request;
    request.columnMass = true;
    request.heads = heads;
    kernels::ProbeResult mass;
    const std::string where = "layer " + std::to_string(layer) + " calibration pass";
    ATTNSCOPE_TRY(statusFromKernel(runAttention(dims, q, k, v, scratchView, request, mass), where));
    scale.assign(static_cast<std::size_t>(dims.queryHeads) * keys, 1.0f);
    for (int head : heads) {
        std::vector<int> columns = calibration.selectColumns(
            {layer, head}, mass.columnMass.data() + static_cast<std::size_t>(head) * keys, keys);
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i] < 0 || columns[i] >= keys || (i > 0 && columns[i] <= columns[i - 1]))
                return Status::invalidArgument(
                           "the calibration rule chose key " + std::to_string(columns[i]) + " for head " +
                           std::to_string(layer) + ":" + std::to_string(head) +
                           "; keys must be ascending in [0, " + std::to_string(keys) + ")")
                    .atField("calibration");
        for (int column : columns)
            scale[static_cast<std::size_t>(head) * keys + column] = static_cast<float>(calibration.keep);
        chosen[{layer, head}] = std::move(columns);
    }
    return Status::ok();
}

/// The KV-cache policy's kept prompt keys of one layer after its prefill: one attention pass gives the
/// probabilities of the prompt's last rows, the policy's rule picks each head's keys. [queryHeads][tokens].
Status selectPromptKeys(int layer, const KvSelection& selection, const kernels::AttentionDims& dims,
                        const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                        std::vector<uint8_t>& kept) {
    const int tokens = dims.keyLength, window = std::min(selection.observationWindow, dims.queryLength);
    auto rows = lastRowProbabilities(LayerQueryKey{layer, dims, viewOf(q), viewOf(k), viewOf(v)}, window);
    if (!rows)
        return std::move(rows).status().atField("kv_selection");
    kept.assign(static_cast<std::size_t>(dims.queryHeads) * tokens, 0);
    for (int h = 0; h < dims.queryHeads; ++h) {
        const std::vector<int> keys = selection.keepKeys(
            {layer, h}, rows->data() + static_cast<std::size_t>(h) * window * tokens, window, tokens);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] < 0 || keys[i] >= tokens || (i > 0 && keys[i] <= keys[i - 1]))
                return Status::invalidArgument("the KV-cache policy kept key " + std::to_string(keys[i]) +
                                               " for head " + std::to_string(layer) + ":" +
                                               std::to_string(h) + "; keys must be ascending in [0, " +
                                               std::to_string(tokens) + ")")
                    .atField("kv_selection");
            kept[static_cast<std::size_t>(h) * tokens + keys[i]] = 1;
        }
    }
    return Status::ok();
}

/// The sparse-attention mask of one layer's call, if an intervention masks it; remembers a KV-cache
/// policy's choice at the prefill. `masked` tells whether `mask` applies.
Status sparseMaskOf(int layer, const Interventions& interventions, const kernels::AttentionDims& dims,
                    const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, KvCache* cache,
                    detail::OwnedMask& mask, bool& masked) {
    masked = false;
    const bool prefill = dims.queryOffset == 0;
    if (interventions.streaming) {
        detail::streamingMask(*interventions.streaming, dims.queryLength, dims.queryOffset, dims.keyLength,
                              mask);
        masked = true;
    } else if (interventions.sparsePrefill && prefill) {
        const SparsePrefill& rule = *interventions.sparsePrefill;
        auto blocks = rule.blockMasks(LayerQueryKey{layer, dims, viewOf(q), viewOf(k), viewOf(v)});
        if (!blocks)
            return std::move(blocks).status().atField("sparse_prefill");
        ATTNSCOPE_TRY(detail::prefillBlockMask(std::move(blocks).value(), rule.blockSize, dims.queryHeads,
                                               dims.keyLength, mask));
        masked = true;
    }
    if (interventions.kvSelection && cache) {
        if (prefill) {
            ATTNSCOPE_TRY(
                selectPromptKeys(layer, *interventions.kvSelection, dims, q, k, v, cache->keptPrompt[layer]));
            cache->promptLength = dims.keyLength;
        } else if (!cache->keptPrompt[layer].empty()) {
            detail::keptPromptMask(cache->keptPrompt[layer], cache->promptLength, dims.queryHeads,
                                   dims.keyLength, mask);
            masked = true;
        }
    }
    return Status::ok();
}

/// A cached column scale [queryHeads][oldKeys] widened to `keys` with 1 (uncalibrated) for the new keys.
std::vector<float> widenColumnScale(const std::vector<float>& scale, int queryHeads, int keys) {
    const std::size_t oldKeys = scale.size() / static_cast<std::size_t>(queryHeads);
    std::vector<float> wide(static_cast<std::size_t>(queryHeads) * keys, 1.0f);
    for (int h = 0; h < queryHeads; ++h)
        std::copy_n(scale.begin() + static_cast<std::ptrdiff_t>(h * oldKeys), oldKeys,
                    wide.begin() + static_cast<std::ptrdiff_t>(h) * keys);
    return wide;
}

/// Runs `tokens` at positions offset.. through every layer. With a cache, the new keys and values are
/// appended to it and attention sees everything cached; without one, only `tokens` exist.
Status runDecoder(const Model& model, const std::vector<int32_t>& tokens, KvCache* cache,
                  const ForwardOptions& options, bool allLogits, ForwardResult& result,
                  const Progress& progress) {
    const model::ModelConfig& c = model.config();
    const int64_t offset = cache ? cache->length : 0;
    if (cache && !c.causal)
        return Status::unsupported(
                   std::string(model::architectureName(c.architecture)) +
                   " is a bidirectional encoder: it has no incremental decoding or generation")
            .atField("model");
    ATTNSCOPE_TRY(checkInput(c, tokens, offset, options));
    if (options.lastLayer >= 0 && (options.logits || cache || options.lastLayer >= c.layers))
        return Status::invalidArgument("stopping after layer " + std::to_string(options.lastLayer) +
                                       " needs a plain forward pass without logits, within the model's " +
                                       std::to_string(c.layers) + " layers")
            .atField("last_layer");
    // Layers past lastLayer cannot change what a caller reading the earlier ones gets: not run.
    const int layersRun = options.lastLayer >= 0 ? options.lastLayer + 1 : c.layers;
    const ModelWeights& w = model.weights();
    const int64_t T = static_cast<int64_t>(tokens.size()), d = c.headDim;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    result.tokens = static_cast<int>(T);
    result.vocabSize = c.vocabSize;
    Status kernelStatus;

    Status status = guardTorch("forward pass", [&] {
        at::NoGradGuard noGrad;
        at::Tensor ids = at::empty({T}, at::kLong);
        for (int64_t i = 0; i < T; ++i)
            ids[i] = static_cast<int64_t>(tokens[i]);
        at::Tensor x = fp32(w.embedding.index_select(0, ids)); // [T, H], a fresh tensor
        if (w.positions == PositionKind::Learned)
            x = x + fp32(w.positionEmbedding.narrow(0, offset, T));
        if (w.tokenTypeEmbedding.defined())
            x = x + fp32(w.tokenTypeEmbedding[0]);
        if (w.embeddingNorm.defined())
            x = norm(x, w.embeddingNorm, w.embeddingNormBias, c.normEps);

        at::Tensor positions = at::arange(offset, offset + T, at::kDouble);
        at::Tensor angles = at::outer(positions, inverseFrequencies(c)).to(at::kFloat);
        at::Tensor cos = angles.cos().unsqueeze(1), sin = angles.sin().unsqueeze(1); // [T, 1, d/2]
        if (cache && cache->keys.empty()) {
            cache->keys.resize(c.layers);
            cache->values.resize(c.layers);
            cache->columnScale.resize(c.layers);
            cache->keptPrompt.resize(c.layers);
        }
        const Interventions& interventions = options.interventions;
        const std::vector<std::vector<int>> calibrated = calibratedHeadsByLayer(c, interventions);
        std::vector<int> sourceOf(static_cast<std::size_t>(c.layers), -1);
        std::vector<bool> isSource(static_cast<std::size_t>(c.layers), false);
        for (const SharedAttention& share : interventions.sharing) {
            sourceOf[share.target] = share.source;
            isSource[share.source] = true;
        }
        // This call's queries and new keys of the layers others share attention with, as their kernels
        // saw them ([Hq, T, d] and [Hkv, T, d]).
        std::vector<at::Tensor> sharedQueries(c.layers), sharedKeys(c.layers);

        for (int l = 0; l < layersRun; ++l) {
            const LayerWeights& layer = w.layers[l];
            at::Tensor h = w.postNorm ? x : norm(x, layer.attentionNorm, layer.attentionNormBias, c.normEps);
            at::Tensor q = project(h, layer.wq), k = project(h, layer.wk), v = project(h, layer.wv);
            if (layer.bq.defined()) {
                q = q + layer.bq;
                k = k + layer.bk;
                v = v + layer.bv;
            }
            q = q.view({T, c.heads, d});
            k = k.view({T, c.kvHeads, d});
            v = v.view({T, c.kvHeads, d});
            if (layer.qNorm.defined()) {
                q = rmsNorm(q, layer.qNorm, c.normEps);
                k = rmsNorm(k, layer.kNorm, c.normEps);
            }
            if (w.positions == PositionKind::Rotary) {
                q = applyRope(q, cos, sin, w.ropeStyle);
                k = applyRope(k, cos, sin, w.ropeStyle);
            }
            q = q.transpose(0, 1).contiguous(); // [Hq, T, d]
            k = k.transpose(0, 1).contiguous(); // [Hkv, T, d]
            v = v.transpose(0, 1).contiguous();
            if (sourceOf[l] >= 0) { // EchoAtt: the source's probabilities with this layer's values
                q = sharedQueries[sourceOf[l]];
                k = sharedKeys[sourceOf[l]];
            }
            if (isSource[l]) {
                sharedQueries[l] = q;
                sharedKeys[l] = k;
            }
            if (cache) {
                if (cache->keys[l].defined()) {
                    k = at::cat({cache->keys[l], k}, 1).contiguous();
                    v = at::cat({cache->values[l], v}, 1).contiguous();
                }
                cache->keys[l] = k;
                cache->values[l] = v;
            }

            at::Tensor out = at::empty({c.heads, T, d}, at::kFloat);
            kernels::AttentionDims dims;
            dims.queryHeads = c.heads;
            dims.kvHeads = c.kvHeads;
            dims.queryLength = static_cast<int>(T);
            dims.keyLength = static_cast<int>(k.size(1));
            dims.queryOffset = offset;
            dims.headDim = static_cast<int>(d);
            dims.causal = c.causal;
            dims.scale = static_cast<float>(scale);
            dims.slidingWindow = c.slidingWindow;
            kernels::OutputView outView{out.data_ptr<float>(),
                                        {out.numel(), out.stride(0), out.stride(1), 1}};
            kernels::ProbeResult probe;
            kernels::ProbeRequest request = options.probe ? *options.probe : kernels::ProbeRequest{};
            std::vector<float> columnScale;
            if (!calibrated[l].empty()) {
                if (offset == 0) {
                    kernelStatus =
                        prefillColumnScale(l, calibrated[l], *interventions.calibration, dims, viewOf(q),
                                           viewOf(k), viewOf(v), columnScale, result.calibratedColumns);
                    if (!kernelStatus.isOk())
                        return;
                } else if (cache && !cache->columnScale[l].empty()) {
                    columnScale = widenColumnScale(cache->columnScale[l], c.heads, dims.keyLength);
                }
                if (cache)
                    cache->columnScale[l] = columnScale;
                if (!columnScale.empty()) {
                    request.intervention.columnScale = columnScale.data();
                    request.intervention.scalePerHead = true;
                }
            }
            detail::OwnedMask sparseMask;
            bool masked = false;
            kernelStatus = sparseMaskOf(l, interventions, dims, q, k, v, cache, sparseMask, masked);
            if (!kernelStatus.isOk())
                return;
            if (masked) {
                if (request.mask.kind != kernels::AttentionMask::Kind::None) {
                    kernelStatus = Status::unsupported("this statistic is measured under its own attention "
                                                       "mask, which a sparse-attention intervention would "
                                                       "replace; measure it without one")
                                       .atField("interventions");
                    return;
                }
                request.mask = sparseMask.mask;
            }
            kernelStatus =
                statusFromKernel(runAttention(dims, viewOf(q), viewOf(k), viewOf(v), outView, request, probe),
                                 "layer " + std::to_string(l) + " attention");
            if (masked && kernelStatus.isOk())
                result.masks.add(detail::maskStatistics(sparseMask, dims, probe, request.heads));
            if (options.probe)
                result.probes.push_back(std::move(probe));
            if (!kernelStatus.isOk())
                return;
            if (options.captureQueryKey)
                result.queryKeys.push_back(options.captureLayers.empty() ||
                                                   std::find(options.captureLayers.begin(),
                                                             options.captureLayers.end(),
                                                             l) != options.captureLayers.end()
                                               ? captureOf(q, k, dims)
                                               : QueryKeyCapture{});

            for (const auto& head : options.attentionMaps)
                if (head.first == l) {
                    const int kvHead = head.second / (c.heads / c.kvHeads);
                    at::Tensor p = denseProbabilities(q[head.second], k[kvHead], c, scale).contiguous();
                    result.attention[head].assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
                }

            for (const auto& [maskedLayer, maskedHead] : interventions.maskedHeads)
                if (maskedLayer == l)
                    out[maskedHead].zero_();
            at::Tensor attended = project(out.transpose(0, 1).reshape({T, c.heads * d}), layer.wo);
            if (layer.bo.defined())
                attended = attended + layer.bo;
            if (w.postNorm) {
                x = norm(x + attended, layer.attentionNorm, layer.attentionNormBias, c.normEps);
                x = norm(x + mlpForward(x, layer, w.mlp), layer.mlpNorm, layer.mlpNormBias, c.normEps);
            } else {
                x = x + attended;
                h = norm(x, layer.mlpNorm, layer.mlpNormBias, c.normEps);
                x = x + mlpForward(h, layer, w.mlp);
            }

            kernelStatus =
                progress.update(static_cast<float>(l + 1) / layersRun, "layer " + std::to_string(l));
            if (!kernelStatus.isOk())
                return;
        }
        if (options.logits && w.lmHead.defined()) {
            at::Tensor last = allLogits ? x : x.narrow(0, T - 1, 1);
            if (w.finalNorm.defined())
                last = norm(last, w.finalNorm, w.finalNormBias, c.normEps);
            if (w.headTransform.defined())
                last = norm(at::gelu(project(last, w.headTransform) + w.headTransformBias), w.headNorm,
                            w.headNormBias, c.normEps);
            at::Tensor logits = project(last, w.lmHead);
            if (w.lmHeadBias.defined())
                logits = logits + w.lmHeadBias;
            logits = logits.contiguous();
            result.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
        }
    });
    ATTNSCOPE_TRY(status);
    ATTNSCOPE_TRY(kernelStatus);
    if (cache)
        cache->length += T;
    return Status::ok();
}

/// Picks the next token: argmax, or a sample from softmax(logits / temperature) over the top-k.
int32_t pickToken(const std::vector<float>& logits, const GenerateOptions& options,
                  std::mt19937_64& generator) {
    const int V = static_cast<int>(logits.size());
    if (options.greedy || options.temperature <= 0.0)
        return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    std::vector<int> order(V);
    for (int i = 0; i < V; ++i)
        order[i] = i;
    const int k = options.topK > 0 ? std::min(options.topK, V) : V;
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    const double maximum = logits[order[0]];
    std::vector<double> weights(k);
    for (int i = 0; i < k; ++i)
        weights[i] = std::exp((logits[order[i]] - maximum) / options.temperature);
    std::discrete_distribution<int> distribution(weights.begin(), weights.end());
    return static_cast<int32_t>(order[distribution(generator)]);
}

} // namespace

Expected<ForwardResult> forward(const Model& model, const std::vector<int32_t>& tokens,
                                const ForwardOptions& options, const Progress& progress) {
    ForwardResult result;
    ATTNSCOPE_TRY(runDecoder(model, tokens, nullptr, options, /*allLogits=*/true, result, progress));
    return result;
}

Expected<std::vector<ForwardResult>> forwardMany(const Model& model,
                                                 const std::vector<std::vector<int32_t>>& inputs,
                                                 const ForwardOptions& options, const Progress& progress) {
    if (inputs.empty())
        return Status::invalidArgument("no inputs").atField("inputs");
    std::vector<ForwardResult> results;
    results.reserve(inputs.size());
    const auto count = static_cast<float>(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        auto result =
            forward(model, inputs[i], options,
                    progress.subRange(static_cast<float>(i) / count, static_cast<float>(i + 1) / count,
                                      "input " + std::to_string(i + 1)));
        if (!result)
            return std::move(result).status().atField("inputs[" + std::to_string(i) + "]");
        results.push_back(std::move(result).value());
    }
    return results;
}

DecoderSession::DecoderSession(std::shared_ptr<const Model> model, Interventions interventions)
    : m_model(std::move(model)), m_cache(std::make_unique<KvCache>()),
      m_interventions(std::move(interventions)) {}
DecoderSession::~DecoderSession() = default;
DecoderSession::DecoderSession(DecoderSession&&) noexcept = default;

int64_t DecoderSession::length() const {
    return m_cache->length;
}

Expected<std::vector<float>> DecoderSession::append(const std::vector<int32_t>& tokens,
                                                    const Progress& progress) {
    ForwardResult result;
    ForwardOptions options;
    options.interventions = m_interventions;
    options.probe = m_probe;
    ATTNSCOPE_TRY(
        runDecoder(*m_model, tokens, m_cache.get(), options, /*allLogits=*/false, result, progress));
    m_lastProbes = std::move(result.probes);
    m_masks.add(result.masks);
    return std::move(result.logits);
}

Expected<std::vector<int32_t>> generate(const std::shared_ptr<const Model>& model,
                                        const std::vector<int32_t>& prompt, const GenerateOptions& options,
                                        const Progress& progress, MaskStatistics* masks) {
    if (options.maxNewTokens < 0)
        return Status::invalidArgument("must not be negative").atField("max_new_tokens");
    DecoderSession session(model, options.interventions);
    if (options.probe)
        session.setProbe(options.probe);
    std::mt19937_64 generator(options.seed);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<float> logits,
                               session.append(prompt, progress.subRange(0.0f, 0.1f)));
    std::vector<int32_t> generated;
    for (int step = 0; step < options.maxNewTokens; ++step) {
        const int32_t next = pickToken(logits, options, generator);
        generated.push_back(next);
        if (options.observer)
            ATTNSCOPE_TRY(options.observer(step, next, session.lastProbes()));
        if (options.stopToken && next == *options.stopToken)
            break;
        if (step + 1 == options.maxNewTokens)
            break;
        ATTNSCOPE_TRY(
            progress.update(0.1f + 0.9f * static_cast<float>(step + 1) / options.maxNewTokens, "generating"));
        ATTNSCOPE_ASSIGN_OR_RETURN(logits, session.append({next}));
    }
    if (masks)
        masks->add(session.maskStatistics());
    return generated;
}

Expected<TracedGeneration> generateTraced(const std::shared_ptr<const Model>& model,
                                          const std::vector<int32_t>& prompt,
                                          const GenerateOptions& options) {
    if (options.maxNewTokens < 0)
        return Status::invalidArgument("must not be negative").atField("max_new_tokens");
    const model::ModelConfig& c = model->config();
    DecoderSession session(model, options.interventions);
    kernels::ProbeRequest topOne;
    topOne.topK = 1;
    session.setProbe(topOne);
    TracedGeneration trace;
    // The top-1 keys of the last row of each append: the row whose logits pick the next token.
    auto lastRowTopKeys = [&](int rows) {
        std::vector<int32_t> keys;
        for (const kernels::ProbeResult& layer : session.lastProbes())
            for (int h = 0; h < c.heads; ++h)
                keys.push_back(layer.topKeys[static_cast<std::size_t>(h) * rows + (rows - 1)]);
        return keys;
    };
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<float> logits, session.append(prompt));
    std::vector<int32_t> keys = lastRowTopKeys(static_cast<int>(prompt.size()));
    for (int step = 0; step < options.maxNewTokens; ++step) {
        const auto next =
            static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        trace.generated.push_back(next);
        trace.topKeys.push_back(keys);
        if ((options.stopToken && next == *options.stopToken) || step + 1 == options.maxNewTokens)
            break;
        ATTNSCOPE_ASSIGN_OR_RETURN(logits, session.append({next}));
        keys = lastRowTopKeys(1);
    }
    return trace;
}

std::vector<double> nllFromLogits(const std::vector<float>& logits, int vocabSize,
                                  const std::vector<int32_t>& tokens) {
    std::vector<double> nll;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        const float* row = logits.data() + i * static_cast<std::size_t>(vocabSize);
        double maximum = row[0];
        for (int j = 1; j < vocabSize; ++j)
            maximum = std::max(maximum, static_cast<double>(row[j]));
        double sum = 0;
        for (int j = 0; j < vocabSize; ++j)
            sum += std::exp(row[j] - maximum);
        nll.push_back(maximum + std::log(sum) - row[tokens[i + 1]]);
    }
    return nll;
}

Expected<std::vector<double>> tokenNll(const Model& model, const std::vector<int32_t>& tokens,
                                       const Progress& progress, const Interventions& interventions,
                                       MaskStatistics* masks) {
    if (tokens.size() < 2)
        return Status::invalidArgument("need at least two tokens to score").atField("tokens");
    ForwardOptions options;
    options.interventions = interventions;
    ATTNSCOPE_ASSIGN_OR_RETURN(ForwardResult result, forward(model, tokens, options, progress));
    if (masks)
        masks->add(result.masks);
    if (result.logits.empty())
        return Status::unsupported("this model file has no language-model head, so it gives no token "
                                   "probabilities")
            .atField("model");
    return nllFromLogits(result.logits, result.vocabSize, tokens);
}

} // namespace attnscope::runtime
