// SPDX-License-Identifier: Apache-2.0
// A loaded model: its configuration and weights, ready for forward passes. LibTorch stays inside.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/core/progress.h"
#include "attnscope/model/model_summary.h"

#include <memory>
#include <string>

namespace attnscope::runtime {

struct ModelWeights; // LibTorch tensors, defined in analysis/runtime (never in public headers)

/// The type the weight matrices (projections, MLP, embeddings, LM head) are kept and multiplied in.
enum class WeightPrecision {
    F32,  ///< exact: the model's numbers as the file stores them, computed in fp32
    BF16, ///< half the memory of fp32: bf16 matrices (BF16 files used in place), bf16 GEMMs with fp32
          ///< results; activations, norms, biases, attention and its statistics stay fp32
};

struct LoadOptions {
    WeightPrecision matrices = WeightPrecision::F32;
};

/// "f32" / "bf16", as the CLI's --weights takes them.
const char* weightPrecisionName(WeightPrecision precision);

/// An immutable loaded model. Weights that are stored as fp32 in a mapped file are used in place
/// (zero-copy); others are converted to fp32 once, at load (or, with WeightPrecision::BF16, the matrices
/// to bf16, BF16 ones used in place). Thread-safety: immutable after load; forward
/// passes on one model may run concurrently.
class Model {
public:
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    /// Opens the model at `path` (HF directory, .gguf, llama2.c .bin). Checks the memory the converted
    /// weights need against the memory available before allocating, and refuses with a clear message
    /// when it would not fit. Reports progress per tensor; cancellable.
    static Expected<std::shared_ptr<Model>> load(const std::string& path, const Progress& progress = {});
    static Expected<std::shared_ptr<Model>> load(const std::string& path, const LoadOptions& options,
                                                 const Progress& progress = {});

    const model::ModelSummary& summary() const { return m_summary; }
    const model::ModelConfig& config() const { return m_summary.config; }
    /// Bytes allocated for converted weights (0 when every weight is used in place).
    uint64_t convertedBytes() const { return m_convertedBytes; }
    WeightPrecision matrices() const { return m_matrices; }

    /// Internal: the runtime's view of the weights.
    const ModelWeights& weights() const { return *m_weights; }

private:
    Model() = default;
    model::ModelSummary m_summary;
    std::unique_ptr<ModelWeights> m_weights;
    uint64_t m_convertedBytes = 0;
    WeightPrecision m_matrices = WeightPrecision::F32;
};

/// Memory the process could still allocate, from /proc/meminfo's MemAvailable (0 when unknown).
uint64_t availableMemoryBytes();

} // namespace attnscope::runtime
