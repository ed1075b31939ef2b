// SPDX-License-Identifier: Apache-2.0
// Any byte string as a .npy image: refuse with a Status naming the file, or return an array whose shape's
// product is exactly its value count (the reader never allocates more than the image holds).
#include "attnscope/io/npy.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto array = attnscope::io::parseNpyFloat32(std::string_view(reinterpret_cast<const char*>(data), size),
                                                "fuzz.npy");
    if (attnscope::fuzz::refused(array, "fuzz.npy"))
        return 0;
    std::size_t count = 1;
    for (int64_t dim : array->shape) {
        if (dim < 0)
            __builtin_trap();
        count *= static_cast<std::size_t>(dim);
    }
    if (count != array->values.size() || array->values.size() * 4 > size)
        __builtin_trap();
    return 0;
}
