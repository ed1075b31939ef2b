// SPDX-License-Identifier: Apache-2.0
#include "attnscope/io/npy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace attnscope;

TEST(Npy, WritesTheFormatNumpyReads) {
    const auto path = (std::filesystem::temp_directory_path() / "attnscope_npy_test.npy").string();
    ASSERT_TRUE(io::writeNpyFloat32(path, {2, 3}, {1, 2, 3, 4, 5, 6.5f}).isOk());
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const uint16_t headerLength = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLength) % 64, 0) << "numpy aligns the data to 64 bytes";
    const std::string header = bytes.substr(10, headerLength);
    EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(bytes.size(), 10u + headerLength + 6 * 4);

    auto array = io::readNpyFloat32(path);
    ASSERT_TRUE(array) << array.status().toString();
    EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(array->values, (std::vector<float>{1, 2, 3, 4, 5, 6.5f}));
    std::filesystem::remove(path);
}

TEST(Npy, OneDimensionalShapeHasATrailingComma) {
    const auto path = (std::filesystem::temp_directory_path() / "attnscope_npy_1d.npy").string();
    ASSERT_TRUE(io::writeNpyFloat32(path, {3}, {1, 2, 3}).isOk());
    auto array = io::readNpyFloat32(path);
    ASSERT_TRUE(array);
    EXPECT_EQ(array->shape, std::vector<int64_t>{3});
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_NE(bytes.find("'shape': (3,)"), std::string::npos);
    std::filesystem::remove(path);
}

TEST(Npy, ErrorsLeaveNoFileBehind) {
    const auto path = (std::filesystem::temp_directory_path() / "attnscope_npy_bad.npy").string();
    std::filesystem::remove(path);
    EXPECT_EQ(io::writeNpyFloat32(path, {2, 2}, {1, 2, 3}).code(), StatusCode::InvalidArgument);
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_EQ(io::writeNpyFloat32("/nonexistent-dir/x.npy", {1}, {1}).file(), "/nonexistent-dir/x.npy");
    EXPECT_FALSE(std::filesystem::exists("/nonexistent-dir/x.npy.partial"));
    EXPECT_EQ(io::readNpyFloat32("/nonexistent.npy").status().code(), StatusCode::NotFound);
}

namespace {
/// A .npy image with `header`'s dictionary and `dataBytes` bytes of zeros after it: format 1.0, or 2.0
/// (a 4-byte header length) when the header does not fit 1.0's 2 bytes.
std::string npyImage(const std::string& dictionary, std::size_t dataBytes) {
    const bool v2 = dictionary.size() > 65000;
    std::string header = dictionary;
    header.append((64 - ((v2 ? 12 : 10) + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string image(v2 ? "\x93NUMPY\x02\x00" : "\x93NUMPY\x01\x00", 8);
    for (int i = 0; i < (v2 ? 4 : 2); ++i)
        image += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return image + header + std::string(dataBytes, '\0');
}
} // namespace

TEST(Npy, AShapeLargerThanTheDataIsRefusedByName) {
    // A 100-byte file claiming 10^11 values (400 GB) must not be allocated: refused at "shape".
    const std::string huge =
        npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }", 100);
    auto array = io::parseNpyFloat32(huge, "huge.npy");
    ASSERT_FALSE(array);
    EXPECT_EQ(array.status().file(), "huge.npy");
    EXPECT_EQ(array.status().field(), "shape");
    // Dimensions whose product overflows 64 bits, and dimensions of more than 18 digits (after a zero one
    // they multiply to nothing, yet do not fit the int64 shape: found by fuzz_npy).
    for (const char* shape :
         {"(4294967296, 4294967296, 16)", "(99999999999999999999999,)", "(0, 88888888888888888888883)",
          "(0, 999999999999999999, 999999999999999999)"}) {
        auto overflowing = io::parseNpyFloat32(
            npyImage(std::string("{'descr': '<f4', 'fortran_order': False, 'shape': ") + shape + ", }", 64),
            "overflow.npy");
        ASSERT_FALSE(overflowing) << shape;
        EXPECT_EQ(overflowing.status().field(), "shape") << shape;
    }
    // One value short of the shape is refused at "shape" too; a zero-sized dimension reads as an empty array.
    auto shortData = io::parseNpyFloat32(
        npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20), "s.npy");
    ASSERT_FALSE(shortData);
    EXPECT_EQ(shortData.status().field(), "shape");
    // A scalar (shape ()) with three of its four bytes (found by fuzz_npy).
    auto scalar =
        io::parseNpyFloat32(npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 3), "0d.npy");
    ASSERT_FALSE(scalar);
    EXPECT_EQ(scalar.status().field(), "shape");
    auto empty = io::parseNpyFloat32(
        npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", 0), "e.npy");
    ASSERT_TRUE(empty) << empty.status().toString();
    EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 5}));
    EXPECT_TRUE(empty->values.empty());
}

