// SPDX-License-Identifier: Apache-2.0
#include "attnscope/kernels/backends.h"
#include "attnscope/kernels/cuda_backend.h"

namespace attnscope::kernels {

const CpuFeatures& cpuFeatures() {
    static const CpuFeatures features = [] {
        CpuFeatures detected;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        detected.avx2 = __builtin_cpu_supports("avx2");
        detected.fma = __builtin_cpu_supports("fma");
        detected.avx512f = __builtin_cpu_supports("avx512f");
#endif
        return detected;
    }();
    return features;
}

std::vector<BackendInfo> listBackends() {
    std::vector<BackendInfo> backends;

    const CpuFeatures& features = cpuFeatures();
    std::string isa = "scalar";
    if (features.avx512f)
        isa = "avx512f";
    else if (features.avx2)
        isa = features.fma ? "avx2+fma" : "avx2";
    backends.push_back({Backend::Cpu, "cpu", true, true, "CPU features: " + isa});

    BackendInfo gpu{Backend::Cuda, "cuda", cuda::compiledWithCuda(), false, {}};
    int count = 0;
    KernelStatus status = cuda::deviceCount(count);
    if (!status.ok()) {
        gpu.detail = status.message;
    } else if (count == 0) {
        gpu.detail = status.message.empty() ? "no CUDA device" : status.message;
    } else {
        std::vector<std::string> names;
        cuda::deviceNames(names);
        gpu.available = true;
        for (std::size_t i = 0; i < names.size(); ++i)
            gpu.detail += (i ? ", " : "") + names[i];
    }
    backends.push_back(gpu);
    return backends;
}

} // namespace attnscope::kernels
