// SPDX-License-Identifier: Apache-2.0
// Read-only memory-mapped files: weights are paged in on first use, never copied at open.
#pragma once

#include "attnscope/core/expected.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace attnscope::model {

/// A whole file mapped read-only. Movable, not copyable; unmaps on destruction.
/// Thread-safety: the bytes are immutable; share the object (e.g. in a shared_ptr) across threads.
class MappedFile {
public:
    MappedFile() = default;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    /// Maps `path`. An empty file maps to size 0 with a null data pointer.
    static Expected<MappedFile> open(const std::string& path);

    const std::byte* data() const { return m_data; }
    uint64_t size() const { return m_size; }
    const std::string& path() const { return m_path; }

    /// True when [offset, offset + length) lies inside the file (overflow-safe).
    bool contains(uint64_t offset, uint64_t length) const {
        return offset <= m_size && length <= m_size - offset;
    }

private:
    std::string m_path;
    const std::byte* m_data = nullptr;
    uint64_t m_size = 0;
};

} // namespace attnscope::model
