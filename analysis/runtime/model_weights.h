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

/// One transformer block. Linear weights are [out, in] (y = x W^T); optional tensors are undefined.
struct LayerWeights {
    at::Tensor attentionNorm;
    at::Tensor wq, wk, wv, wo;
    at::Tensor bq, bk, bv;   ///< Qwen2
    at::Tensor qNorm, kNorm; ///< Qwen3: RMSNorm over each head's dimensions
    at::Tensor mlpNorm;
    at::Tensor wGate, wUp, wDown;
};

struct ModelWeights {
    at::Tensor embedding; ///< [vocab, hidden]
    std::vector<LayerWeights> layers;
    at::Tensor finalNorm;
    at::Tensor lmHead; ///< [vocab, hidden]; the embedding itself when tied
    RopeStyle ropeStyle = RopeStyle::HalfSplit;
    /// Mapped files that zero-copy tensors point into: they must outlive the tensors.
    std::vector<std::shared_ptr<model::MappedFile>> files;
};

} // namespace attnscope::runtime
