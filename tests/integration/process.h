// SPDX-License-Identifier: Apache-2.0
// Runs a command line and captures its output (tests only).
#pragma once

#include <string>

namespace attnscope::test {

struct ProcessResult {
    int exitCode = -1;
    std::string output; ///< stdout
};

/// Runs `command` through /bin/sh; stderr goes to stdout when `mergeStderr`.
ProcessResult runProcess(const std::string& command, bool mergeStderr = false);

} // namespace attnscope::test
