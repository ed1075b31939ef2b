// SPDX-License-Identifier: Apache-2.0
// Any byte string as a plugin manifest: must parse or fail with a Status, never crash or hang.
#include "attnscope/plugin/manifest.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto manifest = attnscope::plugin::parseManifest(text, "fuzz.json");
    (void)attnscope::fuzz::refused(manifest, "fuzz.json"); // every refusal names the file
    return 0;
}
