// SPDX-License-Identifier: Apache-2.0
// The CPU kernel against the dense double-precision reference, over lengths, GQA ratios, masks,
// query offsets and dtypes. The kernels issue extends this into the full conformance harness.
#include "dense_reference.h"

#include "../../../kernels/cpu/element_load.h"
#include "attnscope/kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

using namespace attnscope;
using kernels::AttentionDims;
using kernels::DType;

namespace {

struct Case {
    int length;
    int queryHeads;
    int kvHeads;
    bool causal;
    int window;
    DType dtype;
};

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    const Case& c = info.param;
    return "N" + std::to_string(c.length) + "_Hq" + std::to_string(c.queryHeads) + "_Hkv" +
           std::to_string(c.kvHeads) + (c.causal ? "_causal" : "_full") + "_w" + std::to_string(c.window) +
           "_" + kernels::dtypeName(c.dtype);
}

/// Storage of one tensor in the tested dtype, viewed contiguously as [B, H, T, D].
struct Stored {
    std::vector<float> f32;
    std::vector<uint16_t> half;
    kernels::TensorView view(DType dtype, int heads, int tokens, int dim) const {
        kernels::TensorView v;
        v.dtype = dtype;
        v.data = dtype == DType::F32 ? static_cast<const void*>(f32.data()) : half.data();
        v.stride[0] = static_cast<int64_t>(heads) * tokens * dim;
        v.stride[1] = static_cast<int64_t>(tokens) * dim;
        v.stride[2] = dim;
        v.stride[3] = 1;
        return v;
    }
};

Stored store(const std::vector<float>& values, DType dtype) {
    Stored s{values, {}};
    if (dtype != DType::F32)
        for (float value : values)
            s.half.push_back(dtype == DType::BF16 ? test::encodeBf16(value) : test::encodeF16(value));
    return s;
}

void runAndCompare(const AttentionDims& dims, DType dtype, double tolerance) {
    const int B = dims.batch, D = dims.headDim;
    test::DenseInputs inputs{
        test::exactlyRepresentableRandom(static_cast<std::size_t>(B) * dims.queryHeads * dims.queryLength * D,
                                         1),
        test::exactlyRepresentableRandom(static_cast<std::size_t>(B) * dims.kvHeads * dims.keyLength * D, 2),
        test::exactlyRepresentableRandom(static_cast<std::size_t>(B) * dims.kvHeads * dims.keyLength * D, 3)};
    const Stored q = store(inputs.q, dtype), k = store(inputs.k, dtype), v = store(inputs.v, dtype);

    std::vector<float> out(static_cast<std::size_t>(B) * dims.queryHeads * dims.queryLength * D, -99.0f);
    kernels::OutputView outView{out.data(),
                                {static_cast<int64_t>(dims.queryHeads) * dims.queryLength * D,
                                 static_cast<int64_t>(dims.queryLength) * D, D, 1}};
    kernels::ProbeRequest request{true, true};
    kernels::ProbeResult result;
    kernels::KernelStatus status =
        kernels::attention(dims, q.view(dtype, dims.queryHeads, dims.queryLength, D),
                           k.view(dtype, dims.kvHeads, dims.keyLength, D),
                           v.view(dtype, dims.kvHeads, dims.keyLength, D), outView, request, result);
    ASSERT_TRUE(status.ok()) << status.message;

    const test::DenseReference ref = test::denseAttention(dims, inputs);
    ASSERT_EQ(result.rowLogSumExp.size(), ref.lse.size());
    for (std::size_t row = 0; row < ref.lse.size(); ++row) {
        if (std::isinf(ref.lse[row])) {
            EXPECT_TRUE(std::isinf(result.rowLogSumExp[row]) && result.rowLogSumExp[row] < 0)
                << "row " << row;
            continue;
        }
        EXPECT_NEAR(result.rowLogSumExp[row], ref.lse[row],
                    tolerance * std::max(1.0, std::fabs(ref.lse[row])))
            << "lse row " << row;
        EXPECT_NEAR(result.rowEntropy[row], ref.entropy[row], tolerance * std::max(1.0, ref.entropy[row]))
            << "entropy row " << row;
    }
    for (std::size_t i = 0; i < ref.out.size(); ++i)
        ASSERT_NEAR(out[i], ref.out[i], tolerance * std::max(1.0, std::fabs(ref.out[i]))) << "out " << i;
}

