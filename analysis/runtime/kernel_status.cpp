// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/kernel_status.h"

namespace attnscope::runtime {

Status statusFromKernel(const kernels::KernelStatus& status, std::string_view what) {
    using kernels::KernelStatusCode;
    StatusCode code = StatusCode::Ok;
    switch (status.code) {
    case KernelStatusCode::Ok:
        return Status::ok();
    case KernelStatusCode::InvalidArgument:
        code = StatusCode::InvalidArgument;
        break;
    case KernelStatusCode::Unsupported:
        code = StatusCode::Unsupported;
        break;
    case KernelStatusCode::DeviceError:
        code = StatusCode::DeviceError;
        break;
    case KernelStatusCode::OutOfMemory:
        code = StatusCode::OutOfMemory;
        break;
    }
    return Status::error(code, status.message).context(what);
}

} // namespace attnscope::runtime
