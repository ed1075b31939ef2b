// SPDX-License-Identifier: Apache-2.0
// The largest absolute difference between two equally long vectors (a size mismatch fails the test), for
// comparing the runtime's fp32 results with references.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace attnscope::test {

template <typename A, typename B>
double maxAbsDiff(const std::vector<A>& a, const std::vector<B>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    return worst;
}

} // namespace attnscope::test
