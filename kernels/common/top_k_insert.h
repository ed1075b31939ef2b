// SPDX-License-Identifier: Apache-2.0
// K6's running top-k, shared by the CPU and CUDA backends so that both keep the same keys in the same
// order: descending logit, and among equal logits the key inserted first (keys arrive in ascending order,
// so the lower key) — only a strictly larger logit moves ahead.
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define ATTNSCOPE_HOST_DEVICE __host__ __device__
#else
#define ATTNSCOPE_HOST_DEVICE
#endif

namespace attnscope::kernels {

/// Inserts (logit, key) into the sorted lists logits[0..k) / keys[0..k) when it beats the last entry.
ATTNSCOPE_HOST_DEVICE inline void insertTopK(float logit, int32_t key, float* logits, int32_t* keys, int k) {
    if (!(logit > logits[k - 1]))
        return;
    int at = k - 1;
    while (at > 0 && logits[at - 1] < logit) {
        logits[at] = logits[at - 1];
        keys[at] = keys[at - 1];
        --at;
    }
    logits[at] = logit;
    keys[at] = key;
}

} // namespace attnscope::kernels
