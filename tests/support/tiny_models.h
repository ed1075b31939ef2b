// SPDX-License-Identifier: Apache-2.0
// Small random-weight decoders written in every format, and an independent double-precision forward
// pass to check the runtime against (plain loops, HF semantics, no LibTorch, no kernels).
#pragma once

#include "format_writers.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attnscope::test {

/// Architecture options of a tiny Llama-family decoder.
struct TinyConfig {
    /// llama, mistral, qwen2, qwen3, phi3 (fused qkv and gate_up), gpt2 (LayerNorm, learned positions,
    /// biases, GELU MLP; heads == kvHeads, headDim * heads == hidden), bert (as gpt2 but post-norm,
    /// bidirectional, token types, embedding LayerNorm, exact GELU, masked-LM head)
    std::string modelType = "llama";
    int layers = 2, hidden = 16, heads = 4, kvHeads = 2, headDim = 4, intermediate = 24, vocab = 11,
        context = 32;
    double ropeTheta = 10000.0, eps = 1e-5;
    bool bias = false;   ///< q/k/v biases (qwen2)
    bool qkNorm = false; ///< per-head RMSNorm of q and k (qwen3)
    int slidingWindow = 0;
    bool tied = false;
};

/// Weights in HF layout ([out, in] matrices), keyed by HF tensor names.
struct TinyModel {
    TinyConfig config;
    std::map<std::string, std::vector<float>> tensors;
    std::map<std::string, std::vector<int64_t>> shapes;
};

/// Random weights (fixed seed): matrices ~ N(0, 0.3^2), norm weights ~ 1 + N(0, 0.1^2).
TinyModel makeTinyModel(const TinyConfig& config, uint32_t seed = 42);

/// The HF directory: config.json + model.safetensors (F32).
void writeHfDirectory(const TinyModel& model, const std::string& directory);
/// A GGUF v3 file as llama.cpp's converter writes it for "llama" (q/k rows permuted for interleaved RoPE),
/// or for "phi3" when the config's modelType is phi3 (fused attn_qkv and ffn_up = [gate; up], NeoX RoPE).
Bytes writeLlamaGguf(const TinyModel& model);
/// GPT-2 as HF saves it (Conv1D weights [in, out], fused c_attn), with or without "transformer.".
void writeGpt2HfDirectory(const TinyModel& model, const std::string& directory, bool transformerPrefix);
/// GPT-2 as llama.cpp's converter writes it ("gpt2": [out, in] matrices, fused attn_qkv).
Bytes writeGpt2Gguf(const TinyModel& model);
/// BertForMaskedLM as HF saves it ("bert." names and the cls.predictions head).
void writeBertHfDirectory(const TinyModel& model, const std::string& directory);
/// BERT as llama.cpp writes it ("bert" architecture; no masked-LM head).
Bytes writeBertGguf(const TinyModel& model);
/// A llama2.c checkpoint (q/k rows permuted like llama2.c's export of HF models). Llama only, no biases.
Bytes writeLlama2c(const TinyModel& model);

/// Reference forward pass: logits [T, vocab] and, for each (layer, head), probabilities [T, T].
struct ReferenceOutput {
    std::vector<double> logits;
    std::map<std::pair<int, int>, std::vector<double>> attention;
};
/// Interventions the reference applies, written out independently of the runtime's: ACT's closed form
/// P'_is = keep P_is on the given keys and P_it (1 - keep m_i) / (1 - m_i) elsewhere (m_i the row's mass on
/// the given keys; rows that see only given keys, or with m_i within 1e-6 of 1, unchanged), and layers
/// reusing an earlier layer's
/// post-RoPE queries and keys.
struct ReferenceInterventions {
    std::map<std::pair<int, int>, std::vector<int>> calibratedColumns; ///< (layer, head) -> keys
    double keep = 0.4;
    std::map<int, int> sharedFrom; ///< target layer -> source layer
    /// Sparse attention: row i of (layer, head) sees key j only when this says so (and causality does).
    std::function<bool(int layer, int head, int row, int key)> allowed;
};
/// `attention` holds each head's probabilities before calibration (sharing layers: their source's).
ReferenceOutput referenceForward(const TinyModel& model, const std::vector<int32_t>& tokens,
                                 const ReferenceInterventions& interventions = {});

} // namespace attnscope::test
