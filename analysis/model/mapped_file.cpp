// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnscope::model {

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_data(other.m_data), m_size(other.m_size) {
    other.m_data = nullptr;
    other.m_size = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        if (m_data)
            munmap(const_cast<std::byte*>(m_data), m_size);
        m_path = std::move(other.m_path);
        m_data = other.m_data;
        m_size = other.m_size;
        other.m_data = nullptr;
        other.m_size = 0;
    }
    return *this;
}

MappedFile::~MappedFile() {
    if (m_data)
        munmap(const_cast<std::byte*>(m_data), m_size);
}

Expected<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return (errno == ENOENT ? Status::notFound("no such file")
                                : Status::ioError(std::string("cannot open: ") + std::strerror(errno)))
            .inFile(path);
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return Status::ioError("not a regular file").inFile(path);
    }
    MappedFile file;
    file.m_path = path;
    file.m_size = static_cast<uint64_t>(info.st_size);
    if (file.m_size > 0) {
        void* address = mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (address == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            return Status::ioError(std::string("cannot memory-map: ") + std::strerror(error)).inFile(path);
        }
        file.m_data = static_cast<const std::byte*>(address);
    }
    ::close(fd); // the mapping keeps the file alive
    return file;
}

} // namespace attnscope::model