class AttentionReference : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P(AttentionReference, MatchesDenseDoubleReference) {
    const Case& c = GetParam();
    AttentionDims dims;
    dims.batch = 2;
    dims.queryHeads = c.queryHeads;
    dims.kvHeads = c.kvHeads;
    dims.queryLength = c.length;
    dims.keyLength = c.length;
    dims.headDim = 64;
    dims.causal = c.causal;
    dims.slidingWindow = c.window;
    runAndCompare(dims, c.dtype, c.dtype == DType::F32 ? 1e-5 : 1e-2);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionReference,
    ::testing::Values(Case{1, 4, 4, true, 0, DType::F32}, Case{7, 4, 2, true, 0, DType::F32},
                      Case{7, 8, 1, false, 0, DType::F32}, Case{128, 8, 2, true, 0, DType::F32},
                      Case{128, 4, 1, true, 16, DType::F32}, Case{128, 8, 8, false, 32, DType::F32},
                      Case{33, 4, 2, true, 0, DType::BF16}, Case{33, 4, 2, false, 5, DType::F16}),
    caseName);

TEST(AttentionReferenceDecode, QueryOffsetSeesThePrefix) {
    // Decoding: 3 new rows at positions 97..99 against a cache of 100 keys.
    AttentionDims dims;
    dims.queryHeads = 8;
    dims.kvHeads = 2;
    dims.queryLength = 3;
    dims.keyLength = 100;
    dims.headDim = 64;
    dims.queryOffset = 97;
    runAndCompare(dims, DType::F32, 1e-5);
}

TEST(AttentionReferenceDecode, RowWithoutVisibleKeysIsZero) {
    // A negative offset puts row 0 before every key: it must give zeros and LSE = -inf, not NaN.
    AttentionDims dims;
    dims.queryLength = 2;
    dims.keyLength = 4;
    dims.headDim = 64;
    dims.queryOffset = -1;
    runAndCompare(dims, DType::F32, 1e-5);
}

TEST(AttentionValidation, RejectsInconsistentHeadsWithAClearField) {
    float buffer[64] = {};
    kernels::TensorView view{buffer, DType::F32, {64, 64, 64, 1}};
    kernels::OutputView out{buffer, {64, 64, 64, 1}};
    AttentionDims dims;
    dims.queryHeads = 6;
    dims.kvHeads = 4;
    dims.queryLength = 1;
    dims.keyLength = 1;
    dims.headDim = 64;
    kernels::ProbeResult result;
    auto status = kernels::attention(dims, view, view, view, out, {}, result);
    EXPECT_EQ(status.code, kernels::KernelStatusCode::InvalidArgument);
    EXPECT_NE(status.message.find("dims.queryHeads"), std::string::npos) << status.message;
}

TEST(AttentionValidation, RejectsNonContiguousHeadDimAndNullData) {
    float buffer[64] = {};
    AttentionDims dims;
    dims.queryLength = 1;
    dims.keyLength = 1;
    dims.headDim = 64;
    kernels::TensorView good{buffer, DType::F32, {64, 64, 64, 1}};
    kernels::TensorView strided{buffer, DType::F32, {64, 64, 64, 2}};
    kernels::OutputView out{buffer, {64, 64, 64, 1}};
    auto status = kernels::validateAttention(dims, good, strided, good, out);
    EXPECT_NE(status.message.find("k.stride[3]"), std::string::npos) << status.message;
    kernels::TensorView null{nullptr, DType::F32, {64, 64, 64, 1}};
    status = kernels::validateAttention(dims, good, good, null, out);
    EXPECT_NE(status.message.find("v.data"), std::string::npos) << status.message;
    kernels::TensorView half{buffer, DType::F16, {64, 64, 64, 1}};
    status = kernels::validateAttention(dims, good, half, good, out);
    EXPECT_NE(status.message.find("dtype"), std::string::npos) << status.message;
}

TEST(ElementLoad, DecodesHalfPrecisionSpecialValues) {
    using kernels::bf16ToFloat;
    using kernels::f16ToFloat;
    EXPECT_EQ(f16ToFloat(0x3C00), 1.0f);
    EXPECT_EQ(f16ToFloat(0xC000), -2.0f);
    EXPECT_EQ(f16ToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
    EXPECT_EQ(f16ToFloat(0x7BFF), 65504.0f);              // largest normal
    EXPECT_TRUE(std::isinf(f16ToFloat(0x7C00)));
    EXPECT_TRUE(std::isnan(f16ToFloat(0x7E00)));
    EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
    EXPECT_EQ(bf16ToFloat(0xC040), -3.0f);
}
