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

/// An immutable loaded model. Weights that are stored as fp32 in a mapped file are used in place
/// (zero-copy); others are converted to fp32 once, at load. Thread-safety: immutable after load; forward
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

    const model::ModelSummary& summary() const { return m_summary; }
    const model::ModelConfig& config() const { return m_summary.config; }
    /// Bytes allocated for converted weights (0 when every weight is used in place).
    uint64_t convertedBytes() const { return m_convertedBytes; }

    /// Internal: the runtime's view of the weights.
    const ModelWeights& weights() const { return *m_weights; }

private:
    Model() = default;
    model::ModelSummary m_summary;
    std::unique_ptr<ModelWeights> m_weights;
    uint64_t m_convertedBytes = 0;
};

/// Memory the process could still allocate, from /proc/meminfo's MemAvailable (0 when unknown).
uint64_t availableMemoryBytes();

} // namespace attnscope::runtime
