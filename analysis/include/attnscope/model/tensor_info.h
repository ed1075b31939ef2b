// SPDX-License-Identifier: Apache-2.0
// Tensors as stored in model files: element type, shape and a view of the mapped bytes.
#pragma once

#include "attnscope/core/status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::model {

/// Storage types of weights across safetensors, GGUF and llama2.c. Quantized GGUF types are block
/// formats: `blockSize` elements share `blockBytes` bytes.
enum class TensorDType { F32, F16, BF16, F64, I8, I16, I32, I64, U8, Bool, Q4_0, Q8_0, Q4_K, Q6_K };

/// "F32", "Q4_K", ... (safetensors / ggml spelling).
const char* tensorDTypeName(TensorDType dtype);

/// Elements per block and bytes per block (1 element and its size for plain types).
struct BlockLayout {
    uint64_t blockSize = 1;
    uint64_t blockBytes = 4;
};
BlockLayout blockLayout(TensorDType dtype);

/// Whether dequantizeToFloat() can convert this type.
bool isFloatConvertible(TensorDType dtype);

/// One stored tensor. `shape` is row-major (the last dimension varies fastest), as in PyTorch; GGUF's
/// ggml order is reversed on reading. `data` points into a mapped file owned by the reader.
struct TensorInfo {
    std::string name;
    TensorDType dtype = TensorDType::F32;
    std::vector<int64_t> shape;
    const std::byte* data = nullptr;
    uint64_t byteSize = 0;

    int64_t elementCount() const;
};

/// Bytes a tensor of `dtype` with `elements` elements occupies; nullopt when `elements` is not a whole
/// number of blocks or the size overflows.
std::optional<uint64_t> storageBytes(TensorDType dtype, uint64_t elements);

/// Converts `tensor` to fp32 in `out` (elementCount() floats). Quantized blocks are dequantized as
/// ggml does. Errors name the tensor.
Status dequantizeToFloat(const TensorInfo& tensor, float* out);

} // namespace attnscope::model
