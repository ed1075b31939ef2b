// SPDX-License-Identifier: Apache-2.0
// zlib compression of stored blobs: [uint64 little-endian raw size][deflate stream].
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <vector>

namespace attnscope::store::detail {

std::vector<uint8_t> compress(const void* data, std::size_t size);
/// Errors when the blob is not one compress() wrote (damaged project).
Expected<std::vector<uint8_t>> decompress(const std::vector<uint8_t>& blob);

} // namespace attnscope::store::detail