TEST(Npy, DamagedHeadersAreRefusedByField) {
    const std::string good = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
    ASSERT_TRUE(io::parseNpyFloat32(good, "g.npy"));
    EXPECT_EQ(io::parseNpyFloat32(good.substr(0, 5), "t.npy").status().field(), "magic");
    EXPECT_EQ(io::parseNpyFloat32(good.substr(0, 9), "t.npy").status().field(), "header");
    EXPECT_EQ(io::parseNpyFloat32(good.substr(0, 40), "t.npy").status().field(), "header");
    std::string version = good;
    version[6] = 9;
    EXPECT_EQ(io::parseNpyFloat32(version, "v.npy").status().field(), "version");
    EXPECT_EQ(io::parseNpyFloat32(npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16),
                                  "d.npy")
                  .status()
                  .field(),
              "descr");
    EXPECT_EQ(
        io::parseNpyFloat32(npyImage("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8), "f.npy")
            .status()
            .field(),
        "fortran_order");
}

TEST(Npy, ShapesAreParsedWithoutRecursionAndStrictly) {
    // A 200 kB shape tuple (a std::regex recursed once per character here and overflowed the stack).
    const std::string spaces(200000, ' ');
    auto wide = io::parseNpyFloat32(
        npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2," + spaces + "3), }", 24), "w.npy");
    ASSERT_TRUE(wide) << wide.status().toString();
    EXPECT_EQ(wide->shape, (std::vector<int64_t>{2, 3}));
    for (const char* shape : {"(,,)", "(3,,4)", "(3 4)", "(-1,)", "(2, 3", "[2, 3]"}) {
        auto bad = io::parseNpyFloat32(
            npyImage(std::string("{'descr': '<f4', 'fortran_order': False, 'shape': ") + shape + ", }", 64),
            "s.npy");
        ASSERT_FALSE(bad) << shape;
        EXPECT_EQ(bad.status().field(), "shape") << shape;
    }
    // More than 32 dimensions.
    std::string many = "(";
    for (int i = 0; i < 33; ++i)
        many += "1, ";
    many += ")";
    EXPECT_EQ(io::parseNpyFloat32(
                  npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': " + many + ", }", 4), "m.npy")
                  .status()
                  .field(),
              "shape");
}

TEST(Npy, FormatTwoHeadersAndTheFileReader) {
    // Version 2.0: a 4-byte header length.
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    header.append((64 - (12 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string image("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i)
        image += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    const float values[2] = {1.5f, -2.0f};
    image += header + std::string(reinterpret_cast<const char*>(values), sizeof values);
    auto array = io::parseNpyFloat32(image, "v2.npy");
    ASSERT_TRUE(array) << array.status().toString();
    EXPECT_EQ(array->values, (std::vector<float>{1.5f, -2.0f}));
    // The file reader gives the same, and refuses a truncated copy by field.
    const auto path = (std::filesystem::temp_directory_path() / "attnscope_npy_v2.npy").string();
    std::ofstream(path, std::ios::binary) << image;
    auto read = io::readNpyFloat32(path);
    ASSERT_TRUE(read) << read.status().toString();
    EXPECT_EQ(read->values, array->values);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << image.substr(0, image.size() - 1);
    auto truncated = io::readNpyFloat32(path);
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.status().field(), "shape");
    std::filesystem::remove(path);
}
