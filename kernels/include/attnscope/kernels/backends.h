// SPDX-License-Identifier: Apache-2.0
// What this build and this machine can run: the kernel backend registry.
#pragma once

#include "attnscope/kernels/attention.h"

#include <string>
#include <vector>

namespace attnscope::kernels {

/// One backend as seen at run time.
struct BackendInfo {
    Backend backend = Backend::Cpu;
    std::string name;       ///< "cpu" or "cuda"
    bool compiled = false;  ///< built into this binary
    bool available = false; ///< usable now (for CUDA: a device answered)
    std::string detail;     ///< CPU features, or device names, or why it is unavailable
};

/// Instruction-set extensions of the running CPU that the kernels can use.
struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
};

/// Detects the running CPU's features (cheap; cached after the first call).
const CpuFeatures& cpuFeatures();

/// Lists every backend with its availability. Queries the CUDA runtime when it is compiled in.
std::vector<BackendInfo> listBackends();

} // namespace attnscope::kernels
