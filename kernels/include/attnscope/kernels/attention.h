// SPDX-License-Identifier: Apache-2.0
// The kernel/probe seam: one attention entry point over plain structs (no LibTorch, no Qt).
//
// analysis/runtime validates LibTorch tensors once and hands their storage here. The probe request
// says which statistics to compute inside the kernel, so no caller ever needs the N x N map.
#pragma once

#include "attnscope/kernels/kernel_status.h"

#include <cstdint>
#include <vector>

namespace attnscope::kernels {

/// Element type of Q, K, V and O. Accumulation is always fp32.
enum class DType { F32, BF16, F16 };

/// Name of a dtype for messages ("f32", "bf16", "f16").
const char* dtypeName(DType dtype);

/// A strided view of a [batch, heads, tokens, headDim] tensor. Strides are in elements.
struct TensorView {
    const void* data = nullptr;
    DType dtype = DType::F32;
    int64_t stride[4] = {0, 0, 0, 1};
};

/// A writable [batch, heads, tokens, headDim] fp32 tensor (the attention output).
struct OutputView {
    float* data = nullptr;
    int64_t stride[4] = {0, 0, 0, 1};
};

/// Shapes and options of one attention call.
struct AttentionDims {
    int batch = 1;
    int queryHeads = 1;  ///< Hq; must be a multiple of kvHeads (GQA/MQA)
    int kvHeads = 1;     ///< Hkv
    int queryLength = 0; ///< rows of this call (a chunk during chunked prefill, 1 when decoding)
    int keyLength = 0;   ///< keys visible in the cache, including this call's own tokens
    int headDim = 0;
    bool causal = true;
    /// Absolute position of query row 0; row i sits at queryOffset + i. For causal prefill of a whole
    /// sequence it is 0; for decoding it is keyLength - queryLength.
    int64_t queryOffset = 0;
    /// Logit scale; <= 0 means 1/sqrt(headDim).
    float scale = 0.0f;
    /// Sliding window in tokens (a row at position p sees keys j with p - j < window); 0 = unlimited.
    int slidingWindow = 0;
};

/// Which statistics to compute while running attention (METHODS.md section 0).
/// This foundation provides K1 (row log-sum-exp) and per-row entropy; the kernels issue adds K3-K8.
struct ProbeRequest {
    bool rowLogSumExp = false; ///< K1: log sum_j exp(s_ij) per row
    bool rowEntropy = false;   ///< -sum_j P_ij log P_ij per row (nats)
};

/// Statistics produced by a call. Vectors are laid out [batch, queryHeads, queryLength]. A row that
/// sees no key has LSE = -inf, entropy 0 and a zero output.
struct ProbeResult {
    std::vector<float> rowLogSumExp;
    std::vector<float> rowEntropy;
};

/// Which implementation runs a call.
enum class Backend { Cpu, Cuda };

/// Computes O = softmax(scale * Q K^T + mask) V for every (batch, query head), with GQA mapping query
/// head h to KV head h / (queryHeads / kvHeads), and fills the requested probe statistics.
/// Thread-safety: reentrant; concurrent calls on distinct outputs are safe.
KernelStatus attention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                       const TensorView& v, const OutputView& out, const ProbeRequest& request,
                       ProbeResult& result, Backend backend = Backend::Cpu);

/// Checks dims and views without running anything; the message names the first bad field.
KernelStatus validateAttention(const AttentionDims& dims, const TensorView& q, const TensorView& k,
                               const TensorView& v, const OutputView& out);

} // namespace attnscope::kernels
