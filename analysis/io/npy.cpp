// SPDX-License-Identifier: Apache-2.0
#include "attnscope/io/npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace attnscope::io {

/// The longest header read (numpy writes a few hundred bytes).
constexpr uint32_t kMaxNpyHeader = 1u << 20;

Status writeNpyFloat32(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<float>& values) {
    int64_t count = 1;
    std::string shapeText = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        count *= shape[i];
        shapeText +=
            std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
    }
    shapeText += ")";
    if (count != static_cast<int64_t>(values.size()))
        return Status::invalidArgument("shape holds " + std::to_string(count) + " values but " +
                                       std::to_string(values.size()) + " were given")
            .inFile(path);
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
    // magic (6) + version (2) + header length (2) + header + '\n' is padded to a multiple of 64.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    const std::string temporary = path + ".partial";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file)
            return Status::ioError("cannot create the file").inFile(path);
        const unsigned char preamble[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        const auto headerLength = static_cast<uint16_t>(header.size());
        file.write(reinterpret_cast<const char*>(preamble), sizeof preamble);
        file.write(reinterpret_cast<const char*>(&headerLength), sizeof headerLength);
        file << header;
        file.write(reinterpret_cast<const char*>(values.data()),
                   static_cast<std::streamsize>(values.size() * 4));
        if (!file.flush()) {
            std::remove(temporary.c_str());
            return Status::ioError("write failed (disk full?)").inFile(path);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        return Status::ioError(std::string("cannot rename into place: ") + std::strerror(errno)).inFile(path);
    }
    return Status::ok();
}

