// SPDX-License-Identifier: Apache-2.0
// The weights of a decoder in LibTorch tensors, named by role rather than by file format (internal).
#pragma once

#include "attnscope/model/mapped_file.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

namespace attnscope::runtime {

/// How rotary embeddings pair dimensions: HF's rotate_half pairs (i, i + d/2); llama.cpp's "llama"
/// GGUF and llama2.c pair (2i, 2i + 1), with their q/k weight rows permuted to match.
enum class RopeStyle { HalfSplit, Interleaved };

/// Position information: rotary (Llama family) or a learned table added to the embeddings (GPT-2).
enum class PositionKind { Rotary, Learned };
/// The MLP: SwiGLU (gate, up, down) or a plain two-layer MLP with GELU (tanh approximation, GPT-2).
enum class MlpKind { SwiGlu, GeluTanh, GeluErf };

/// One transformer block. Linear weights are [out, in] (y = x W^T); optional tensors are undefined.
/// A norm with a bias is a LayerNorm, without one an RMSNorm.
struct LayerWeights {
    at::Tensor attentionNorm, attentionNormBias;
    at::Tensor wq, wk, wv, wo;
    at::Tensor bq, bk, bv, bo; ///< Qwen2 (q/k/v), GPT-2 (all four)
    at::Tensor qNorm, kNorm;   ///< Qwen3: RMSNorm over each head's dimensions
    at::Tensor mlpNorm, mlpNormBias;
    at::Tensor wGate, wUp, wDown;
    at::Tensor bUp, bDown; ///< GPT-2
};

struct ModelWeights {
    at::Tensor embedding; ///< [vocab, hidden]
    std::vector<LayerWeights> layers;
    at::Tensor positionEmbedding;  ///< [context, hidden] for PositionKind::Learned
    at::Tensor tokenTypeEmbedding; ///< BERT: row 0 is added to every token (single-segment inputs)
    at::Tensor embeddingNorm, embeddingNormBias; ///< BERT: LayerNorm of the summed embeddings
    /// BERT: each sub-layer is x = norm(x + f(x)) (post-norm) rather than x + f(norm(x)).
    bool postNorm = false;
    /// BERT's masked-LM head: logits = norm(gelu(x W^T + b)) E^T + bias (absent in BertModel files).
    at::Tensor headTransform, headTransformBias, headNorm, headNormBias, lmHeadBias;
    at::Tensor finalNorm, finalNormBias;
    at::Tensor lmHead; ///< [vocab, hidden]; the embedding itself when tied
    RopeStyle ropeStyle = RopeStyle::HalfSplit;
    PositionKind positions = PositionKind::Rotary;
    MlpKind mlp = MlpKind::SwiGlu;
    /// Mapped files that zero-copy tensors point into: they must outlive the tensors.
    std::vector<std::shared_ptr<model::MappedFile>> files;
};

} // namespace attnscope::runtime
