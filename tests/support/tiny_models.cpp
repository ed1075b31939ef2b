// SPDX-License-Identifier: Apache-2.0
#include "tiny_models.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace attnscope::test {

namespace {

std::string layerKey(int l, const std::string& suffix) {
    return "model.layers." + std::to_string(l) + "." + suffix;
}

/// llama.cpp's permute(): HF row h*d + s*(d/2) + i moves to h*d + 2i + s.
std::vector<float> permuteForInterleavedRope(const std::vector<float>& w, int heads, int headDim,
                                             int columns) {
    std::vector<float> out(w.size());
    const int half = headDim / 2;
    for (int h = 0; h < heads; ++h)
        for (int s = 0; s < 2; ++s)
            for (int i = 0; i < half; ++i) {
                const int from = h * headDim + s * half + i, to = h * headDim + 2 * i + s;
                std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(from) * columns, columns,
                            out.begin() + static_cast<std::ptrdiff_t>(to) * columns);
            }
    return out;
}

Bytes floatBytes(const std::vector<float>& values) {
    Bytes out(values.size() * sizeof(float));
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

std::vector<double> rmsNorm(const std::vector<double>& x, const std::vector<float>& w, double eps) {
    double mean = 0;
    for (double v : x)
        mean += v * v;
    mean /= static_cast<double>(x.size());
    std::vector<double> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = x[i] / std::sqrt(mean + eps) * w[i];
    return out;
}

std::vector<double> layerNorm(const std::vector<double>& x, const std::vector<float>& w,
                              const std::vector<float>& b, double eps) {
    double mean = 0, variance = 0;
    for (double v : x)
        mean += v;
    mean /= static_cast<double>(x.size());
    for (double v : x)
        variance += (v - mean) * (v - mean);
    variance /= static_cast<double>(x.size());
    std::vector<double> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = (x[i] - mean) / std::sqrt(variance + eps) * w[i] + b[i];
    return out;
}

/// y = W x (+ b) with W [rows, cols] row-major.
std::vector<double> linear(const std::vector<float>& w, const std::vector<double>& x, std::size_t rows,
                           const std::vector<float>* bias = nullptr) {
    const std::size_t cols = x.size();
    std::vector<double> y(rows, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c)
            y[r] += static_cast<double>(w[r * cols + c]) * x[c];
        if (bias)
            y[r] += (*bias)[r];
    }
    return y;
}

