// SPDX-License-Identifier: Apache-2.0
// Model::load: maps each format's tensor names onto the roles of ModelWeights and makes LibTorch
// tensors of them (zero-copy where the file holds aligned fp32).
#include "attnscope/runtime/model.h"

#include "attnscope/model/gguf.h"
#include "attnscope/model/llama2c.h"
#include "attnscope/model/safetensors.h"
#include "model_weights.h"
#include "torch_guard.h"

#include <ATen/ATen.h>

#include <fstream>
#include <map>
#include <string>

namespace attnscope::runtime {

namespace {

using model::TensorInfo;

/// Where tensors come from: a name → tensor map over one format's files.
struct TensorSource {
    std::map<std::string, const TensorInfo*> byName;
    std::vector<std::shared_ptr<model::MappedFile>> files;
    std::string file;          ///< for messages
    bool bf16Matrices = false; ///< LoadOptions: 2-D weights as bf16
    const TensorInfo* find(const std::string& name) const {
        auto it = byName.find(name);
        return it == byName.end() ? nullptr : it->second;
    }
};

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

/// Converts one stored tensor into an fp32 at::Tensor of `shape`, counting the bytes it allocates.
class TensorMaker {
public:
    explicit TensorMaker(const TensorSource& source) : m_source(source) {}

    uint64_t convertedBytes() const { return m_converted; }

    /// The tensor `name` with exactly `shape` (an error names the tensor and both shapes).
    Expected<at::Tensor> make(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorInfo* info = m_source.find(name);
        if (!info)
            return Status::notFound("missing tensor").inFile(m_source.file).atField(name);
        return fromInfo(*info, shape);
    }

    /// Like make(), but an absent tensor yields an undefined tensor.
    Expected<at::Tensor> makeOptional(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorInfo* info = m_source.find(name);
        if (!info)
            return at::Tensor();
        return fromInfo(*info, shape);
    }

