// SPDX-License-Identifier: Apache-2.0
// The sparse-attention options of `evaluate`: StreamingLLM's attention (--streaming-window), a FlexPrefill
// prefill (--sparse-prefill) and a SnapKV cache (--kv-policy), each with its parameters, as runtime
// interventions (runtime/interventions.h).
#pragma once

#include "attnscope/analyses/sparsity.h"
#include "attnscope/core/expected.h"
#include "attnscope/runtime/interventions.h"

#include <CLI/CLI.hpp>

#include <string>

namespace attnscope::cli {

struct SparseAttentionOptions {
    int streamingWindow = 0; ///< 0: no StreamingLLM attention
    int streamingSinks = 4;
    std::string sparsePrefill; ///< "" or "flexprefill"
    analyses::SparsityParameters flex;
    std::string kvPolicy; ///< "" or "snapkv"
    int snapCapacity = 1024, snapWindow = 32, snapKernel = 5;
    bool snapMaxPool = false;
    /// Set by addSparseAttentionOptions: the parameter options, to refuse them without their method.
    std::vector<const CLI::Option*> streamingParameters, flexParameters, snapParameters;

    bool any() const { return streamingWindow > 0 || !sparsePrefill.empty() || !kvPolicy.empty(); }
};

/// Adds the options to `command`.
void addSparseAttentionOptions(CLI::App& command, SparseAttentionOptions& options);

/// Refuses a method's parameters without the method, naming the option.
Status checkSparseAttentionSyntax(const SparseAttentionOptions& options);

/// Sets the chosen methods on `interventions` (checked later with the others by checkInterventions).
void applySparseAttention(const SparseAttentionOptions& options, runtime::Interventions& interventions);

} // namespace attnscope::cli
