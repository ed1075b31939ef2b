// SPDX-License-Identifier: Apache-2.0
// Any byte string as a DuoAttention gate file: refuse with a Status naming the file, or return a
// rectangular table of gates in [0, 1].
#include "attnscope/analyses/duo.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto gates = attnscope::analyses::parseDuoGates(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.tsv");
    if (attnscope::fuzz::refused(gates, "fuzz.tsv"))
        return 0;
    if (gates->empty())
        __builtin_trap();
    for (const auto& row : *gates) {
        if (row.size() != gates->front().size())
            __builtin_trap();
        for (double gate : row)
            if (!(gate >= 0.0 && gate <= 1.0))
                __builtin_trap();
    }
    return 0;
}