    Expected<at::Tensor> fromInfo(const TensorInfo& info, const std::vector<int64_t>& shape) {
        if (info.shape != shape)
            return Status::invalidArgument("shape " + shapeText(info.shape) +
                                           " contradicts the config, which implies " + shapeText(shape))
                .inFile(m_source.file)
                .atField(info.name);
        if (!model::isFloatConvertible(info.dtype))
            return Status::unsupported(std::string("weights of type ") + model::tensorDTypeName(info.dtype) +
                                       " cannot be used as floats")
                .inFile(m_source.file)
                .atField(info.name);
        at::Tensor tensor;
        Status status = guardTorch("converting " + info.name, [&] {
            const auto options = at::TensorOptions().dtype(at::kFloat);
            if (m_source.bf16Matrices && shape.size() == 2) {
                if (info.dtype == model::TensorDType::BF16 &&
                    reinterpret_cast<uintptr_t>(info.data) % alignof(uint16_t) == 0) {
                    tensor = at::from_blob(const_cast<std::byte*>(info.data), shape,
                                           at::TensorOptions().dtype(at::kBFloat16));
                    return;
                }
                // Through fp32 one tensor at a time: the peak is one matrix in fp32, not the model.
                at::Tensor wide = at::empty(shape, options);
                Status converted = model::dequantizeToFloat(info, wide.data_ptr<float>());
                if (!converted.isOk())
                    throw std::runtime_error(converted.toString());
                tensor = wide.to(at::kBFloat16);
                m_converted += static_cast<uint64_t>(tensor.numel()) * sizeof(uint16_t);
                return;
            }
            if (info.dtype == model::TensorDType::F32 &&
                reinterpret_cast<uintptr_t>(info.data) % alignof(float) == 0) {
                // In place: the mapping is read-only, and the runtime never writes weights.
                tensor = at::from_blob(const_cast<std::byte*>(info.data), shape, options);
                return;
            }
            tensor = at::empty(shape, options);
            m_converted += static_cast<uint64_t>(tensor.numel()) * sizeof(float);
            Status converted = model::dequantizeToFloat(info, tensor.data_ptr<float>());
            if (!converted.isOk())
                throw std::runtime_error(converted.toString());
        });
        if (!status.isOk())
            return std::move(status).inFile(m_source.file);
        return tensor;
    }

private:
    const TensorSource& m_source;
    uint64_t m_converted = 0;
};

/// llama.cpp's converter permutes q/k rows of "llama" models for interleaved RoPE; nothing to undo
/// here: the forward pass applies the matching interleaved rotation (RopeStyle::Interleaved).

struct Names {
    std::string embedding, finalNorm, lmHead;
    std::string attentionNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, mlpNorm, wGate, wUp, wDown, wQkv,
        wGateUp;
};

/// Per-layer names use "{}" for the layer index.
Names hfNames() {
    return {"model.embed_tokens.weight",
            "model.norm.weight",
            "lm_head.weight",
            "model.layers.{}.input_layernorm.weight",
            "model.layers.{}.self_attn.q_proj.weight",
            "model.layers.{}.self_attn.k_proj.weight",
            "model.layers.{}.self_attn.v_proj.weight",
            "model.layers.{}.self_attn.o_proj.weight",
            "model.layers.{}.self_attn.q_proj.bias",
            "model.layers.{}.self_attn.k_proj.bias",
            "model.layers.{}.self_attn.v_proj.bias",
            "model.layers.{}.self_attn.q_norm.weight",
            "model.layers.{}.self_attn.k_norm.weight",
            "model.layers.{}.post_attention_layernorm.weight",
            "model.layers.{}.mlp.gate_proj.weight",
            "model.layers.{}.mlp.up_proj.weight",
            "model.layers.{}.mlp.down_proj.weight",
            "model.layers.{}.self_attn.qkv_proj.weight",
            "model.layers.{}.mlp.gate_up_proj.weight"};
}

Names ggufNames() {
    return {"token_embd.weight",         "output_norm.weight",        "output.weight",
            "blk.{}.attn_norm.weight",   "blk.{}.attn_q.weight",      "blk.{}.attn_k.weight",
            "blk.{}.attn_v.weight",      "blk.{}.attn_output.weight", "blk.{}.attn_q.bias",
            "blk.{}.attn_k.bias",        "blk.{}.attn_v.bias",        "blk.{}.attn_q_norm.weight",
            "blk.{}.attn_k_norm.weight", "blk.{}.ffn_norm.weight",    "blk.{}.ffn_gate.weight",
            "blk.{}.ffn_up.weight",      "blk.{}.ffn_down.weight",    "blk.{}.attn_qkv.weight",
            "blk.{}.ffn_up.weight"};
}

std::string layerName(const std::string& pattern, int layer) {
    std::string name = pattern;
    name.replace(name.find("{}"), 2, std::to_string(layer));
    return name;
}

Status buildDecoder(const model::ModelConfig& c, const Names& names, TensorSource& source, bool fusedQkv,
                    const Progress& progress, ModelWeights& weights, uint64_t& converted) {
    TensorMaker maker(source);
    const int64_t H = c.hiddenSize, I = c.intermediateSize, V = c.vocabSize, d = c.headDim;
    const int64_t q = int64_t(c.heads) * d, kv = int64_t(c.kvHeads) * d;
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.embedding, maker.make(names.embedding, {V, H}));
    for (int l = 0; l < c.layers; ++l) {
        LayerWeights layer;
        auto name = [&](const std::string& pattern) {
            return layerName(pattern, l);
        };
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.attentionNorm, maker.make(name(names.attentionNorm), {H}));
        if (fusedQkv) { // Phi-3: [q; k; v] rows in one matrix, [gate; up] in another
            ATTNSCOPE_ASSIGN_OR_RETURN(at::Tensor qkv, maker.make(name(names.wQkv), {q + 2 * kv, H}));
            layer.wq = qkv.narrow(0, 0, q);
            layer.wk = qkv.narrow(0, q, kv);
            layer.wv = qkv.narrow(0, q + kv, kv);
            ATTNSCOPE_ASSIGN_OR_RETURN(at::Tensor gateUp, maker.make(name(names.wGateUp), {2 * I, H}));
            layer.wGate = gateUp.narrow(0, 0, I);
            layer.wUp = gateUp.narrow(0, I, I);
        } else {
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.wq, maker.make(name(names.wq), {q, H}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.wk, maker.make(name(names.wk), {kv, H}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.wv, maker.make(name(names.wv), {kv, H}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.wGate, maker.make(name(names.wGate), {I, H}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.wUp, maker.make(name(names.wUp), {I, H}));
        }
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wo, maker.make(name(names.wo), {H, q}));
        if (c.attentionBias) {
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.bq, maker.make(name(names.bq), {q}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.bk, maker.make(name(names.bk), {kv}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.bv, maker.make(name(names.bv), {kv}));
        }
        if (c.qkNorm) {
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.qNorm, maker.make(name(names.qNorm), {d}));
            ATTNSCOPE_ASSIGN_OR_RETURN(layer.kNorm, maker.make(name(names.kNorm), {d}));
        }
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.mlpNorm, maker.make(name(names.mlpNorm), {H}));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wDown, maker.make(name(names.wDown), {H, I}));
        weights.layers.push_back(std::move(layer));
        ATTNSCOPE_TRY(progress.update(static_cast<float>(l + 1) / (c.layers + 1), "loading weights"));
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.finalNorm, maker.make(names.finalNorm, {H}));
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.lmHead, maker.makeOptional(names.lmHead, {V, H}));
    if (!weights.lmHead.defined()) {
        if (!c.tieEmbeddings)
            return Status::notFound("missing tensor (the config does not tie embeddings)")
                .inFile(source.file)
                .atField(names.lmHead);
        weights.lmHead = weights.embedding;
    }
    weights.files = source.files;
    converted = maker.convertedBytes();
    return Status::ok();
}

