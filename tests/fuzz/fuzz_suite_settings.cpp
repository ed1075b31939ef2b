// SPDX-License-Identifier: Apache-2.0
// Any byte string as an analysis settings file (`analyze --settings`, the studio's Load…): refuse with a
// Status naming the file and leave the options as they were, or accept; what is accepted must survive
// its own round trip (suiteSettingsToJson of the result is accepted again and gives the same JSON).
#include "attnscope/analyses/suite_settings.h"
#include "refusal_checks.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace attnscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto json = analyses::parseSuiteSettings(std::string_view(reinterpret_cast<const char*>(data), size),
                                             "fuzz.json");
    if (fuzz::refused(json, "fuzz.json"))
        return 0;
    analyses::SuiteOptions options;
    const nlohmann::json before = analyses::suiteSettingsToJson(options);
    const Status status = analyses::applySuiteSettings(*json, options, "fuzz.json");
    const nlohmann::json after = analyses::suiteSettingsToJson(options);
    if (!status.isOk()) {
        if (status.file() != "fuzz.json" || after != before)
            __builtin_trap();
        return 0;
    }
    analyses::SuiteOptions again;
    if (!analyses::applySuiteSettings(after, again, "again.json").isOk() ||
        analyses::suiteSettingsToJson(again) != after)
        __builtin_trap();
    return 0;
}
