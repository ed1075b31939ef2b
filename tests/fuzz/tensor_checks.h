// SPDX-License-Identifier: Apache-2.0
// What every accepted model-file image must satisfy, shared by the safetensors and GGUF fuzz targets.
#pragma once

#include "attnscope/model/tensor_info.h"

#include <cstddef>
#include <vector>

namespace attnscope::fuzz {

/// Traps unless every tensor's bytes lie inside [bytes, bytes + size) and every float-convertible
/// tensor (up to 2^16 elements) converts without error: the parser vouched for their sizes.
inline void checkAcceptedTensors(const std::vector<model::TensorInfo>& tensors, const std::byte* bytes,
                                 std::size_t size) {
    for (const auto& tensor : tensors) {
        if (tensor.data < bytes || tensor.data + tensor.byteSize > bytes + size)
            __builtin_trap();
        if (model::isFloatConvertible(tensor.dtype) && tensor.elementCount() <= (1 << 16)) {
            std::vector<float> out(static_cast<std::size_t>(tensor.elementCount()));
            if (!model::dequantizeToFloat(tensor, out.data()).isOk())
                __builtin_trap();
        }
    }
}

} // namespace attnscope::fuzz
