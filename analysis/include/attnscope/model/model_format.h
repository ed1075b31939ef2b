// SPDX-License-Identifier: Apache-2.0
// Recognising what a model path holds before loading it.
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <string>

namespace attnscope::model {

enum class ModelFormat {
    HuggingFaceDirectory, ///< config.json + safetensors (single or sharded)
    Gguf,                 ///< llama.cpp's GGUF v2/v3
    Llama2c,              ///< llama2.c checkpoint: 7 int32 header + fp32 weights
};

/// "hf", "gguf", "llama2c".
const char* modelFormatName(ModelFormat format);

/// What probing found: the format and a one-line human summary.
struct ModelProbe {
    ModelFormat format = ModelFormat::HuggingFaceDirectory;
    std::string path;
    std::string summary; ///< e.g. "GGUF v3: 291 tensors, 24 metadata entries"
    uint32_t formatVersion = 0;
};

/// Reads only headers (a few bytes) to recognise the format. Pickle checkpoints (pytorch_model.bin,
/// *.pt, *.pth) are refused: unpickling can execute code, and the message says how to convert them
/// to safetensors. Every error names the path and, where it applies, the header field.
Expected<ModelProbe> probeModelFormat(const std::string& path);

/// The same recognition on an in-memory file prefix (used by the fuzz target and by tests);
/// `fileSize` is the whole file's size, `name` appears in messages.
Expected<ModelProbe> probeModelBytes(const unsigned char* data, std::size_t size, uint64_t fileSize,
                                     const std::string& name);

} // namespace attnscope::model
