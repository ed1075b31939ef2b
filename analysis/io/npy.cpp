// SPDX-License-Identifier: Apache-2.0
#include "attnscope/io/npy.h"

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

Expected<NpyArray> readNpyFloat32(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Status::notFound("cannot open").inFile(path);
    unsigned char preamble[8];
    if (!file.read(reinterpret_cast<char*>(preamble), 8) || std::memcmp(preamble, "\x93NUMPY", 6) != 0)
        return Status::parseError("not a .npy file").inFile(path).atField("magic");
    uint32_t headerLength = 0;
    if (preamble[6] == 1) {
        uint16_t length16 = 0;
        file.read(reinterpret_cast<char*>(&length16), 2);
        headerLength = length16;
    } else if (preamble[6] == 2) {
        file.read(reinterpret_cast<char*>(&headerLength), 4);
    } else {
        return Status::unsupported("format version " + std::to_string(preamble[6]))
            .inFile(path)
            .atField("version");
    }
    if (!file || headerLength > (1u << 20))
        return Status::parseError("bad header length").inFile(path).atField("header");
    std::string header(headerLength, '\0');
    if (!file.read(header.data(), headerLength))
        return Status::parseError("truncated header").inFile(path).atField("header");
    if (header.find("'descr': '<f4'") == std::string::npos)
        return Status::unsupported("only little-endian float32 ('<f4') arrays are read")
            .inFile(path)
            .atField("descr");
    if (header.find("'fortran_order': False") == std::string::npos)
        return Status::unsupported("Fortran-order arrays are not read").inFile(path).atField("fortran_order");
    std::smatch match;
    if (!std::regex_search(header, match, std::regex("'shape': \\(([0-9, ]*)\\)")))
        return Status::parseError("no shape").inFile(path).atField("shape");
    NpyArray array;
    int64_t count = 1;
    const std::string dims = match[1].str();
    const std::regex number("[0-9]+");
    for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
        array.shape.push_back(std::stoll(it->str()));
        count *= array.shape.back();
    }
    if (count < 0 || count > (int64_t(1) << 34))
        return Status::parseError("absurd shape").inFile(path).atField("shape");
    array.values.resize(static_cast<std::size_t>(count));
    if (!file.read(reinterpret_cast<char*>(array.values.data()), static_cast<std::streamsize>(count * 4)))
        return Status::parseError("the data is shorter than the shape says").inFile(path).atField("data");
    return array;
}

} // namespace attnscope::io
