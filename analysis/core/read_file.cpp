// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/read_file.h"

#include <fstream>
#include <sstream>

namespace attnscope {

Expected<std::string> readWholeFile(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status::notFound("cannot open").inFile(path);
    std::stringstream buffer;
    buffer << file.rdbuf();
    if (file.bad())
        return Status::ioError("read failed").inFile(path);
    return buffer.str();
}

} // namespace attnscope
