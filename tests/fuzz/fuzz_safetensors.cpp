// SPDX-License-Identifier: Apache-2.0
// Any byte string as a safetensors image: parse or refuse with a Status; every accepted tensor's bytes
// must lie inside the input and be readable as floats when its dtype allows.
#include "attnscope/model/safetensors.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    auto header = attnscope::model::parseSafetensors(bytes, size, "fuzz.safetensors");
    if (!header) {
        if (header.status().file() != "fuzz.safetensors")
            __builtin_trap();
        return 0;
    }
    for (const auto& tensor : header->tensors) {
        if (tensor.data < bytes || tensor.data + tensor.byteSize > bytes + size)
            __builtin_trap();
        if (attnscope::model::isFloatConvertible(tensor.dtype) && tensor.elementCount() <= (1 << 16)) {
            std::vector<float> out(static_cast<std::size_t>(tensor.elementCount()));
            if (!attnscope::model::dequantizeToFloat(tensor, out.data()).isOk())
                __builtin_trap(); // the parser guaranteed a consistent size
        }
    }
    return 0;
}
