// SPDX-License-Identifier: Apache-2.0
// Any byte string as a safetensors image: parse or refuse with a Status; every accepted tensor's bytes
// must lie inside the input and be readable as floats when its dtype allows.
#include "attnscope/model/safetensors.h"

#include "refusal_checks.h"
#include "tensor_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    auto header = attnscope::model::parseSafetensors(bytes, size, "fuzz.safetensors");
    if (attnscope::fuzz::refused(header, "fuzz.safetensors"))
        return 0;
    attnscope::fuzz::checkAcceptedTensors(header->tensors, bytes, size);
    return 0;
}
