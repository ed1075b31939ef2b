// SPDX-License-Identifier: Apache-2.0
// Any byte string as a needle-prompt file (JSON lines of {"prompt", "answer"}): refuse with a Status
// naming the file and line, or return at least one case.
#include "attnscope/runtime/evaluation.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto cases = attnscope::runtime::parseNeedleCases(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.jsonl");
    if (attnscope::fuzz::refused(cases, "fuzz.jsonl"))
        return 0;
    if (cases->empty())
        __builtin_trap();
    return 0;
}