/// GPT-2: LayerNorms with biases, learned positions, fused q/k/v, GELU MLP with biases. HF stores
/// Conv1D weights as [in, out] (used transposed); llama.cpp's GGUF stores them as [out, in].
Status buildGpt2(const model::ModelConfig& c, bool huggingFace, TensorSource& source,
                 const Progress& progress, ModelWeights& weights, uint64_t& converted) {
    TensorMaker maker(source);
    const int64_t H = c.hiddenSize, I = c.intermediateSize, V = c.vocabSize, P = c.contextLength;
    const std::string prefix = huggingFace && source.find("transformer.wte.weight") ? "transformer." : "";
    auto hf = [&](const std::string& name) {
        return prefix + name;
    };
    // Matrices: [out, in] in both formats once HF's Conv1D [in, out] is transposed.
    auto matrix = [&](const std::string& hfName, const std::string& ggufName, int64_t out,
                      int64_t in) -> Expected<at::Tensor> {
        if (!huggingFace)
            return maker.make(ggufName, {out, in});
        ATTNSCOPE_ASSIGN_OR_RETURN(at::Tensor conv, maker.make(hf(hfName), {in, out}));
        return conv.t();
    };
    auto vector = [&](const std::string& hfName, const std::string& ggufName, int64_t size) {
        return maker.make(huggingFace ? hf(hfName) : ggufName, {size});
    };
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.embedding,
                               maker.make(huggingFace ? hf("wte.weight") : "token_embd.weight", {V, H}));
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.positionEmbedding,
                               maker.make(huggingFace ? hf("wpe.weight") : "position_embd.weight", {P, H}));
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".", b = "blk." + std::to_string(l) + ".";
        LayerWeights layer;
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.attentionNorm, vector(h + "ln_1.weight", b + "attn_norm.weight", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.attentionNormBias, vector(h + "ln_1.bias", b + "attn_norm.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(at::Tensor qkv,
                                   matrix(h + "attn.c_attn.weight", b + "attn_qkv.weight", 3 * H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(at::Tensor qkvBias,
                                   vector(h + "attn.c_attn.bias", b + "attn_qkv.bias", 3 * H));
        layer.wq = qkv.narrow(0, 0, H);
        layer.wk = qkv.narrow(0, H, H);
        layer.wv = qkv.narrow(0, 2 * H, H);
        layer.bq = qkvBias.narrow(0, 0, H);
        layer.bk = qkvBias.narrow(0, H, H);
        layer.bv = qkvBias.narrow(0, 2 * H, H);
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wo,
                                   matrix(h + "attn.c_proj.weight", b + "attn_output.weight", H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bo, vector(h + "attn.c_proj.bias", b + "attn_output.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.mlpNorm, vector(h + "ln_2.weight", b + "ffn_norm.weight", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.mlpNormBias, vector(h + "ln_2.bias", b + "ffn_norm.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wUp, matrix(h + "mlp.c_fc.weight", b + "ffn_up.weight", I, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bUp, vector(h + "mlp.c_fc.bias", b + "ffn_up.bias", I));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wDown, matrix(h + "mlp.c_proj.weight", b + "ffn_down.weight", H, I));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bDown, vector(h + "mlp.c_proj.bias", b + "ffn_down.bias", H));
        weights.layers.push_back(std::move(layer));
        ATTNSCOPE_TRY(progress.update(static_cast<float>(l + 1) / (c.layers + 1), "loading weights"));
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.finalNorm, vector("ln_f.weight", "output_norm.weight", H));
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.finalNormBias, vector("ln_f.bias", "output_norm.bias", H));
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.lmHead,
                               maker.makeOptional(huggingFace ? "lm_head.weight" : "output.weight", {V, H}));
    if (!weights.lmHead.defined())
        weights.lmHead = weights.embedding; // GPT-2 ties its head to the token embedding
    weights.positions = PositionKind::Learned;
    weights.mlp = MlpKind::GeluTanh;
    weights.files = source.files;
    converted = maker.convertedBytes();
    return Status::ok();
}

