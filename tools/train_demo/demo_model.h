// SPDX-License-Identifier: Apache-2.0
// The demo model for training: a Llama-architecture decoder (GQA, RoPE, RMSNorm, SwiGLU, tied
// embeddings) in LibTorch's autograd, written out in Hugging Face's layout and tensor names.
#pragma once

#include <torch/torch.h>

#include <string>

namespace attnscope::demo {

struct DemoConfig {
    int vocabSize = 2048;
    int hidden = 128;
    int layers = 4;
    int heads = 4;
    int kvHeads = 2;
    int headDim = 32;
    int intermediate = 512;
    int contextLength = 32768; ///< max_position_embeddings written to config.json
    /// The longest sequences trained on: original_max_position_embeddings in config.json (0 = not written).
    int trainedContext = 0;
    double ropeTheta = 500000.0;
    double normEps = 1e-5;
    int bosId = 0, eosId = 1;
};

class DemoTransformerImpl : public torch::nn::Module {
public:
    explicit DemoTransformerImpl(const DemoConfig& config);

    /// ids [batch, T] -> logits [batch, T, vocab].
    torch::Tensor forward(const torch::Tensor& ids);
    /// Attention probabilities of every head of `layer` for ids [1, T]: [heads, T, T] (for checks).
    torch::Tensor attention(const torch::Tensor& ids, int layer);

    const DemoConfig& config() const { return m_config; }
    /// Parameters in Hugging Face's names (tied: no lm_head.weight).
    std::vector<std::pair<std::string, torch::Tensor>> huggingFaceTensors() const;

private:
    struct Layer {
        torch::Tensor attentionNorm, wq, wk, wv, wo, mlpNorm, wGate, wUp, wDown;
    };
    torch::Tensor block(const torch::Tensor& x, const Layer& layer, const torch::Tensor& cos,
                        const torch::Tensor& sin, torch::Tensor* probabilities);
    void rope(int64_t length, torch::Tensor& cos, torch::Tensor& sin) const;

    DemoConfig m_config;
    torch::Tensor m_embedding, m_finalNorm;
    std::vector<Layer> m_layers;
};
TORCH_MODULE(DemoTransformer);

/// Writes config.json and model.safetensors (dtype "F32" or "BF16") into `directory`.
void writeHuggingFaceModel(const DemoTransformer& model, const std::string& directory,
                           const std::string& dtype);

} // namespace attnscope::demo
