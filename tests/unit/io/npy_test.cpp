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
