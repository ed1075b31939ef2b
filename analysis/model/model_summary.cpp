// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/model_summary.h"

#include "attnscope/core/read_file.h"

#include "attnscope/model/gguf.h"
#include "attnscope/model/llama2c.h"
#include "attnscope/model/safetensors.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace attnscope::model {

namespace {

std::string dtypeSpelling(TensorDType dtype) {
    switch (dtype) {
    case TensorDType::F32:
        return "float32";
    case TensorDType::F16:
        return "float16";
    case TensorDType::BF16:
        return "bfloat16";
    case TensorDType::F64:
        return "float64";
    default: {
        std::string name = tensorDTypeName(dtype);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        return name;
    }
    }
}

/// Counts parameters and finds the dominant storage type over `tensors`, skipping names in `skip`.
void countTensors(const std::vector<TensorInfo>& tensors, ModelSummary& summary,
                  std::initializer_list<const char*> skip = {}) {
    std::map<TensorDType, int64_t> byType;
    for (const TensorInfo& tensor : tensors) {
        if (std::any_of(skip.begin(), skip.end(), [&](const char* name) { return tensor.name == name; }))
            continue;
        summary.parameters += tensor.elementCount();
        byType[tensor.dtype] += tensor.elementCount();
        ++summary.tensorCount;
    }
    auto dominant = std::max_element(byType.begin(), byType.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
    summary.dtype = dominant == byType.end() ? std::string("none") : dtypeSpelling(dominant->first);
}

} // namespace

Expected<ModelSummary> summarizeModel(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(ModelProbe probe, probeModelFormat(path));
    ModelSummary summary;
    summary.format = probe.format;
    summary.path = path;
    switch (probe.format) {
    case ModelFormat::HuggingFaceDirectory: {
        const std::string configPath = (std::filesystem::path(path) / "config.json").string();
        ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(configPath));
        ATTNSCOPE_ASSIGN_OR_RETURN(summary.config, parseHfConfig(text, configPath));
        ATTNSCOPE_ASSIGN_OR_RETURN(SafetensorsWeights weights, readSafetensorsDirectory(path));
        countTensors(weights.tensors, summary);
        break;
    }
    case ModelFormat::Gguf: {
        ATTNSCOPE_ASSIGN_OR_RETURN(GgufFile gguf, readGguf(path));
        ATTNSCOPE_ASSIGN_OR_RETURN(summary.config, configFromGguf(gguf, path));
        countTensors(gguf.tensors, summary);
        break;
    }
    case ModelFormat::Llama2c: {
        ATTNSCOPE_ASSIGN_OR_RETURN(Llama2cCheckpoint checkpoint, readLlama2c(path));
        summary.config = configFromLlama2c(checkpoint.config);
        // RoPE tables are not parameters; a shared classifier is the embedding counted once.
        if (checkpoint.config.sharedClassifier)
            countTensors(checkpoint.tensors, summary, {"freq_cis_real", "freq_cis_imag", "wcls"});
        else
            countTensors(checkpoint.tensors, summary, {"freq_cis_real", "freq_cis_imag"});
        break;
    }
    }
    return summary;
}

} // namespace attnscope::model
