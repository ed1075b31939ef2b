// SPDX-License-Identifier: Apache-2.0
// Any bytes as a Hugging Face config.json: a model configuration or a Status naming the file, never a
// crash (key types, nulls, huge and negative sizes, rope_scaling / rope_parameters objects).
#include "attnscope/model/model_config.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = attnscope::model::parseHfConfig(text, "config.json");
    (void)attnscope::fuzz::refused(config, "config.json"); // every refusal names the file
    return 0;
}