/// BERT encoders: post-norm LayerNorms, learned positions and token types, biases, GELU (erf), and the
/// masked-LM head when the file has one (BertForMaskedLM; HF only). HF names may carry "bert.".
Status buildBert(const model::ModelConfig& c, bool huggingFace, TensorSource& source,
                 const Progress& progress, ModelWeights& weights, uint64_t& converted) {
    TensorMaker maker(source);
    const int64_t H = c.hiddenSize, I = c.intermediateSize, V = c.vocabSize, P = c.contextLength;
    const std::string prefix =
        huggingFace && source.find("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    auto pick = [&](const std::string& hfName, const std::string& ggufName) {
        return huggingFace ? prefix + hfName : ggufName;
    };
    ATTNSCOPE_ASSIGN_OR_RETURN(
        weights.embedding,
        maker.make(pick("embeddings.word_embeddings.weight", "token_embd.weight"), {V, H}));
    ATTNSCOPE_ASSIGN_OR_RETURN(
        weights.positionEmbedding,
        maker.make(pick("embeddings.position_embeddings.weight", "position_embd.weight"), {P, H}));
    const TensorInfo* types =
        source.find(pick("embeddings.token_type_embeddings.weight", "token_types.weight"));
    if (types) {
        if (types->shape.size() != 2 || types->shape[1] != H)
            return Status::invalidArgument("token type embeddings must be [types, hidden]")
                .inFile(source.file)
                .atField(types->name);
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.tokenTypeEmbedding, maker.fromInfo(*types, types->shape));
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(
        weights.embeddingNorm,
        maker.make(pick("embeddings.LayerNorm.weight", "token_embd_norm.weight"), {H}));
    ATTNSCOPE_ASSIGN_OR_RETURN(weights.embeddingNormBias,
                               maker.make(pick("embeddings.LayerNorm.bias", "token_embd_norm.bias"), {H}));
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = "encoder.layer." + std::to_string(l) + ".",
                          b = "blk." + std::to_string(l) + ".";
        LayerWeights layer;
        auto matrix = [&](const std::string& hfName, const std::string& ggufName, int64_t out, int64_t in) {
            return maker.make(pick(h + hfName, b + ggufName), {out, in});
        };
        auto vector = [&](const std::string& hfName, const std::string& ggufName, int64_t size) {
            return maker.make(pick(h + hfName, b + ggufName), {size});
        };
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wq, matrix("attention.self.query.weight", "attn_q.weight", H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bq, vector("attention.self.query.bias", "attn_q.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wk, matrix("attention.self.key.weight", "attn_k.weight", H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bk, vector("attention.self.key.bias", "attn_k.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wv, matrix("attention.self.value.weight", "attn_v.weight", H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bv, vector("attention.self.value.bias", "attn_v.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wo,
                                   matrix("attention.output.dense.weight", "attn_output.weight", H, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bo, vector("attention.output.dense.bias", "attn_output.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.attentionNorm,
                                   vector("attention.output.LayerNorm.weight", "attn_output_norm.weight", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.attentionNormBias,
                                   vector("attention.output.LayerNorm.bias", "attn_output_norm.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wUp, matrix("intermediate.dense.weight", "ffn_up.weight", I, H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bUp, vector("intermediate.dense.bias", "ffn_up.bias", I));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.wDown, matrix("output.dense.weight", "ffn_down.weight", H, I));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.bDown, vector("output.dense.bias", "ffn_down.bias", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.mlpNorm,
                                   vector("output.LayerNorm.weight", "layer_output_norm.weight", H));
        ATTNSCOPE_ASSIGN_OR_RETURN(layer.mlpNormBias,
                                   vector("output.LayerNorm.bias", "layer_output_norm.bias", H));
        weights.layers.push_back(std::move(layer));
        ATTNSCOPE_TRY(progress.update(static_cast<float>(l + 1) / (c.layers + 1), "loading weights"));
    }
    if (huggingFace && source.find("cls.predictions.transform.dense.weight")) {
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.headTransform,
                                   maker.make("cls.predictions.transform.dense.weight", {H, H}));
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.headTransformBias,
                                   maker.make("cls.predictions.transform.dense.bias", {H}));
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.headNorm,
                                   maker.make("cls.predictions.transform.LayerNorm.weight", {H}));
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.headNormBias,
                                   maker.make("cls.predictions.transform.LayerNorm.bias", {H}));
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.lmHeadBias, maker.make("cls.predictions.bias", {V}));
        ATTNSCOPE_ASSIGN_OR_RETURN(weights.lmHead,
                                   maker.makeOptional("cls.predictions.decoder.weight", {V, H}));
        if (!weights.lmHead.defined())
            weights.lmHead = weights.embedding; // tied, as BERT's decoder always is
    }
    weights.positions = PositionKind::Learned;
    weights.mlp = MlpKind::GeluErf;
    weights.postNorm = true;
    weights.files = source.files;
    converted = maker.convertedBytes();
    return Status::ok();
}

/// llama2.c stores each weight for all layers in one [L, ...] tensor: expose per-layer slices under
/// GGUF-like names so the decoder builder can treat it like any other source.
std::vector<TensorInfo> llama2cPerLayer(const model::Llama2cCheckpoint& checkpoint) {
    static const std::pair<const char*, const char*> kStacked[] = {
        {"rms_att_weight", "blk.{}.attn_norm.weight"},
        {"wq", "blk.{}.attn_q.weight"},
        {"wk", "blk.{}.attn_k.weight"},
        {"wv", "blk.{}.attn_v.weight"},
        {"wo", "blk.{}.attn_output.weight"},
        {"rms_ffn_weight", "blk.{}.ffn_norm.weight"},
        {"w1", "blk.{}.ffn_gate.weight"},
        {"w2", "blk.{}.ffn_down.weight"},
        {"w3", "blk.{}.ffn_up.weight"}};
    std::vector<TensorInfo> out;
    for (const auto& [stacked, pattern] : kStacked) {
        const TensorInfo* all = checkpoint.find(stacked);
        const int64_t layers = all->shape.front();
        const uint64_t bytesPerLayer = all->byteSize / static_cast<uint64_t>(layers);
        for (int64_t l = 0; l < layers; ++l)
            out.push_back({layerName(pattern, static_cast<int>(l)), all->dtype,
                           std::vector<int64_t>(all->shape.begin() + 1, all->shape.end()),
                           all->data + l * bytesPerLayer, bytesPerLayer});
    }
    for (const auto& [name, renamed] :
         {std::pair<const char*, const char*>{"token_embedding_table", "token_embd.weight"},
          {"rms_final_weight", "output_norm.weight"},
          {"wcls", "output.weight"}}) {
        TensorInfo tensor = *checkpoint.find(name);
        tensor.name = renamed;
        out.push_back(std::move(tensor));
    }
    return out;
}

/// Bytes the converted tensors would need (an upper bound, checked before anything is allocated): fp32
/// for everything not stored as fp32, or with bf16 matrices 2 bytes per element of every 2-D tensor not
/// stored as BF16.
uint64_t convertedBytes(const std::vector<TensorInfo>& tensors, bool bf16Matrices) {
    uint64_t total = 0;
    for (const TensorInfo& tensor : tensors) {
        const auto elements = static_cast<uint64_t>(tensor.elementCount());
        if (bf16Matrices && tensor.shape.size() == 2)
            total += tensor.dtype == model::TensorDType::BF16 ? 0 : elements * sizeof(uint16_t);
        else if (tensor.dtype != model::TensorDType::F32)
            total += elements * sizeof(float);
    }
    return total;
}

Status checkMemory(const std::vector<TensorInfo>& tensors, bool bf16Matrices, const std::string& path) {
    const uint64_t bytes = convertedBytes(tensors, bf16Matrices);
    const uint64_t available = availableMemoryBytes();
    if (available > 0 && bytes > available / 10 * 9)
        return Status::outOfMemory("the weights need " + std::to_string(bytes >> 20) + " MiB as " +
                                   (bf16Matrices ? "bf16 matrices and fp32 vectors" : "fp32") + " but only " +
                                   std::to_string(available >> 20) + " MiB are available" +
                                   (bf16Matrices ? "" : " (--weights bf16 halves the matrices)"))
            .inFile(path);
    return Status::ok();
}

TensorSource sourceOf(const std::vector<TensorInfo>& tensors,
                      std::vector<std::shared_ptr<model::MappedFile>> files, const std::string& path,
                      bool bf16Matrices) {
    TensorSource source;
    source.bf16Matrices = bf16Matrices;
    for (const TensorInfo& tensor : tensors)
        source.byName.emplace(tensor.name, &tensor);
    source.files = std::move(files);
    source.file = path;
    return source;
}

} // namespace

