// SPDX-License-Identifier: Apache-2.0
// Status values returned by every kernel entry point.
#pragma once

#include <string>
#include <utility>

namespace attnscope::kernels {

/// Why a kernel call failed. Kernels never throw and never abort: a GUI process must survive a
/// bad shape or a missing GPU.
enum class KernelStatusCode {
    Ok,
    InvalidArgument, ///< shapes, strides or parameters that cannot describe a valid call
    Unsupported,     ///< a valid request this build or device cannot execute (dtype, head dim, no CUDA)
    DeviceError,     ///< the CUDA runtime reported an error
    OutOfMemory,     ///< an allocation failed
};

/// Result of a kernel call: a code and, on failure, a message naming the offending field.
/// `analysis` converts it into its own Status (kernels do not depend on analysis).
struct KernelStatus {
    KernelStatusCode code = KernelStatusCode::Ok;
    std::string message;

    bool ok() const { return code == KernelStatusCode::Ok; }
    static KernelStatus success() { return {}; }
    static KernelStatus invalid(std::string message) {
        return {KernelStatusCode::InvalidArgument, std::move(message)};
    }
    static KernelStatus unsupported(std::string message) {
        return {KernelStatusCode::Unsupported, std::move(message)};
    }
    static KernelStatus device(std::string message) {
        return {KernelStatusCode::DeviceError, std::move(message)};
    }
};

} // namespace attnscope::kernels
