// SPDX-License-Identifier: Apache-2.0
// Tensor storage types and conversion to fp32, including ggml's block quantizations.
#include "attnscope/model/tensor_info.h"

#include "attnscope/kernels/half.h"

#include <cstring>

namespace attnscope::model {

namespace {

using kernels::bf16ToFloat;
using kernels::f16ToFloat;

uint16_t readU16(const std::byte* p) {
    uint16_t value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

// ggml block layouts (ggml-common.h). QK_K = 256 for the k-quants.
constexpr uint64_t kQ4_0Bytes = 2 + 16;           // f16 d, 32 nibbles
constexpr uint64_t kQ8_0Bytes = 2 + 32;           // f16 d, 32 int8
constexpr uint64_t kQ4_KBytes = 2 + 2 + 12 + 128; // f16 d, f16 dmin, 12 packed 6-bit scales/mins, 256 nibbles
constexpr uint64_t kQ6_KBytes = 128 + 64 + 16 + 2; // ql, qh, int8 scales, f16 d

void dequantQ4_0(const std::byte* block, float* y) {
    const float d = f16ToFloat(readU16(block));
    const auto* qs = reinterpret_cast<const uint8_t*>(block + 2);
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
        y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
}

void dequantQ8_0(const std::byte* block, float* y) {
    const float d = f16ToFloat(readU16(block));
    const auto* qs = reinterpret_cast<const int8_t*>(block + 2);
    for (int j = 0; j < 32; ++j)
        y[j] = static_cast<float>(qs[j]) * d;
}

/// The 6-bit scale and min of sub-block j from Q4_K's 12 packed bytes.
void scaleMinK4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

void dequantQ4_K(const std::byte* block, float* y) {
    const float d = f16ToFloat(readU16(block));
    const float dmin = f16ToFloat(readU16(block + 2));
    const auto* scales = reinterpret_cast<const uint8_t*>(block + 4);
    const auto* q = reinterpret_cast<const uint8_t*>(block + 16);
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * static_cast<float>(q[l] & 0x0F) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
}

void dequantQ6_K(const std::byte* block, float* y) {
    const auto* ql = reinterpret_cast<const uint8_t*>(block);
    const auto* qh = reinterpret_cast<const uint8_t*>(block + 128);
    const auto* sc = reinterpret_cast<const int8_t*>(block + 192);
    const float d = f16ToFloat(readU16(block + 208));
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * sc[is + 0] * static_cast<float>(q1);
            y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
            y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
            y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
        }
    }
}

} // namespace

const char* tensorDTypeName(TensorDType dtype) {
    switch (dtype) {
    case TensorDType::F32:
        return "F32";
    case TensorDType::F16:
        return "F16";
    case TensorDType::BF16:
        return "BF16";
    case TensorDType::F64:
        return "F64";
    case TensorDType::I8:
        return "I8";
    case TensorDType::I16:
        return "I16";
    case TensorDType::I32:
        return "I32";
    case TensorDType::I64:
        return "I64";
    case TensorDType::U8:
        return "U8";
    case TensorDType::Bool:
        return "BOOL";
    case TensorDType::Q4_0:
        return "Q4_0";
    case TensorDType::Q8_0:
        return "Q8_0";
    case TensorDType::Q4_K:
        return "Q4_K";
    case TensorDType::Q6_K:
        return "Q6_K";
    }
    return "unknown";
}

BlockLayout blockLayout(TensorDType dtype) {
    switch (dtype) {
    case TensorDType::F64:
    case TensorDType::I64:
        return {1, 8};
    case TensorDType::F32:
    case TensorDType::I32:
        return {1, 4};
    case TensorDType::F16:
    case TensorDType::BF16:
    case TensorDType::I16:
        return {1, 2};
    case TensorDType::I8:
    case TensorDType::U8:
    case TensorDType::Bool:
        return {1, 1};
    case TensorDType::Q4_0:
        return {32, kQ4_0Bytes};
    case TensorDType::Q8_0:
        return {32, kQ8_0Bytes};
    case TensorDType::Q4_K:
        return {256, kQ4_KBytes};
    case TensorDType::Q6_K:
        return {256, kQ6_KBytes};
    }
    return {1, 1};
}

