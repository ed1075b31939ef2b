// SPDX-License-Identifier: Apache-2.0
// SHA-256 (FIPS 180-4), incremental, for content hashes of models and inputs in projects.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    /// The digest as 64 lowercase hex digits; the object must not be updated afterwards.
    std::string hexDigest();

private:
    void block(const uint8_t* data);
    std::array<uint32_t, 8> m_state;
    std::array<uint8_t, 64> m_buffer{};
    std::size_t m_buffered = 0;
    uint64_t m_length = 0;
};

/// Convenience: the hex SHA-256 of `text`.
std::string sha256Hex(std::string_view text);

} // namespace attnscope
