// SPDX-License-Identifier: Apache-2.0
#include "demo_model.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>

namespace attnscope::demo {

namespace {

torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
    return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
}

/// HF's rotate_half convention: dimension i pairs with i + d/2. x [B, heads, T, d].
torch::Tensor applyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    torch::Tensor a = x.narrow(-1, 0, half), b = x.narrow(-1, half, half);
    return torch::cat({a * cos - b * sin, b * cos + a * sin}, -1);
}

} // namespace

DemoTransformerImpl::DemoTransformerImpl(const DemoConfig& c) : m_config(c) {
    const double std = 0.02, outputStd = 0.02 / std::sqrt(2.0 * c.layers);
    auto normal = [](std::vector<int64_t> shape, double s) {
        return torch::randn(shape) * s;
    };
    m_embedding = register_parameter("embed_tokens", normal({c.vocabSize, c.hidden}, std));
    for (int l = 0; l < c.layers; ++l) {
        const std::string p = "layer" + std::to_string(l) + "_";
        Layer layer;
        layer.attentionNorm = register_parameter(p + "attention_norm", torch::ones({c.hidden}));
        layer.wq = register_parameter(p + "wq", normal({c.heads * c.headDim, c.hidden}, std));
        layer.wk = register_parameter(p + "wk", normal({c.kvHeads * c.headDim, c.hidden}, std));
        layer.wv = register_parameter(p + "wv", normal({c.kvHeads * c.headDim, c.hidden}, std));
        layer.wo = register_parameter(p + "wo", normal({c.hidden, c.heads * c.headDim}, outputStd));
        layer.mlpNorm = register_parameter(p + "mlp_norm", torch::ones({c.hidden}));
        layer.wGate = register_parameter(p + "w_gate", normal({c.intermediate, c.hidden}, std));
        layer.wUp = register_parameter(p + "w_up", normal({c.intermediate, c.hidden}, std));
        layer.wDown = register_parameter(p + "w_down", normal({c.hidden, c.intermediate}, outputStd));
        m_layers.push_back(layer);
    }
    m_finalNorm = register_parameter("final_norm", torch::ones({c.hidden}));
}

void DemoTransformerImpl::rope(int64_t length, torch::Tensor& cos, torch::Tensor& sin) const {
    const int64_t half = m_config.headDim / 2;
    torch::Tensor inv = torch::pow(m_config.ropeTheta, -2.0 * torch::arange(half, torch::kDouble) /
                                                           static_cast<double>(m_config.headDim));
    torch::Tensor angles = torch::outer(torch::arange(length, torch::kDouble), inv).to(torch::kFloat);
    cos = angles.cos();
    sin = angles.sin();
}

torch::Tensor DemoTransformerImpl::block(const torch::Tensor& x, const Layer& layer, const torch::Tensor& cos,
                                         const torch::Tensor& sin, torch::Tensor* probabilities) {
    const DemoConfig& c = m_config;
    const int64_t B = x.size(0), T = x.size(1), d = c.headDim;
    torch::Tensor h = rmsNorm(x, layer.attentionNorm, c.normEps);
    torch::Tensor q = torch::matmul(h, layer.wq.t()).view({B, T, c.heads, d}).transpose(1, 2);
    torch::Tensor k = torch::matmul(h, layer.wk.t()).view({B, T, c.kvHeads, d}).transpose(1, 2);
    torch::Tensor v = torch::matmul(h, layer.wv.t()).view({B, T, c.kvHeads, d}).transpose(1, 2);
    q = applyRope(q, cos, sin);
    k = applyRope(k, cos, sin);
    const int64_t group = c.heads / c.kvHeads;
    k = k.repeat_interleave(group, 1);
    v = v.repeat_interleave(group, 1);
    torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(d));
    torch::Tensor future = torch::ones({T, T}, torch::kBool).triu(1);
    torch::Tensor p = torch::softmax(scores.masked_fill(future, -INFINITY), -1);
    if (probabilities)
        *probabilities = p[0].detach();
    torch::Tensor attended = torch::matmul(p, v).transpose(1, 2).reshape({B, T, c.heads * d});
    torch::Tensor y = x + torch::matmul(attended, layer.wo.t());
    h = rmsNorm(y, layer.mlpNorm, c.normEps);
    torch::Tensor mlp = torch::silu(torch::matmul(h, layer.wGate.t())) * torch::matmul(h, layer.wUp.t());
    return y + torch::matmul(mlp, layer.wDown.t());
}

