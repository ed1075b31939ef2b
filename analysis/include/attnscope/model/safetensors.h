// SPDX-License-Identifier: Apache-2.0
// safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor bytes.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/model/mapped_file.h"
#include "attnscope/model/tensor_info.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attnscope::model {

/// The parsed header of one safetensors file. TensorInfo::data points into the bytes it was parsed
/// from (the mapped file below when read with readSafetensors).
struct SafetensorsHeader {
    std::vector<TensorInfo> tensors;             ///< in header order
    std::map<std::string, std::string> metadata; ///< the optional "__metadata__" string map
};

/// Parses and validates a whole safetensors image: header length within the file, JSON well-formed
/// (valid UTF-8), known dtypes, sane shapes, data offsets inside the data section and consistent with
/// shape and dtype. Errors name `name` and the field ("model.embed.weight.data_offsets").
Expected<SafetensorsHeader> parseSafetensors(const std::byte* data, uint64_t size, const std::string& name);

/// A set of tensors backed by one or more mapped files (single file or a sharded checkpoint).
struct SafetensorsWeights {
    std::vector<std::shared_ptr<MappedFile>> files;
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
    /// The tensor called `name`, or null.
    const TensorInfo* find(const std::string& name) const;
};

/// Memory-maps one .safetensors file (nothing is copied: pages load on first use).
Expected<SafetensorsWeights> readSafetensors(const std::string& path);

/// Opens the weights of a Hugging Face directory: model.safetensors, or every shard named by
/// model.safetensors.index.json (each tensor must be in the shard the index names).
Expected<SafetensorsWeights> readSafetensorsDirectory(const std::string& directory);

} // namespace attnscope::model