Model::~Model() = default;

uint64_t availableMemoryBytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
        if (key == "MemAvailable:")
            return kib * 1024;
    return 0;
}

const char* weightPrecisionName(WeightPrecision precision) {
    return precision == WeightPrecision::BF16 ? "bf16" : "f32";
}

Expected<std::shared_ptr<Model>> Model::load(const std::string& path, const Progress& progress) {
    return load(path, LoadOptions{}, progress);
}

Expected<std::shared_ptr<Model>> Model::load(const std::string& path, const LoadOptions& options,
                                             const Progress& progress) {
    const bool bf16 = options.matrices == WeightPrecision::BF16;
    ATTNSCOPE_ASSIGN_OR_RETURN(model::ModelSummary summary, model::summarizeModel(path));
    const model::ModelConfig& config = summary.config;
    const bool gpt2 = config.architecture == model::Architecture::Gpt2;
    const bool bert = config.architecture == model::Architecture::Bert;

    std::shared_ptr<Model> result(new Model());
    result->m_summary = summary;
    result->m_weights = std::make_unique<ModelWeights>();
    result->m_matrices = options.matrices;
    ModelWeights& weights = *result->m_weights;
    const bool phi3 = config.architecture == model::Architecture::Phi3;
    uint64_t converted = 0;

    switch (summary.format) {
    case model::ModelFormat::HuggingFaceDirectory: {
        ATTNSCOPE_ASSIGN_OR_RETURN(model::SafetensorsWeights file, model::readSafetensorsDirectory(path));
        ATTNSCOPE_TRY(checkMemory(file.tensors, bf16, path));
        TensorSource source = sourceOf(file.tensors, file.files, path, bf16);
        if (gpt2)
            ATTNSCOPE_TRY(buildGpt2(config, /*huggingFace=*/true, source, progress, weights, converted));
        else if (bert)
            ATTNSCOPE_TRY(buildBert(config, /*huggingFace=*/true, source, progress, weights, converted));
        else
            ATTNSCOPE_TRY(buildDecoder(config, hfNames(), source, phi3, progress, weights, converted));
        weights.ropeStyle = RopeStyle::HalfSplit;
        break;
    }
    case model::ModelFormat::Gguf: {
        ATTNSCOPE_ASSIGN_OR_RETURN(model::GgufFile file, model::readGguf(path));
        ATTNSCOPE_TRY(checkMemory(file.tensors, bf16, path));
        TensorSource source = sourceOf(file.tensors, {file.file}, path, bf16);
        if (gpt2)
            ATTNSCOPE_TRY(buildGpt2(config, /*huggingFace=*/false, source, progress, weights, converted));
        else if (bert)
            ATTNSCOPE_TRY(buildBert(config, /*huggingFace=*/false, source, progress, weights, converted));
        else
            ATTNSCOPE_TRY(buildDecoder(config, ggufNames(), source, phi3, progress, weights, converted));
        // llama.cpp rotates interleaved pairs for "llama" (its converter permuted q/k to match) and
        // half-split pairs (NeoX style) for qwen2, qwen3 and phi3.
        weights.ropeStyle =
            config.architecture == model::Architecture::Llama ? RopeStyle::Interleaved : RopeStyle::HalfSplit;
        break;
    }
    case model::ModelFormat::Llama2c: {
        ATTNSCOPE_ASSIGN_OR_RETURN(model::Llama2cCheckpoint checkpoint, model::readLlama2c(path));
        const std::vector<TensorInfo> perLayer = llama2cPerLayer(checkpoint);
        ATTNSCOPE_TRY(checkMemory(perLayer, bf16, path));
        TensorSource source = sourceOf(perLayer, {checkpoint.file}, path, bf16);
        ATTNSCOPE_TRY(buildDecoder(config, ggufNames(), source, false, progress, weights, converted));
        weights.ropeStyle = RopeStyle::Interleaved; // run.c rotates pairs (2i, 2i + 1)
        break;
    }
    }
    result->m_convertedBytes = converted;
    ATTNSCOPE_TRY(progress.update(1.0f, "weights loaded"));
    return result;
}

} // namespace attnscope::runtime