torch::Tensor DemoTransformerImpl::forward(const torch::Tensor& ids) {
    torch::Tensor cos, sin;
    rope(ids.size(1), cos, sin);
    torch::Tensor x = m_embedding.index_select(0, ids.reshape({-1})).view({ids.size(0), ids.size(1), -1});
    for (const Layer& layer : m_layers)
        x = block(x, layer, cos, sin, nullptr);
    return torch::matmul(rmsNorm(x, m_finalNorm, m_config.normEps), m_embedding.t());
}

torch::Tensor DemoTransformerImpl::attention(const torch::Tensor& ids, int layer) {
    torch::NoGradGuard noGrad;
    torch::Tensor cos, sin, probabilities;
    rope(ids.size(1), cos, sin);
    torch::Tensor x = m_embedding.index_select(0, ids.reshape({-1})).view({ids.size(0), ids.size(1), -1});
    for (int l = 0; l <= layer; ++l)
        x = block(x, m_layers[l], cos, sin, l == layer ? &probabilities : nullptr);
    return probabilities;
}

std::vector<std::pair<std::string, torch::Tensor>> DemoTransformerImpl::huggingFaceTensors() const {
    std::vector<std::pair<std::string, torch::Tensor>> out{{"model.embed_tokens.weight", m_embedding}};
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        const Layer& layer = m_layers[l];
        out.emplace_back(p + "input_layernorm.weight", layer.attentionNorm);
        out.emplace_back(p + "self_attn.q_proj.weight", layer.wq);
        out.emplace_back(p + "self_attn.k_proj.weight", layer.wk);
        out.emplace_back(p + "self_attn.v_proj.weight", layer.wv);
        out.emplace_back(p + "self_attn.o_proj.weight", layer.wo);
        out.emplace_back(p + "post_attention_layernorm.weight", layer.mlpNorm);
        out.emplace_back(p + "mlp.gate_proj.weight", layer.wGate);
        out.emplace_back(p + "mlp.up_proj.weight", layer.wUp);
        out.emplace_back(p + "mlp.down_proj.weight", layer.wDown);
    }
    out.emplace_back("model.norm.weight", m_finalNorm);
    return out;
}

void writeHuggingFaceModel(const DemoTransformer& model, const std::string& directory,
                           const std::string& dtype) {
    const DemoConfig& c = model->config();
    nlohmann::ordered_json config = {{"architectures", {"LlamaForCausalLM"}},
                                     {"model_type", "llama"},
                                     {"vocab_size", c.vocabSize},
                                     {"hidden_size", c.hidden},
                                     {"intermediate_size", c.intermediate},
                                     {"num_hidden_layers", c.layers},
                                     {"num_attention_heads", c.heads},
                                     {"num_key_value_heads", c.kvHeads},
                                     {"head_dim", c.headDim},
                                     {"hidden_act", "silu"},
                                     {"max_position_embeddings", c.contextLength},
                                     {"rms_norm_eps", c.normEps},
                                     {"rope_theta", c.ropeTheta},
                                     {"rope_scaling", nullptr},
                                     {"attention_bias", false},
                                     {"mlp_bias", false},
                                     {"tie_word_embeddings", true},
                                     {"bos_token_id", c.bosId},
                                     {"eos_token_id", c.eosId},
                                     {"torch_dtype", dtype == "BF16" ? "bfloat16" : "float32"}};
    if (c.trainedContext > 0) // RoPE extrapolates past it only so far; probes stay inside (model_config.h)
        config["original_max_position_embeddings"] = c.trainedContext;
    std::ofstream(directory + "/config.json") << config.dump(2) << "\n";

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    header["__metadata__"] = {{"format", "pt"}, {"producer", "attnscope-train-demo"}};
    std::string data;
    for (const auto& [name, tensor] : model->huggingFaceTensors()) {
        torch::Tensor t = tensor.detach().contiguous();
        if (dtype == "BF16")
            t = t.to(torch::kBFloat16).contiguous();
        const std::size_t bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
        header[name] = {{"dtype", dtype},
                        {"shape", t.sizes().vec()},
                        {"data_offsets", {data.size(), data.size() + bytes}}};
        data.append(static_cast<const char*>(t.data_ptr()), bytes);
    }
    std::string text = header.dump();
    while (text.size() % 8 != 0) // safetensors pads the header with spaces
        text += ' ';
    const uint64_t length = text.size();
    std::ofstream file(directory + "/model.safetensors", std::ios::binary);
    file.write(reinterpret_cast<const char*>(&length), sizeof(length));
    file << text << data;
}

} // namespace attnscope::demo
