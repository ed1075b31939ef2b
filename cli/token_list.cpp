// SPDX-License-Identifier: Apache-2.0
#include "token_list.h"

#include <climits>
#include <cstdlib>

namespace attnscope::cli {

Expected<std::vector<int32_t>> parseTokenList(const std::string& text, const std::string& option) {
    std::vector<int32_t> ids;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        char* end = nullptr;
        const long value = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || value < 0 || value > INT32_MAX)
            return Status::invalidArgument("'" + item + "' is not a token id").atField(option);
        ids.push_back(static_cast<int32_t>(value));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return ids;
}

} // namespace attnscope::cli
