// SPDX-License-Identifier: Apache-2.0
#include "attnscope/io/npy.h"

#include "attnscope/core/read_file.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>

namespace attnscope::io {

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

Expected<NpyArray> parseNpyFloat32(std::string_view bytes, const std::string& path) {
    auto fail = [&](Status status, const char* field) {
        return status.inFile(path).atField(field);
    };
    if (bytes.size() < 8 || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6))
        return fail(Status::parseError("not a .npy file"), "magic");
    const auto version = static_cast<unsigned char>(bytes[6]);
    if (version != 1 && version != 2 && version != 3)
        return fail(Status::unsupported("format version " + std::to_string(version)), "version");
    // Version 1 stores the header length in 2 bytes, versions 2 and 3 (3: UTF-8 header) in 4.
    const std::size_t lengthBytes = version == 1 ? 2 : 4;
    if (bytes.size() < 8 + lengthBytes)
        return fail(Status::parseError("truncated header length"), "header");
    uint32_t headerLength = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i)
        headerLength |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    const std::size_t dataStart = 8 + lengthBytes + static_cast<std::size_t>(headerLength);
    if (headerLength > (1u << 20))
        return fail(Status::parseError("header length " + std::to_string(headerLength) + " is implausible"),
                    "header");
    if (dataStart > bytes.size())
        return fail(Status::parseError("truncated header"), "header");
    const std::string header(bytes.substr(8 + lengthBytes, headerLength));
    if (header.find("'descr': '<f4'") == std::string::npos)
        return fail(Status::unsupported("only little-endian float32 ('<f4') arrays are read"), "descr");
    if (header.find("'fortran_order': False") == std::string::npos)
        return fail(Status::unsupported("Fortran-order arrays are not read"), "fortran_order");
    std::smatch match;
    if (!std::regex_search(header, match, std::regex("'shape': \\(([0-9, ]*)\\)")))
        return fail(Status::parseError("no shape"), "shape");
    // Every dimension is checked against the bytes present before it is multiplied in, so a header
    // claiming a huge (or overflowing) shape is refused instead of allocated.
    const std::size_t available = (bytes.size() - dataStart) / 4;
    NpyArray array;
    std::size_t count = 1;
    const std::string dims = match[1].str();
    const std::regex number("[0-9]+");
    for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
        const std::string digits = it->str();
        if (digits.size() > 18) // past 10^18 - 1 a dimension no longer fits an int64 shape entry
            return fail(Status::parseError("dimension " + digits + " is too large"), "shape");
        const auto dim = static_cast<std::size_t>(std::stoull(digits));
        if (dim != 0 && count > available / dim)
            return fail(Status::parseError("shape (" + dims + ") needs more values than the file's " +
                                           std::to_string(available) +
                                           ": the data is shorter than the shape"),
                        "shape");
        count *= dim;
        array.shape.push_back(static_cast<int64_t>(dim));
    }
    if (count > available) // a scalar (shape ()) multiplies no dimension in, so it is checked here
        return fail(Status::parseError("the data is shorter than the shape says"), "data");
    array.values.resize(count);
    if (count > 0)
        std::memcpy(array.values.data(), bytes.data() + dataStart, count * 4);
    return array;
}

Expected<NpyArray> readNpyFloat32(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    return parseNpyFloat32(bytes, path);
}

} // namespace attnscope::io
