// SPDX-License-Identifier: Apache-2.0
#include "process.h"

#include <cstdio>
#include <sys/wait.h>

namespace attnscope::test {

ProcessResult runProcess(const std::string& command, bool mergeStderr) {
    ProcessResult result;
    FILE* pipe = popen((command + (mergeStderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    if (!pipe)
        return result;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

} // namespace attnscope::test
