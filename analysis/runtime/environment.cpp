// SPDX-License-Identifier: Apache-2.0
// Environment queries. The only translation unit of this kind that includes ATen: keep it narrow.
#include "attnscope/runtime/environment.h"

#include "attnscope/core/log.h"
#include "attnscope/version.h"
#include "torch_guard.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <link.h>

namespace attnscope::runtime {

namespace {

/// Finds the BLAS shared object in this process's link map and resolves symlinks (Debian selects
/// libblas.so.3 through /etc/alternatives, so the soname alone does not say which one it is).
std::string loadedBlasLibrary() {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            const std::string_view name = info->dlpi_name ? info->dlpi_name : "";
            if (name.find("libblas.so") == std::string_view::npos &&
                name.find("libopenblas") == std::string_view::npos &&
                name.find("libmkl_rt") == std::string_view::npos)
                return 0;
            char resolved[PATH_MAX];
            auto* out = static_cast<std::string*>(data);
            *out = realpath(info->dlpi_name, resolved) ? resolved : std::string(name);
            return 1;
        },
        &found);
    return found;
}

bool isReferenceBlas(const std::string& path) {
    if (path.empty())
        return false;
    // Debian's netlib BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/ and MKL in libmkl.
    return path.find("openblas") == std::string::npos && path.find("mkl") == std::string::npos &&
           path.find("/blas/") != std::string::npos;
}

} // namespace

Expected<Environment> queryEnvironment() {
    Environment environment;
    environment.attnscopeVersion = ATTNSCOPE_VERSION_STRING;
    environment.torchVersion = TORCH_VERSION;
    Status status =
        guardTorch("querying LibTorch threads", [&] { environment.intraOpThreads = at::get_num_threads(); });
    if (!status.isOk())
        return status;
    environment.blasLibrary = loadedBlasLibrary();
    environment.referenceBlas = isReferenceBlas(environment.blasLibrary);
    environment.backends = kernels::listBackends();
    return environment;
}

bool warnIfReferenceBlas(const Environment& environment) {
    static std::atomic<bool> warned{false};
    if (!environment.referenceBlas || warned.exchange(true))
        return false;
    log::warning("runtime", "LibTorch is using the reference BLAS (" + environment.blasLibrary +
                                "): matrix products run about 10x slower. Install libopenblas0-pthread "
                                "(scripts/setup does) to fix this.");
    return true;
}

} // namespace attnscope::runtime
