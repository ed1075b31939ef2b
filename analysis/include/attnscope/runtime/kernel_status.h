// SPDX-License-Identifier: Apache-2.0
// Bridge from the kernels' status values to the core's Status.
#pragma once

#include "attnscope/core/status.h"
#include "attnscope/kernels/kernel_status.h"

namespace attnscope::runtime {

/// Converts a kernel result, keeping its message; `what` says which call it was ("layer 3 attention").
Status statusFromKernel(const kernels::KernelStatus& status, std::string_view what = {});

} // namespace attnscope::runtime
