// SPDX-License-Identifier: Apache-2.0
// Built instead of the .cu files when CUDA is off, so callers need no #ifdefs.
#include "attnscope/kernels/attention.h"
#include "attnscope/kernels/cuda_backend.h"

namespace attnscope::kernels::cuda {

namespace {
KernelStatus notBuilt() {
    return KernelStatus::unsupported("CUDA: this build has no CUDA kernels (configure with nvcc "
                                     "available and ATTNSCOPE_CUDA=AUTO or ON)");
}
} // namespace

bool compiledWithCuda() {
    return false;
}
KernelStatus deviceCount(int& count) {
    count = 0;
    return notBuilt();
}
KernelStatus deviceNames(std::vector<std::string>& names) {
    names.clear();
    return notBuilt();
}
KernelStatus axpy(float, const float*, float*, std::size_t) {
    return notBuilt();
}
bool notComputedOnCudaYet(const KernelStatus&) {
    return false;
}
KernelStatus timeAttention(const AttentionDims&, const TensorView&, const TensorView&, const TensorView&,
                           const ProbeRequest&, int, std::vector<double>& seconds, std::size_t& deviceBytes) {
    seconds.clear();
    deviceBytes = 0;
    return notBuilt();
}

} // namespace attnscope::kernels::cuda

namespace attnscope::kernels {

KernelStatus attentionCuda(const AttentionDims&, const TensorView&, const TensorView&, const TensorView&,
                           const OutputView&, const ProbeRequest&, ProbeResult&) {
    return cuda::notBuilt();
}

} // namespace attnscope::kernels
