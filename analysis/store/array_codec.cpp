// SPDX-License-Identifier: Apache-2.0
#include "array_codec.h"

#include <zlib.h>

#include <cstring>

namespace attnscope::store::detail {

std::vector<uint8_t> compress(const void* data, std::size_t size) {
    uLongf bound = compressBound(static_cast<uLong>(size));
    std::vector<uint8_t> out(8 + bound);
    const uint64_t raw = size;
    for (int i = 0; i < 8; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<uint8_t>(raw >> (8 * i));
    // Level 6: zlib's default balance; arrays are written once and read often.
    ::compress2(out.data() + 8, &bound, static_cast<const Bytef*>(size ? data : ""), static_cast<uLong>(size),
                6);
    out.resize(8 + bound);
    return out;
}

Expected<std::vector<uint8_t>> decompress(const std::vector<uint8_t>& blob) {
    if (blob.size() < 8)
        return Status::parseError("a stored array is shorter than its header (damaged project)");
    uint64_t raw = 0;
    for (int i = 0; i < 8; ++i)
        raw |= static_cast<uint64_t>(blob[static_cast<std::size_t>(i)]) << (8 * i);
    if (raw > (uint64_t(1) << 36))
        return Status::parseError("a stored array claims " + std::to_string(raw) +
                                  " bytes (damaged project)");
    if (raw == 0)
        return std::vector<uint8_t>();
    std::vector<uint8_t> out(raw);
    uLongf size = static_cast<uLongf>(raw);
    const int rc = ::uncompress(out.data(), &size, blob.data() + 8, static_cast<uLong>(blob.size() - 8));
    if (rc != Z_OK || size != raw)
        return Status::parseError("a stored array does not decompress (damaged project)");
    return out;
}

} // namespace attnscope::store::detail