/// The named [rows, cols] matrices stacked vertically.
std::vector<float> concatRows(const TinyModel& model, const std::vector<std::string>& names) {
    std::vector<float> out;
    for (const std::string& name : names) {
        const std::vector<float>& part = model.tensors.at(name);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

/// The architecture and the size keys every llama.cpp architecture writes.
void addGgufSizes(GgufBuilder& builder, const std::string& arch, const TinyConfig& c) {
    builder.addString("general.architecture", arch);
    builder.addUInt32(arch + ".block_count", static_cast<uint32_t>(c.layers));
    builder.addUInt32(arch + ".attention.head_count", static_cast<uint32_t>(c.heads));
    builder.addUInt32(arch + ".embedding_length", static_cast<uint32_t>(c.hidden));
    builder.addUInt32(arch + ".feed_forward_length", static_cast<uint32_t>(c.intermediate));
    builder.addUInt32(arch + ".context_length", static_cast<uint32_t>(c.context));
}

/// Tokens "t0", "t1", ... so that readers find a vocabulary of the model's size.
void addPlaceholderVocabulary(GgufBuilder& builder, int vocab) {
    std::vector<std::string> tokens;
    for (int i = 0; i < vocab; ++i)
        tokens.push_back("t" + std::to_string(i));
    builder.addStringArray("tokenizer.ggml.tokens", tokens);
}

} // namespace

TinyModel makeTinyModel(const TinyConfig& c, uint32_t seed) {
    TinyModel model{c, {}, {}};
    std::mt19937 generator(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto add = [&](const std::string& name, std::vector<int64_t> shape, bool isNorm) {
        int64_t count = 1;
        for (int64_t extent : shape)
            count *= extent;
        std::vector<float> values(static_cast<std::size_t>(count));
        for (float& v : values)
            v = isNorm ? 1.0f + 0.1f * normal(generator) : 0.3f * normal(generator);
        model.tensors[name] = std::move(values);
        model.shapes[name] = std::move(shape);
    };
    const int64_t q = int64_t(c.heads) * c.headDim, kv = int64_t(c.kvHeads) * c.headDim;
    const bool bert = c.modelType == "bert";
    const bool gpt2 = c.modelType == "gpt2" || bert; // BERT shares GPT-2's biased LayerNorm blocks
    add("model.embed_tokens.weight", {c.vocab, c.hidden}, false);
    if (gpt2)
        add("model.embed_positions.weight", {c.context, c.hidden}, false);
    if (bert) {
        add("model.embed_token_types.weight", {2, c.hidden}, false);
        add("model.embed_norm.weight", {c.hidden}, true);
        add("model.embed_norm.bias", {c.hidden}, false);
    }
    for (int l = 0; l < c.layers; ++l) {
        add(layerKey(l, "input_layernorm.weight"), {c.hidden}, true);
        if (gpt2) { // LayerNorms with biases, biases on every projection, a plain GELU MLP
            add(layerKey(l, "input_layernorm.bias"), {c.hidden}, false);
            add(layerKey(l, "self_attn.q_proj.weight"), {q, c.hidden}, false);
            add(layerKey(l, "self_attn.k_proj.weight"), {kv, c.hidden}, false);
            add(layerKey(l, "self_attn.v_proj.weight"), {kv, c.hidden}, false);
            add(layerKey(l, "self_attn.q_proj.bias"), {q}, false);
            add(layerKey(l, "self_attn.k_proj.bias"), {kv}, false);
            add(layerKey(l, "self_attn.v_proj.bias"), {kv}, false);
            add(layerKey(l, "self_attn.o_proj.weight"), {c.hidden, q}, false);
            add(layerKey(l, "self_attn.o_proj.bias"), {c.hidden}, false);
            add(layerKey(l, "post_attention_layernorm.weight"), {c.hidden}, true);
            add(layerKey(l, "post_attention_layernorm.bias"), {c.hidden}, false);
            add(layerKey(l, "mlp.up_proj.weight"), {c.intermediate, c.hidden}, false);
            add(layerKey(l, "mlp.up_proj.bias"), {c.intermediate}, false);
            add(layerKey(l, "mlp.down_proj.weight"), {c.hidden, c.intermediate}, false);
            add(layerKey(l, "mlp.down_proj.bias"), {c.hidden}, false);
            continue;
        }
        add(layerKey(l, "self_attn.q_proj.weight"), {q, c.hidden}, false);
        add(layerKey(l, "self_attn.k_proj.weight"), {kv, c.hidden}, false);
        add(layerKey(l, "self_attn.v_proj.weight"), {kv, c.hidden}, false);
        add(layerKey(l, "self_attn.o_proj.weight"), {c.hidden, q}, false);
        if (c.bias) {
            add(layerKey(l, "self_attn.q_proj.bias"), {q}, false);
            add(layerKey(l, "self_attn.k_proj.bias"), {kv}, false);
            add(layerKey(l, "self_attn.v_proj.bias"), {kv}, false);
        }
        if (c.qkNorm) {
            add(layerKey(l, "self_attn.q_norm.weight"), {c.headDim}, true);
            add(layerKey(l, "self_attn.k_norm.weight"), {c.headDim}, true);
        }
        add(layerKey(l, "post_attention_layernorm.weight"), {c.hidden}, true);
        add(layerKey(l, "mlp.gate_proj.weight"), {c.intermediate, c.hidden}, false);
        add(layerKey(l, "mlp.up_proj.weight"), {c.intermediate, c.hidden}, false);
        add(layerKey(l, "mlp.down_proj.weight"), {c.hidden, c.intermediate}, false);
    }
    if (bert) { // the masked-LM head
        add("cls.transform.weight", {c.hidden, c.hidden}, false);
        add("cls.transform.bias", {c.hidden}, false);
        add("cls.norm.weight", {c.hidden}, true);
        add("cls.norm.bias", {c.hidden}, false);
        add("cls.bias", {c.vocab}, false);
        return model;
    }
    add("model.norm.weight", {c.hidden}, true);
    if (gpt2) {
        add("model.norm.bias", {c.hidden}, false);
        return model; // GPT-2's head is the token embedding
    }
    if (!c.tied)
        add("lm_head.weight", {c.vocab, c.hidden}, false);
    return model;
}

void writeHfDirectory(const TinyModel& model, const std::string& directory) {
    const TinyConfig& c = model.config;
    std::filesystem::create_directories(directory);
    std::ofstream(directory + "/config.json")
        << "{\"model_type\": \"" << c.modelType << "\", \"num_hidden_layers\": " << c.layers
        << ", \"num_attention_heads\": " << c.heads << ", \"num_key_value_heads\": " << c.kvHeads
        << ", \"hidden_size\": " << c.hidden << ", \"head_dim\": " << c.headDim
        << ", \"intermediate_size\": " << c.intermediate << ", \"vocab_size\": " << c.vocab
        << ", \"max_position_embeddings\": " << c.context << ", \"rope_theta\": " << c.ropeTheta
        << ", \"rms_norm_eps\": " << c.eps << ", \"tie_word_embeddings\": " << (c.tied ? "true" : "false")
        << ", \"sliding_window\": " << (c.slidingWindow ? std::to_string(c.slidingWindow) : "null")
        << ", \"use_sliding_window\": " << (c.slidingWindow ? "true" : "false")
        << ", \"torch_dtype\": \"float32\"}";
    std::vector<SafetensorsEntry> entries;
    const bool fused = c.modelType == "phi3";
    for (const auto& [name, values] : model.tensors) {
        if (fused &&
            (name.find("q_proj") != std::string::npos || name.find("k_proj") != std::string::npos ||
             name.find("v_proj") != std::string::npos || name.find("gate_proj") != std::string::npos ||
             name.find("up_proj") != std::string::npos))
            continue; // written fused below
        entries.push_back({name, "F32", model.shapes.at(name), floatBytes(values)});
    }
    if (fused)
        for (int l = 0; l < c.layers; ++l) {
            const auto qkv = concatRows(model, {layerKey(l, "self_attn.q_proj.weight"),
                                                layerKey(l, "self_attn.k_proj.weight"),
                                                layerKey(l, "self_attn.v_proj.weight")});
            entries.push_back({layerKey(l, "self_attn.qkv_proj.weight"),
                               "F32",
                               {static_cast<int64_t>(qkv.size()) / c.hidden, c.hidden},
                               floatBytes(qkv)});
            const auto gateUp =
                concatRows(model, {layerKey(l, "mlp.gate_proj.weight"), layerKey(l, "mlp.up_proj.weight")});
            entries.push_back({layerKey(l, "mlp.gate_up_proj.weight"),
                               "F32",
                               {static_cast<int64_t>(gateUp.size()) / c.hidden, c.hidden},
                               floatBytes(gateUp)});
        }
    const Bytes bytes = writeSafetensors(entries, {{"format", "pt"}});
    std::ofstream(directory + "/model.safetensors", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes writeLlamaGguf(const TinyModel& model) {
    const TinyConfig& c = model.config;
    GgufBuilder builder;
    const bool phi3 = c.modelType == "phi3";
    const std::string arch = phi3 ? "phi3" : "llama";
    addGgufSizes(builder, arch, c);
    builder.addUInt32(arch + ".attention.head_count_kv", static_cast<uint32_t>(c.kvHeads));
    builder.addUInt32(arch + ".rope.dimension_count", static_cast<uint32_t>(c.headDim));
    builder.addFloat32(arch + ".rope.freq_base", static_cast<float>(c.ropeTheta));
    builder.addFloat32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.eps));
    addPlaceholderVocabulary(builder, c.vocab);
    auto matrix = [&](const std::string& gguf, const std::string& hf, int permuteHeads) {
        const auto& shape = model.shapes.at(hf);
        std::vector<float> values = model.tensors.at(hf);
        if (permuteHeads > 0)
            values = permuteForInterleavedRope(values, permuteHeads, c.headDim, static_cast<int>(shape[1]));
        std::vector<uint64_t> ne(shape.rbegin(), shape.rend());
        builder.addTensor(gguf, ne, 0, floatBytes(values));
    };
    matrix("token_embd.weight", "model.embed_tokens.weight", 0);
    for (int l = 0; l < c.layers; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        matrix(b + "attn_norm.weight", layerKey(l, "input_layernorm.weight"), 0);
        if (phi3) { // llama.cpp keeps Phi-3's fused matrices and rotates NeoX-style: no permutation
            const auto qkv = concatRows(model, {layerKey(l, "self_attn.q_proj.weight"),
                                                layerKey(l, "self_attn.k_proj.weight"),
                                                layerKey(l, "self_attn.v_proj.weight")});
            builder.addTensor(b + "attn_qkv.weight", {static_cast<uint64_t>(c.hidden), qkv.size() / c.hidden},
                              0, floatBytes(qkv));
            const auto gateUp =
                concatRows(model, {layerKey(l, "mlp.gate_proj.weight"), layerKey(l, "mlp.up_proj.weight")});
            builder.addTensor(b + "ffn_up.weight",
                              {static_cast<uint64_t>(c.hidden), gateUp.size() / c.hidden}, 0,
                              floatBytes(gateUp));
            matrix(b + "attn_output.weight", layerKey(l, "self_attn.o_proj.weight"), 0);
            matrix(b + "ffn_norm.weight", layerKey(l, "post_attention_layernorm.weight"), 0);
            matrix(b + "ffn_down.weight", layerKey(l, "mlp.down_proj.weight"), 0);
            continue;
        }
        matrix(b + "attn_q.weight", layerKey(l, "self_attn.q_proj.weight"), c.heads);
        matrix(b + "attn_k.weight", layerKey(l, "self_attn.k_proj.weight"), c.kvHeads);
        matrix(b + "attn_v.weight", layerKey(l, "self_attn.v_proj.weight"), 0);
        matrix(b + "attn_output.weight", layerKey(l, "self_attn.o_proj.weight"), 0);
        matrix(b + "ffn_norm.weight", layerKey(l, "post_attention_layernorm.weight"), 0);
        matrix(b + "ffn_gate.weight", layerKey(l, "mlp.gate_proj.weight"), 0);
        matrix(b + "ffn_up.weight", layerKey(l, "mlp.up_proj.weight"), 0);
        matrix(b + "ffn_down.weight", layerKey(l, "mlp.down_proj.weight"), 0);
    }
    matrix("output_norm.weight", "model.norm.weight", 0);
    if (!c.tied)
        matrix("output.weight", "lm_head.weight", 0);
    return builder.build();
}

namespace {

/// Named tensors ([shape], values) as one F32 model.safetensors in `directory`.
using NamedTensors = std::vector<std::pair<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>>;

void writeSafetensorsFile(const NamedTensors& tensors, const std::string& directory) {
    std::vector<SafetensorsEntry> entries;
    for (const auto& [name, tensor] : tensors)
        entries.push_back({name, "F32", tensor.first, floatBytes(tensor.second)});
    const Bytes bytes = writeSafetensors(entries, {{"format", "pt"}});
    std::ofstream(directory + "/model.safetensors", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// A GGUF with llama.cpp's size keys for `arch`, a placeholder vocabulary and `tensors` ([out, in]).
Bytes writeEncoderStyleGguf(const TinyConfig& c, const std::string& arch, const NamedTensors& tensors,
                            bool bidirectional) {
    GgufBuilder builder;
    addGgufSizes(builder, arch, c);
    builder.addFloat32(arch + ".attention.layer_norm_epsilon", static_cast<float>(c.eps));
    if (bidirectional)
        builder.addBool(arch + ".attention.causal", false);
    addPlaceholderVocabulary(builder, c.vocab);
    for (const auto& [name, tensor] : tensors) {
        std::vector<uint64_t> ne(tensor.first.rbegin(), tensor.first.rend());
        builder.addTensor(name, ne, 0, floatBytes(tensor.second));
    }
    return builder.build();
}

/// [rows, cols] -> [cols, rows].
std::vector<float> transposed(const std::vector<float>& w, int64_t rows, int64_t cols) {
    std::vector<float> out(w.size());
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
            out[static_cast<std::size_t>(c * rows + r)] = w[static_cast<std::size_t>(r * cols + c)];
    return out;
}

/// GPT-2's tensors under `hf` (HF names, Conv1D [in, out]) or GGUF names ([out, in]).
std::vector<std::pair<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>>
gpt2Tensors(const TinyModel& model, bool hf, const std::string& prefix) {
    const TinyConfig& c = model.config;
    NamedTensors out;
    auto put = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
        out.push_back({name, {std::move(shape), std::move(values)}});
    };
    auto vector = [&](const std::string& hfName, const std::string& ggufName, const std::string& key) {
        put(hf ? prefix + hfName : ggufName, model.shapes.at(key), model.tensors.at(key));
    };
    auto matrix = [&](const std::string& hfName, const std::string& ggufName, std::vector<float> values,
                      int64_t rows, int64_t cols) {
        if (hf)
            put(prefix + hfName, {cols, rows}, transposed(values, rows, cols));
        else
            put(ggufName, {rows, cols}, std::move(values));
    };
    vector("wte.weight", "token_embd.weight", "model.embed_tokens.weight");
    vector("wpe.weight", "position_embd.weight", "model.embed_positions.weight");
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".", b = "blk." + std::to_string(l) + ".";
        vector(h + "ln_1.weight", b + "attn_norm.weight", layerKey(l, "input_layernorm.weight"));
        vector(h + "ln_1.bias", b + "attn_norm.bias", layerKey(l, "input_layernorm.bias"));
        matrix(
            h + "attn.c_attn.weight", b + "attn_qkv.weight",
            concatRows(model, {layerKey(l, "self_attn.q_proj.weight"), layerKey(l, "self_attn.k_proj.weight"),
                               layerKey(l, "self_attn.v_proj.weight")}),
            3 * c.hidden, c.hidden);
        const auto qkvBias =
            concatRows(model, {layerKey(l, "self_attn.q_proj.bias"), layerKey(l, "self_attn.k_proj.bias"),
                               layerKey(l, "self_attn.v_proj.bias")});
        put(hf ? prefix + h + "attn.c_attn.bias" : b + "attn_qkv.bias", {3 * c.hidden}, qkvBias);
        matrix(h + "attn.c_proj.weight", b + "attn_output.weight",
               model.tensors.at(layerKey(l, "self_attn.o_proj.weight")), c.hidden, c.hidden);
        vector(h + "attn.c_proj.bias", b + "attn_output.bias", layerKey(l, "self_attn.o_proj.bias"));
        vector(h + "ln_2.weight", b + "ffn_norm.weight", layerKey(l, "post_attention_layernorm.weight"));
        vector(h + "ln_2.bias", b + "ffn_norm.bias", layerKey(l, "post_attention_layernorm.bias"));
        matrix(h + "mlp.c_fc.weight", b + "ffn_up.weight",
               model.tensors.at(layerKey(l, "mlp.up_proj.weight")), c.intermediate, c.hidden);
        vector(h + "mlp.c_fc.bias", b + "ffn_up.bias", layerKey(l, "mlp.up_proj.bias"));
        matrix(h + "mlp.c_proj.weight", b + "ffn_down.weight",
               model.tensors.at(layerKey(l, "mlp.down_proj.weight")), c.hidden, c.intermediate);
        vector(h + "mlp.c_proj.bias", b + "ffn_down.bias", layerKey(l, "mlp.down_proj.bias"));
    }
    vector("ln_f.weight", "output_norm.weight", "model.norm.weight");
    vector("ln_f.bias", "output_norm.bias", "model.norm.bias");
    return out;
}

} // namespace

void writeGpt2HfDirectory(const TinyModel& model, const std::string& directory, bool transformerPrefix) {
    const TinyConfig& c = model.config;
    std::filesystem::create_directories(directory);
    std::ofstream(directory + "/config.json")
        << "{\"model_type\": \"gpt2\", \"n_layer\": " << c.layers << ", \"n_head\": " << c.heads
        << ", \"n_embd\": " << c.hidden << ", \"n_inner\": " << c.intermediate
        << ", \"vocab_size\": " << c.vocab << ", \"n_positions\": " << c.context
        << ", \"layer_norm_epsilon\": " << c.eps << "}";
    writeSafetensorsFile(gpt2Tensors(model, true, transformerPrefix ? "transformer." : ""), directory);
}

Bytes writeGpt2Gguf(const TinyModel& model) {
    return writeEncoderStyleGguf(model.config, "gpt2", gpt2Tensors(model, false, ""), false);
}

namespace {

/// BERT's tensors in HF names (with "bert." and the MLM head) or llama.cpp's "bert" GGUF names (no head).
std::vector<std::pair<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>>
bertTensors(const TinyModel& model, bool hf) {
    const TinyConfig& c = model.config;
    NamedTensors out;
    auto put = [&](const std::string& hfName, const std::string& ggufName, const std::string& key) {
        out.push_back({hf ? hfName : ggufName, {model.shapes.at(key), model.tensors.at(key)}});
    };
    put("bert.embeddings.word_embeddings.weight", "token_embd.weight", "model.embed_tokens.weight");
    put("bert.embeddings.position_embeddings.weight", "position_embd.weight", "model.embed_positions.weight");
    put("bert.embeddings.token_type_embeddings.weight", "token_types.weight",
        "model.embed_token_types.weight");
    put("bert.embeddings.LayerNorm.weight", "token_embd_norm.weight", "model.embed_norm.weight");
    put("bert.embeddings.LayerNorm.bias", "token_embd_norm.bias", "model.embed_norm.bias");
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = "bert.encoder.layer." + std::to_string(l) + ".",
                          b = "blk." + std::to_string(l) + ".";
        const std::pair<const char*, const char*> names[][2] = {
            {{"attention.self.query.weight", "attn_q.weight"}, {"self_attn.q_proj.weight", ""}},
            {{"attention.self.query.bias", "attn_q.bias"}, {"self_attn.q_proj.bias", ""}},
            {{"attention.self.key.weight", "attn_k.weight"}, {"self_attn.k_proj.weight", ""}},
            {{"attention.self.key.bias", "attn_k.bias"}, {"self_attn.k_proj.bias", ""}},
            {{"attention.self.value.weight", "attn_v.weight"}, {"self_attn.v_proj.weight", ""}},
            {{"attention.self.value.bias", "attn_v.bias"}, {"self_attn.v_proj.bias", ""}},
            {{"attention.output.dense.weight", "attn_output.weight"}, {"self_attn.o_proj.weight", ""}},
            {{"attention.output.dense.bias", "attn_output.bias"}, {"self_attn.o_proj.bias", ""}},
            {{"attention.output.LayerNorm.weight", "attn_output_norm.weight"},
             {"input_layernorm.weight", ""}},
            {{"attention.output.LayerNorm.bias", "attn_output_norm.bias"}, {"input_layernorm.bias", ""}},
            {{"intermediate.dense.weight", "ffn_up.weight"}, {"mlp.up_proj.weight", ""}},
            {{"intermediate.dense.bias", "ffn_up.bias"}, {"mlp.up_proj.bias", ""}},
            {{"output.dense.weight", "ffn_down.weight"}, {"mlp.down_proj.weight", ""}},
            {{"output.dense.bias", "ffn_down.bias"}, {"mlp.down_proj.bias", ""}},
            {{"output.LayerNorm.weight", "layer_output_norm.weight"},
             {"post_attention_layernorm.weight", ""}},
            {{"output.LayerNorm.bias", "layer_output_norm.bias"}, {"post_attention_layernorm.bias", ""}}};
        for (const auto& entry : names)
            put(h + entry[0].first, b + entry[0].second, layerKey(l, entry[1].first));
    }
    if (hf) {
        put("cls.predictions.transform.dense.weight", "", "cls.transform.weight");
        put("cls.predictions.transform.dense.bias", "", "cls.transform.bias");
        put("cls.predictions.transform.LayerNorm.weight", "", "cls.norm.weight");
        put("cls.predictions.transform.LayerNorm.bias", "", "cls.norm.bias");
        put("cls.predictions.bias", "", "cls.bias");
    }
    return out;
}

} // namespace

void writeBertHfDirectory(const TinyModel& model, const std::string& directory) {
    const TinyConfig& c = model.config;
    std::filesystem::create_directories(directory);
    std::ofstream(directory + "/config.json")
        << "{\"model_type\": \"bert\", \"num_hidden_layers\": " << c.layers
        << ", \"num_attention_heads\": " << c.heads << ", \"hidden_size\": " << c.hidden
        << ", \"intermediate_size\": " << c.intermediate << ", \"vocab_size\": " << c.vocab
        << ", \"max_position_embeddings\": " << c.context
        << ", \"type_vocab_size\": 2, \"layer_norm_eps\": " << c.eps << "}";
    writeSafetensorsFile(bertTensors(model, true), directory);
}

Bytes writeBertGguf(const TinyModel& model) {
    return writeEncoderStyleGguf(model.config, "bert", bertTensors(model, false), true);
}

Bytes writeLlama2c(const TinyModel& model) {
    const TinyConfig& c = model.config;
    Bytes out;
    for (int32_t value :
         {c.hidden, c.intermediate, c.layers, c.heads, c.kvHeads, c.tied ? c.vocab : -c.vocab, c.context})
        appendRaw(out, value);
    auto put = [&out](const std::vector<float>& values) {
        const Bytes bytes = floatBytes(values);
        out.insert(out.end(), bytes.begin(), bytes.end());
    };
    auto stacked = [&](const std::string& suffix, int permuteHeads) {
        for (int l = 0; l < c.layers; ++l) {
            const std::string name = layerKey(l, suffix);
            std::vector<float> values = model.tensors.at(name);
            if (permuteHeads > 0)
                values = permuteForInterleavedRope(values, permuteHeads, c.headDim,
                                                   static_cast<int>(model.shapes.at(name)[1]));
            put(values);
        }
    };
    put(model.tensors.at("model.embed_tokens.weight"));
    stacked("input_layernorm.weight", 0);
    stacked("self_attn.q_proj.weight", c.heads);
    stacked("self_attn.k_proj.weight", c.kvHeads);
    stacked("self_attn.v_proj.weight", 0);
    stacked("self_attn.o_proj.weight", 0);
    stacked("post_attention_layernorm.weight", 0);
    stacked("mlp.gate_proj.weight", 0); // w1
    stacked("mlp.down_proj.weight", 0); // w2
    stacked("mlp.up_proj.weight", 0);   // w3
    put(model.tensors.at("model.norm.weight"));
    std::vector<float> cosTable, sinTable;
    for (int p = 0; p < c.context; ++p)
        for (int i = 0; i < c.headDim / 2; ++i) {
            const double angle = p * std::pow(c.ropeTheta, -2.0 * i / c.headDim);
            cosTable.push_back(static_cast<float>(std::cos(angle)));
            sinTable.push_back(static_cast<float>(std::sin(angle)));
        }
    put(cosTable);
    put(sinTable);
    if (!c.tied)
        put(model.tensors.at("lm_head.weight"));
    return out;
}

ReferenceOutput referenceForward(const TinyModel& model, const std::vector<int32_t>& tokens,
                                 const ReferenceInterventions& interventions) {
    const TinyConfig& c = model.config;
    const auto& W = model.tensors;
    const int T = static_cast<int>(tokens.size()), d = c.headDim, group = c.heads / c.kvHeads;
    const bool bert = c.modelType == "bert";
    const bool gpt2 = c.modelType == "gpt2" || bert;
    ReferenceOutput out;
    std::vector<std::vector<double>> x(T);
    for (int t = 0; t < T; ++t)
        for (int j = 0; j < c.hidden; ++j)
            x[t].push_back(
                W.at("model.embed_tokens.weight")[static_cast<std::size_t>(tokens[t]) * c.hidden + j] +
                (gpt2 ? W.at("model.embed_positions.weight")[static_cast<std::size_t>(t) * c.hidden + j]
                      : 0.0f));
    auto norm = [&](const std::vector<double>& v, const std::string& name) {
        return W.count(name + ".bias") ? layerNorm(v, W.at(name + ".weight"), W.at(name + ".bias"), c.eps)
                                       : rmsNorm(v, W.at(name + ".weight"), c.eps);
    };
    if (bert)
        for (int t = 0; t < T; ++t) {
            for (int j = 0; j < c.hidden; ++j)
                x[t][j] += W.at("model.embed_token_types.weight")[static_cast<std::size_t>(j)];
            x[t] = norm(x[t], "model.embed_norm");
        }

    auto rope = [&](std::vector<double>& v, int position) { // HF rotate_half on one head
        if (gpt2)
            return; // learned positions instead
        for (int i = 0; i < d / 2; ++i) {
            const double angle = position * std::pow(c.ropeTheta, -2.0 * i / d);
            const double a = v[i], b = v[i + d / 2];
            v[i] = a * std::cos(angle) - b * std::sin(angle);
            v[i + d / 2] = b * std::cos(angle) + a * std::sin(angle);
        }
    };
    // Each layer's queries and keys as its attention used them, for the layers that share them.
    std::vector<std::vector<std::vector<std::vector<double>>>> usedQueries(c.layers), usedKeys(c.layers);
    for (int l = 0; l < c.layers; ++l) {
        auto w = [&](const std::string& suffix) -> const std::vector<float>& {
            return W.at(layerKey(l, suffix));
        };
        auto optional = [&](const std::string& suffix) -> const std::vector<float>* {
            auto it = W.find(layerKey(l, suffix));
            return it == W.end() ? nullptr : &it->second;
        };
        // q[t][head] and k/v[t][kvHead] vectors of length d.
        std::vector<std::vector<std::vector<double>>> q(T), k(T), v(T);
        for (int t = 0; t < T; ++t) {
            const auto h = bert ? x[t] : norm(x[t], layerKey(l, "input_layernorm"));
            const auto qa = linear(w("self_attn.q_proj.weight"), h, static_cast<std::size_t>(c.heads) * d,
                                   optional("self_attn.q_proj.bias"));
            const auto ka = linear(w("self_attn.k_proj.weight"), h, static_cast<std::size_t>(c.kvHeads) * d,
                                   optional("self_attn.k_proj.bias"));
            const auto va = linear(w("self_attn.v_proj.weight"), h, static_cast<std::size_t>(c.kvHeads) * d,
                                   optional("self_attn.v_proj.bias"));
            for (int hd = 0; hd < c.heads; ++hd) {
                std::vector<double> head(qa.begin() + hd * d, qa.begin() + (hd + 1) * d);
                if (c.qkNorm)
                    head = rmsNorm(head, w("self_attn.q_norm.weight"), c.eps);
                rope(head, t);
                q[t].push_back(head);
            }
            for (int hd = 0; hd < c.kvHeads; ++hd) {
                std::vector<double> head(ka.begin() + hd * d, ka.begin() + (hd + 1) * d);
                if (c.qkNorm)
                    head = rmsNorm(head, w("self_attn.k_norm.weight"), c.eps);
                rope(head, t);
                k[t].push_back(head);
                v[t].emplace_back(va.begin() + hd * d, va.begin() + (hd + 1) * d);
            }
        }
        if (const auto shared = interventions.sharedFrom.find(l); shared != interventions.sharedFrom.end()) {
            q = usedQueries[shared->second];
            k = usedKeys[shared->second];
        }
        usedQueries[l] = q;
        usedKeys[l] = k;
        std::vector<std::vector<double>> attended(
            T, std::vector<double>(static_cast<std::size_t>(c.heads) * d, 0.0));
        for (int hd = 0; hd < c.heads; ++hd) {
            const auto calibrated = interventions.calibratedColumns.find({l, hd});
            std::vector<double> probabilities(static_cast<std::size_t>(T) * T, 0.0);
            for (int i = 0; i < T; ++i) {
                std::vector<double> scores(T, -INFINITY);
                double maximum = -INFINITY;
                for (int j = 0; j < (bert ? T : i + 1); ++j) {
                    if (c.slidingWindow > 0 && i - j >= c.slidingWindow)
                        continue;
                    if (interventions.allowed && !interventions.allowed(l, hd, i, j))
                        continue;
                    double dot = 0;
                    for (int e = 0; e < d; ++e)
                        dot += q[i][hd][e] * k[j][hd / group][e];
                    scores[j] = dot / std::sqrt(static_cast<double>(d));
                    maximum = std::max(maximum, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < T; ++j)
                    sum += std::isinf(scores[j]) ? 0.0 : std::exp(scores[j] - maximum);
                std::vector<double> row(T);
                for (int j = 0; j < T; ++j)
                    row[j] = std::isinf(scores[j]) ? 0.0 : std::exp(scores[j] - maximum) / sum;
                std::copy(row.begin(), row.end(), probabilities.begin() + static_cast<std::ptrdiff_t>(i) * T);
                if (calibrated != interventions.calibratedColumns.end()) {
                    std::vector<bool> scaled(T, false);
                    for (int column : calibrated->second)
                        scaled[column] = true;
                    double mass = 0;
                    bool seesOthers = false;
                    for (int j = 0; j < T; ++j) {
                        if (scaled[j])
                            mass += row[j];
                        else if (!std::isinf(scores[j]))
                            seesOthers = true;
                    }
                    if (seesOthers && mass < 1.0 - 1e-6) { // the kernel's guard (attention.h)
                        const double others = (1.0 - interventions.keep * mass) / (1.0 - mass);
                        for (int j = 0; j < T; ++j)
                            row[j] *= scaled[j] ? interventions.keep : others;
                    }
                }
                for (int j = 0; j < T; ++j)
                    for (int e = 0; e < d; ++e)
                        attended[i][hd * d + e] += row[j] * v[j][hd / group][e];
            }
            out.attention[{l, hd}] = std::move(probabilities);
        }
        for (int t = 0; t < T; ++t) {
            const auto o = linear(w("self_attn.o_proj.weight"), attended[t],
                                  static_cast<std::size_t>(c.hidden), optional("self_attn.o_proj.bias"));
            for (int j = 0; j < c.hidden; ++j)
                x[t][j] += o[j];
            if (bert) // post-norm
                x[t] = norm(x[t], layerKey(l, "input_layernorm"));
            const auto h = bert ? x[t] : norm(x[t], layerKey(l, "post_attention_layernorm"));
            if (gpt2) {
                auto up = linear(w("mlp.up_proj.weight"), h, static_cast<std::size_t>(c.intermediate),
                                 optional("mlp.up_proj.bias"));
                for (double& u : up) // GPT-2: GELU's tanh approximation ("gelu_new"); BERT: exact GELU
                    u = bert
                            ? 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)))
                            : 0.5 * u * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (u + 0.044715 * u * u * u)));
                const auto down = linear(w("mlp.down_proj.weight"), up, static_cast<std::size_t>(c.hidden),
                                         optional("mlp.down_proj.bias"));
                for (int j = 0; j < c.hidden; ++j)
                    x[t][j] += down[j];
                if (bert)
                    x[t] = norm(x[t], layerKey(l, "post_attention_layernorm"));
                continue;
            }
            auto gate = linear(w("mlp.gate_proj.weight"), h, static_cast<std::size_t>(c.intermediate));
            const auto up = linear(w("mlp.up_proj.weight"), h, static_cast<std::size_t>(c.intermediate));
            for (int j = 0; j < c.intermediate; ++j)
                gate[j] = gate[j] / (1.0 + std::exp(-gate[j])) * up[j];
            const auto down = linear(w("mlp.down_proj.weight"), gate, static_cast<std::size_t>(c.hidden));
            for (int j = 0; j < c.hidden; ++j)
                x[t][j] += down[j];
        }
    }
    const auto& head = W.count("lm_head.weight") ? W.at("lm_head.weight") : W.at("model.embed_tokens.weight");
    for (int t = 0; t < T; ++t) {
        if (bert) {
            auto h = linear(W.at("cls.transform.weight"), x[t], static_cast<std::size_t>(c.hidden),
                            &W.at("cls.transform.bias"));
            for (double& u : h)
                u = 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)));
            const auto logits =
                linear(head, norm(h, "cls.norm"), static_cast<std::size_t>(c.vocab), &W.at("cls.bias"));
            out.logits.insert(out.logits.end(), logits.begin(), logits.end());
            continue;
        }
        const auto logits = linear(head, norm(x[t], "model.norm"), static_cast<std::size_t>(c.vocab));
        out.logits.insert(out.logits.end(), logits.begin(), logits.end());
    }
    return out;
}

} // namespace attnscope::test
