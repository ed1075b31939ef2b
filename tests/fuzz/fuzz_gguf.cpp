// SPDX-License-Identifier: Apache-2.0
// Any byte string as a GGUF image: parse or refuse with a Status; accepted tensors lie inside the input
// and dequantize without error.
#include "attnscope/model/gguf.h"

#include "refusal_checks.h"
#include "tensor_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    auto gguf = attnscope::model::parseGguf(bytes, size, "fuzz.gguf");
    if (attnscope::fuzz::refused(gguf, "fuzz.gguf"))
        return 0;
    attnscope::fuzz::checkAcceptedTensors(gguf->tensors, bytes, size);
    return 0;
}
