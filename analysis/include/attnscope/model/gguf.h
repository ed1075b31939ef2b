// SPDX-License-Identifier: Apache-2.0
// GGUF (llama.cpp's model format), versions 2 and 3: metadata, tensor infos and aligned tensor data.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/model/mapped_file.h"
#include "attnscope/model/tensor_info.h"

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace attnscope::model {

/// GGUF metadata value types (gguf.h numbering).
enum class GgufType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

/// "uint32", "string", "array", ...
const char* ggufTypeName(GgufType type);

/// One metadata value: a scalar, a string, or an array of values of one type.
struct GgufValue {
    GgufType type = GgufType::UInt8;
    std::variant<uint64_t, int64_t, double, bool, std::string> scalar;
    GgufType elementType = GgufType::UInt8; ///< arrays only
    std::vector<GgufValue> array;           ///< arrays only

    bool isInteger() const;
    bool isNumber() const;
    /// Integer types (and bool) as int64; nullopt for other types or out-of-range uint64.
    std::optional<int64_t> toInt() const;
    /// Any numeric type as double.
    std::optional<double> toDouble() const;
    /// Strings only.
    const std::string* toString() const;
};

/// A parsed GGUF file. Tensor data pointers point into `file` (or the parsed buffer).
struct GgufFile {
    uint32_t version = 0;
    uint64_t alignment = 32;
    uint64_t dataOffset = 0; ///< where the tensor data section starts
    std::map<std::string, GgufValue> metadata;
    std::vector<TensorInfo> tensors; ///< shapes in row-major order (ggml's ne[] reversed)
    std::shared_ptr<MappedFile> file;

    const GgufValue* find(const std::string& key) const;
    const TensorInfo* findTensor(const std::string& name) const;
    /// general.architecture ("llama", "qwen2", ...), or "" when absent.
    std::string architecture() const;
};

/// Parses a whole GGUF image. Every count and length is checked against the bytes that remain before
/// anything is allocated; errors name `name` and the key, tensor or header field.
Expected<GgufFile> parseGguf(const std::byte* data, uint64_t size, const std::string& name);

/// Memory-maps and parses a .gguf file.
Expected<GgufFile> readGguf(const std::string& path);

} // namespace attnscope::model
