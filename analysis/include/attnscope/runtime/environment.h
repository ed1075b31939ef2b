// SPDX-License-Identifier: Apache-2.0
// What the runtime runs on: LibTorch, its BLAS, threads and the kernel backends.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/kernels/backends.h"

#include <string>
#include <vector>

namespace attnscope::runtime {

/// A snapshot of the machine and libraries, for `attnscope-cli info`, the About dialog and reports.
struct Environment {
    std::string attnscopeVersion;
    std::string torchVersion;
    int intraOpThreads = 0;
    /// Resolved path of the BLAS library LibTorch loaded ("" when none is loaded).
    std::string blasLibrary;
    /// True when that BLAS is the netlib reference implementation (about 10x slower than OpenBLAS).
    bool referenceBlas = false;
    std::vector<kernels::BackendInfo> backends;
};

/// Queries LibTorch and the kernels. Never throws.
Expected<Environment> queryEnvironment();

/// Logs a warning, once per process, when LibTorch runs on the reference BLAS (PLATFORM.md: install
/// libopenblas0-pthread). Returns true when it warned.
bool warnIfReferenceBlas(const Environment& environment);

} // namespace attnscope::runtime