namespace {

/// What the header of a .npy image says: its shape, its value count and where the values start.
struct NpyLayout {
    std::vector<int64_t> shape;
    std::size_t count = 0;
    std::size_t dataStart = 0;
};

/// The shape tuple after "'shape':" — digits, commas and spaces up to ')' — parsed by hand: a regex
/// recurses per character in libstdc++ and a 1 MiB header would overflow the stack.
Expected<std::vector<uint64_t>> parseShape(std::string_view header) {
    const std::size_t key = header.find("'shape':");
    if (key == std::string_view::npos)
        return Status::parseError("no shape");
    std::size_t at = key + 8;
    while (at < header.size() && header[at] == ' ')
        ++at;
    if (at >= header.size() || header[at] != '(')
        return Status::parseError("the shape is not a tuple");
    std::vector<uint64_t> dims;
    bool expectNumber = true; // after '(' or ','
    for (++at; at < header.size(); ++at) {
        const char c = header[at];
        if (c == ' ')
            continue;
        if (c == ')')
            return dims;
        if (c == ',' && !expectNumber) {
            expectNumber = true;
            continue;
        }
        if (c < '0' || c > '9' || !expectNumber)
            return Status::parseError("the shape is not a tuple of integers");
        std::size_t end = at;
        while (end < header.size() && header[end] >= '0' && header[end] <= '9')
            ++end;
        // Past 10^18 - 1 a dimension no longer fits an int64 shape entry.
        if (end - at > 18)
            return Status::parseError("dimension " + std::string(header.substr(at, end - at)) +
                                      " is too large");
        if (dims.size() == 32)
            return Status::parseError("more than 32 dimensions");
        dims.push_back(std::stoull(std::string(header.substr(at, end - at))));
        expectNumber = false;
        at = end - 1;
    }
    return Status::parseError("the shape tuple is not closed");
}

/// Reads the preamble and header from `prefix` (the first bytes of the image: at least the header) and
/// checks the shape against `totalSize`, the whole image's size, before anything is allocated.
Expected<NpyLayout> parseLayout(std::string_view prefix, uint64_t totalSize, const std::string& path) {
    auto fail = [&](Status status, const char* field) {
        return status.inFile(path).atField(field);
    };
    if (prefix.size() < 8 || prefix.substr(0, 6) != std::string_view("\x93NUMPY", 6))
        return fail(Status::parseError("not a .npy file"), "magic");
    const auto version = static_cast<unsigned char>(prefix[6]);
    if (version != 1 && version != 2 && version != 3)
        return fail(Status::unsupported("format version " + std::to_string(version)), "version");
    // Version 1 stores the header length in 2 bytes, versions 2 and 3 (3: UTF-8 header) in 4.
    const std::size_t lengthBytes = version == 1 ? 2 : 4;
    if (prefix.size() < 8 + lengthBytes)
        return fail(Status::parseError("truncated header length"), "header");
    uint32_t headerLength = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i)
        headerLength |= static_cast<uint32_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
    if (headerLength > kMaxNpyHeader)
        return fail(Status::parseError("header length " + std::to_string(headerLength) + " is implausible"),
                    "header");
    NpyLayout layout;
    layout.dataStart = 8 + lengthBytes + static_cast<std::size_t>(headerLength);
    if (layout.dataStart > prefix.size() || layout.dataStart > totalSize)
        return fail(Status::parseError("truncated header"), "header");
    const std::string_view header = prefix.substr(8 + lengthBytes, headerLength);
    if (header.find("'descr': '<f4'") == std::string_view::npos)
        return fail(Status::unsupported("only little-endian float32 ('<f4') arrays are read"), "descr");
    if (header.find("'fortran_order': False") == std::string_view::npos)
        return fail(Status::unsupported("Fortran-order arrays are not read"), "fortran_order");
    auto dims = parseShape(header);
    if (!dims)
        return fail(dims.status(), "shape");
    // The values present bound the product; dimensions after a zero one are bounded too (2^62), so
    // that no product over the shape overflows later.
    const uint64_t available = (totalSize - layout.dataStart) / 4;
    uint64_t count = 1, nonZero = 1;
    for (uint64_t dim : *dims) {
        if (dim != 0 && nonZero > (uint64_t(1) << 62) / dim)
            return fail(Status::parseError("the shape's dimensions multiply past 2^62"), "shape");
        nonZero *= dim != 0 ? dim : 1;
        count *= dim;
        layout.shape.push_back(static_cast<int64_t>(dim));
    }
    if (count > available)
        return fail(Status::parseError("the shape needs " + std::to_string(count) +
                                       " values, the file holds " + std::to_string(available)),
                    "shape");
    layout.count = static_cast<std::size_t>(count);
    return layout;
}

} // namespace

Expected<NpyArray> parseNpyFloat32(std::string_view bytes, const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(NpyLayout layout, parseLayout(bytes, bytes.size(), path));
    NpyArray array;
    array.shape = std::move(layout.shape);
    array.values.resize(layout.count);
    if (layout.count > 0)
        std::memcpy(array.values.data(), bytes.data() + layout.dataStart, layout.count * 4);
    return array;
}

Expected<NpyArray> readNpyFloat32(const std::string& path) {
    // The header first, then the values straight into the array: one allocation of the data's size.
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    if (!file)
        return Status::notFound("cannot open").inFile(path);
    const auto size = static_cast<uint64_t>(file.tellg());
    std::string prefix(static_cast<std::size_t>(std::min<uint64_t>(size, 12 + kMaxNpyHeader)), '\0');
    file.seekg(0);
    if (!file.read(prefix.data(), static_cast<std::streamsize>(prefix.size())))
        return Status::ioError("read failed").inFile(path);
    ATTNSCOPE_ASSIGN_OR_RETURN(NpyLayout layout, parseLayout(prefix, size, path));
    NpyArray array;
    array.shape = std::move(layout.shape);
    array.values.resize(layout.count);
    file.seekg(static_cast<std::streamoff>(layout.dataStart));
    if (!file.read(reinterpret_cast<char*>(array.values.data()),
                   static_cast<std::streamsize>(layout.count * 4)))
        return Status::ioError("read failed").inFile(path).atField("data");
    return array;
}

} // namespace attnscope::io
