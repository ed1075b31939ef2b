// SPDX-License-Identifier: Apache-2.0
// The architecture-level description of a model, from an HF config.json, GGUF metadata or a
// llama2.c header: everything the runtime needs to build the forward pass.
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope::model {

struct GgufFile;
struct Llama2cConfig;

/// Supported architecture families (DESIGN.md, "Load").
enum class Architecture { Llama, Mistral, Qwen2, Qwen3, Gpt2, Phi3, Bert };

/// "llama", "mistral", "qwen2", "qwen3", "gpt2", "phi3", "bert" (HF model_type spelling).
const char* architectureName(Architecture architecture);

/// RoPE frequency scaling (HF rope_scaling). type "" = none; "llama3" uses the factor and the low/high
/// frequency factors; "linear" divides positions by factor.
struct RopeScaling {
    std::string type;
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int64_t originalContextLength = 0;
};

struct ModelConfig {
    Architecture architecture = Architecture::Llama;
    int layers = 0;
    int heads = 0;   ///< query heads
    int kvHeads = 0; ///< key/value heads (GQA when < heads)
    int headDim = 0;
    int hiddenSize = 0;
    int intermediateSize = 0;
    int vocabSize = 0;
    int64_t contextLength = 0;
    /// The context the model was trained on when its config says so (`original_max_position_embeddings`
    /// at the top level, as Phi-3's, or in `rope_scaling`, as Llama 3.1's); 0 = not stated. Probes that
    /// need the model's trained behaviour (RazorAttention's repeated spans) stay inside it.
    int64_t trainedContextLength = 0;
    double normEps = 1e-5;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    int slidingWindow = 0;         ///< 0 = full attention (Mistral sets it)
    bool tieEmbeddings = false;    ///< the LM head reuses the token embedding
    bool attentionBias = false;    ///< q/k/v projections have biases (Qwen2)
    bool qkNorm = false;           ///< RMSNorm on q and k per head (Qwen3)
    bool causal = true;            ///< false for BERT encoders
    std::string dtype = "float32"; ///< the checkpoint's declared dtype (torch_dtype spelling)
};

/// Parses a Hugging Face config.json. `source` names the file in errors; fields are HF's keys.
Expected<ModelConfig> parseHfConfig(std::string_view json, const std::string& source);

/// Reads the architecture keys of a GGUF file ("<arch>.block_count", ...).
Expected<ModelConfig> configFromGguf(const GgufFile& gguf, const std::string& source);

/// The Llama configuration a llama2.c header implies.
ModelConfig configFromLlama2c(const Llama2cConfig& header);

/// Checks the invariants every architecture shares (positive sizes, GQA divisibility, sane limits).
Status validateConfig(const ModelConfig& config, const std::string& source);

} // namespace attnscope::model
