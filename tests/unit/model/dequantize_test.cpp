// SPDX-License-Identifier: Apache-2.0
// ggml block quantizations against values worked out by hand from the block layouts.
#include "attnscope/model/tensor_info.h"

#include "../../support/format_writers.h"

#include <gtest/gtest.h>

using namespace attnscope;
using namespace attnscope::test;
using model::TensorDType;

namespace {

std::vector<float> dequantize(TensorDType dtype, const Bytes& bytes, int64_t elements) {
    model::TensorInfo tensor{
        "t", dtype, {elements}, reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()};
    std::vector<float> out(static_cast<std::size_t>(elements), -999.0f);
    Status status = model::dequantizeToFloat(tensor, out.data());
    EXPECT_TRUE(status.isOk()) << status.toString();
    return out;
}

} // namespace

TEST(Dequantize, Q8_0IsScaleTimesInt8) {
    Bytes block;
    appendRaw(block, floatToHalf(0.5f));
    for (int i = 0; i < 32; ++i)
        block.push_back(static_cast<unsigned char>(static_cast<int8_t>(i == 0    ? -128
                                                                       : i == 31 ? 127
                                                                                 : i - 16)));
    const auto y = dequantize(TensorDType::Q8_0, block, 32);
    EXPECT_EQ(y[0], -64.0f); // -128 * 0.5
    EXPECT_EQ(y[1], -7.5f);  // (1 - 16) * 0.5
    EXPECT_EQ(y[16], 0.0f);  // (16 - 16) * 0.5
    EXPECT_EQ(y[31], 63.5f); // 127 * 0.5
}

TEST(Dequantize, Q4_0LowNibblesFirstThenHigh) {
    Bytes block;
    appendRaw(block, floatToHalf(2.0f));
    for (int j = 0; j < 16; ++j)
        block.push_back(static_cast<unsigned char>(j | ((15 - j) << 4)));
    const auto y = dequantize(TensorDType::Q4_0, block, 32);
    EXPECT_EQ(y[0], -16.0f);  // (0 - 8) * 2
    EXPECT_EQ(y[15], 14.0f);  // (15 - 8) * 2
    EXPECT_EQ(y[16], 14.0f);  // high nibble of byte 0: (15 - 8) * 2
    EXPECT_EQ(y[31], -16.0f); // high nibble of byte 15: (0 - 8) * 2
}

TEST(Dequantize, Q4_KSixBitScalesAndMins) {
    // d = 1, dmin = 0.5; sub-block j (32 values) has scale j+1 and min 2j, all below 16, so the
    // packed high bits are zero: bytes 0-3 scales 1-4, bytes 4-7 mins 0,2,4,6, bytes 8-11 hold
    // (scale 5+k) | (min 8+2k) << 4 for k = 0..3.
    Bytes block;
    appendRaw(block, floatToHalf(1.0f));
    appendRaw(block, floatToHalf(0.5f));
    for (int j = 0; j < 4; ++j)
        block.push_back(static_cast<unsigned char>(j + 1));
    for (int j = 0; j < 4; ++j)
        block.push_back(static_cast<unsigned char>(2 * j));
    for (int k = 0; k < 4; ++k)
        block.push_back(static_cast<unsigned char>((5 + k) | ((8 + 2 * k) << 4)));
    // 4 groups of 32 bytes: low nibble l % 16, high nibble (l + 3) % 16.
    for (int g = 0; g < 4; ++g)
        for (int l = 0; l < 32; ++l)
            block.push_back(static_cast<unsigned char>((l % 16) | (((l + 3) % 16) << 4)));
    ASSERT_EQ(block.size(), 144u);
    const auto y = dequantize(TensorDType::Q4_K, block, 256);
    EXPECT_EQ(y[0], 0.0f);    // sub-block 0 (scale 1, min 0): 1*0 - 0
    EXPECT_EQ(y[33], 7.0f);   // sub-block 1 (2, 2), high nibble of q[1] = 4: 2*4 - 0.5*2
    EXPECT_EQ(y[66], 4.0f);   // sub-block 2 (3, 4), low nibble of q[2] = 2: 3*2 - 0.5*4
    EXPECT_EQ(y[128], -4.0f); // sub-block 4 (5, 8), low nibble 0: 0 - 0.5*8
    EXPECT_EQ(y[255], 9.0f);  // sub-block 7 (8, 14), high nibble of q[31] = 2: 8*2 - 0.5*14
}

TEST(Dequantize, Q6_KSplitsLowAndHighBits) {
    // ql bytes 0x21 (low nibble 1, high nibble 2); qh bytes 0xE4 (2-bit fields 0,1,2,3 from the bottom);
    // int8 scales 1..16; d = 0.25. So q1 = 1-32 = -31, q2 = (1|16)-32 = -15, q3 = (2|32)-32 = 2,
    // q4 = (2|48)-32 = 18 everywhere, scaled by d * scale of (half, l/16, quarter).
    Bytes block(128, 0x21);
    block.insert(block.end(), 64, 0xE4);
    for (int i = 0; i < 16; ++i)
        block.push_back(static_cast<unsigned char>(i + 1));
    appendRaw(block, floatToHalf(0.25f));
    ASSERT_EQ(block.size(), 210u);
    const auto y = dequantize(TensorDType::Q6_K, block, 256);
    EXPECT_EQ(y[0], -7.75f);    // 0.25 * sc[0]=1 * -31
    EXPECT_EQ(y[40], -11.25f);  // l = 8, second quarter: 0.25 * sc[2]=3 * -15
    EXPECT_EQ(y[127], 36.0f);   // l = 31, fourth quarter: 0.25 * sc[1+6]=8 * 18
    EXPECT_EQ(y[128], -69.75f); // second half: 0.25 * sc[8]=9 * -31
    EXPECT_EQ(y[255], 72.0f);   // 0.25 * sc[15]=16 * 18
}

TEST(Dequantize, SizeMismatchAndUnsupportedTypesAreErrors) {
    Bytes bytes(10);
    model::TensorInfo wrongSize{
        "w", TensorDType::Q8_0, {32}, reinterpret_cast<const std::byte*>(bytes.data()), 10};
    std::vector<float> out(32);
    Status status = model::dequantizeToFloat(wrongSize, out.data());
    EXPECT_EQ(status.field(), "w");
    model::TensorInfo ints{"ids", TensorDType::I32, {2}, reinterpret_cast<const std::byte*>(bytes.data()), 8};
    EXPECT_EQ(model::dequantizeToFloat(ints, out.data()).code(), StatusCode::Unsupported);
    EXPECT_FALSE(model::storageBytes(TensorDType::Q4_K, 100).has_value());
    EXPECT_EQ(*model::storageBytes(TensorDType::Q4_K, 512), 288u);
}

TEST(Dequantize, EmptyTensorsConvertToNothing) {
    // Regression (found by fuzz_gguf): a zero-element tensor has no data pointer to copy from.
    for (TensorDType dtype : {TensorDType::F32, TensorDType::BF16, TensorDType::Q4_K}) {
        model::TensorInfo empty{"e", dtype, {0, 4}, nullptr, 0};
        EXPECT_TRUE(model::dequantizeToFloat(empty, nullptr).isOk());
    }
}

TEST(TensorInfo, ZeroExtentMeansEmptyEvenWithHugeOtherExtents) {
    // Regression (found by fuzz_gguf): the product of the other extents overflowed int64.
    model::TensorInfo tensor{"t", TensorDType::F32, {int64_t(1) << 40, int64_t(1) << 40, 0}, nullptr, 0};
    EXPECT_EQ(tensor.elementCount(), 0);
}
