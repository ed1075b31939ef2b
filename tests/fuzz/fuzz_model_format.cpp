// SPDX-License-Identifier: Apache-2.0
// Any file prefix and size as a model header: recognise it or refuse it with a Status, never crash.
#include "attnscope/model/model_format.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < sizeof(uint64_t))
        return 0;
    // The first 8 bytes choose the claimed file size (at least the prefix length).
    uint64_t claimed;
    std::memcpy(&claimed, data, sizeof claimed);
    data += sizeof claimed;
    size -= sizeof claimed;
    const uint64_t fileSize = size + (claimed % (uint64_t(1) << 40));
    auto probe = attnscope::model::probeModelBytes(data, size, fileSize, "fuzz.bin");
    (void)attnscope::fuzz::refused(probe, "fuzz.bin"); // every refusal names the file
    return 0;
}
