// SPDX-License-Identifier: Apache-2.0
// Any byte string as a GGUF image: parse or refuse with a Status; accepted tensors lie inside the input
// and dequantize without error.
#include "attnscope/model/gguf.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    auto gguf = attnscope::model::parseGguf(bytes, size, "fuzz.gguf");
    if (!gguf) {
        if (gguf.status().file() != "fuzz.gguf")
            __builtin_trap();
        return 0;
    }
    for (const auto& tensor : gguf->tensors) {
        if (tensor.data < bytes || tensor.data + tensor.byteSize > bytes + size)
            __builtin_trap();
        if (attnscope::model::isFloatConvertible(tensor.dtype) && tensor.elementCount() <= (1 << 16)) {
            std::vector<float> out(static_cast<std::size_t>(tensor.elementCount()));
            if (!attnscope::model::dequantizeToFloat(tensor, out.data()).isOk())
                __builtin_trap();
        }
    }
    return 0;
}