bool isFloatConvertible(TensorDType dtype) {
    switch (dtype) {
    case TensorDType::F32:
    case TensorDType::F16:
    case TensorDType::BF16:
    case TensorDType::F64:
    case TensorDType::Q4_0:
    case TensorDType::Q8_0:
    case TensorDType::Q4_K:
    case TensorDType::Q6_K:
        return true;
    default:
        return false;
    }
}

int64_t TensorInfo::elementCount() const {
    // A zero extent anywhere makes the tensor empty, whatever the other extents (found by fuzz_gguf:
    // multiplying the others first could overflow). Non-empty tensors were bounded by their file size.
    for (int64_t dim : shape)
        if (dim == 0)
            return 0;
    int64_t count = 1;
    for (int64_t dim : shape)
        count *= dim;
    return count;
}

std::optional<uint64_t> storageBytes(TensorDType dtype, uint64_t elements) {
    const BlockLayout layout = blockLayout(dtype);
    if (elements % layout.blockSize != 0)
        return std::nullopt;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(elements / layout.blockSize, layout.blockBytes, &bytes))
        return std::nullopt;
    return bytes;
}

Status dequantizeToFloat(const TensorInfo& tensor, float* out) {
    const auto elements = static_cast<uint64_t>(tensor.elementCount());
    const auto expected = storageBytes(tensor.dtype, elements);
    if (!expected || *expected != tensor.byteSize)
        return Status::invalidArgument("stored size " + std::to_string(tensor.byteSize) +
                                       " bytes does not match its shape and dtype " +
                                       tensorDTypeName(tensor.dtype))
            .atField(tensor.name);
    if (elements == 0)
        return Status::ok(); // nothing to convert (and memcpy must not see a null pointer)
    const std::byte* p = tensor.data;
    switch (tensor.dtype) {
    case TensorDType::F32:
        std::memcpy(out, p, elements * sizeof(float));
        return Status::ok();
    case TensorDType::F16:
        for (uint64_t i = 0; i < elements; ++i)
            out[i] = f16ToFloat(readU16(p + 2 * i));
        return Status::ok();
    case TensorDType::BF16:
        for (uint64_t i = 0; i < elements; ++i)
            out[i] = bf16ToFloat(readU16(p + 2 * i));
        return Status::ok();
    case TensorDType::F64:
        for (uint64_t i = 0; i < elements; ++i) {
            double value;
            std::memcpy(&value, p + 8 * i, sizeof value);
            out[i] = static_cast<float>(value);
        }
        return Status::ok();
    case TensorDType::Q4_0:
        for (uint64_t b = 0; b < elements / 32; ++b)
            dequantQ4_0(p + b * kQ4_0Bytes, out + b * 32);
        return Status::ok();
    case TensorDType::Q8_0:
        for (uint64_t b = 0; b < elements / 32; ++b)
            dequantQ8_0(p + b * kQ8_0Bytes, out + b * 32);
        return Status::ok();
    case TensorDType::Q4_K:
        for (uint64_t b = 0; b < elements / 256; ++b)
            dequantQ4_K(p + b * kQ4_KBytes, out + b * 256);
        return Status::ok();
    case TensorDType::Q6_K:
        for (uint64_t b = 0; b < elements / 256; ++b)
            dequantQ6_K(p + b * kQ6_KBytes, out + b * 256);
        return Status::ok();
    default:
        return Status::unsupported(std::string("cannot convert ") + tensorDTypeName(tensor.dtype) +
                                   " to float")
            .atField(tensor.name);
    }
}

} // namespace attnscope::model
