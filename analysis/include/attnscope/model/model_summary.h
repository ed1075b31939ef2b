// SPDX-License-Identifier: Apache-2.0
// What `attnscope-cli info MODEL` and the studio's model panel show: format, architecture, size.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/model/model_config.h"
#include "attnscope/model/model_format.h"

#include <cstdint>
#include <string>

namespace attnscope::model {

struct ModelSummary {
    ModelFormat format = ModelFormat::HuggingFaceDirectory;
    std::string path;
    ModelConfig config;
    int64_t parameters = 0; ///< elements of every weight tensor (tied tensors once)
    std::string dtype;      ///< storage type holding most parameters: "float32", "bfloat16", "q4_k", ...
    int64_t tensorCount = 0;
};

/// Opens the model's config and weights (memory-mapped, nothing is read but headers) and summarises
/// them. Errors name the file and field at fault.
Expected<ModelSummary> summarizeModel(const std::string& path);

} // namespace attnscope::model
