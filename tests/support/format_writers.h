// SPDX-License-Identifier: Apache-2.0
// Writers for safetensors, GGUF and llama2.c images, so tests build exactly the files they need
// (valid ones, and deliberately broken ones).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace attnscope::test {

using Bytes = std::vector<unsigned char>;

template <typename T>
void appendRaw(Bytes& out, const T& value) {
    // resize + memcpy rather than insert(first, last): GCC 12 reports a false -Wstringop-overflow on that.
    const std::size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

/// One safetensors entry: dtype spelling, shape and its raw bytes.
struct SafetensorsEntry {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    Bytes data;
};

/// A safetensors image; `metadata` becomes "__metadata__" when non-empty.
Bytes writeSafetensors(const std::vector<SafetensorsEntry>& entries,
                       const std::vector<std::pair<std::string, std::string>>& metadata = {});

/// Builds a GGUF v3 image piece by piece (metadata in call order, then tensor infos, then data).
class GgufBuilder {
public:
    explicit GgufBuilder(uint64_t alignment = 32) : m_alignment(alignment) {}

    void addUInt32(const std::string& key, uint32_t value);
    void addInt32(const std::string& key, int32_t value);
    void addFloat32(const std::string& key, float value);
    void addUInt64(const std::string& key, uint64_t value);
    void addBool(const std::string& key, bool value);
    void addString(const std::string& key, const std::string& value);
    void addStringArray(const std::string& key, const std::vector<std::string>& values);
    void addFloat32Array(const std::string& key, const std::vector<float>& values);
    void addInt32Array(const std::string& key, const std::vector<int32_t>& values);
    /// Raw key/value with an explicit type id and encoded payload (for malformed cases).
    void addRaw(const std::string& key, uint32_t type, const Bytes& payload);

    /// `ne` in ggml order (ne[0] fastest); `ggmlType` as in ggml.h; `data` raw block bytes.
    void addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType, Bytes data);

    Bytes build() const;

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> ne;
        uint32_t type;
        Bytes data;
    };
    uint64_t m_alignment;
    uint64_t m_count = 0;
    Bytes m_metadata;
    std::vector<Tensor> m_tensors;
};

/// Appends a GGUF string (u64 length + bytes).
void appendGgufString(Bytes& out, const std::string& text);

uint16_t floatToHalf(float value); ///< exact for values representable in binary16 (tests only)

} // namespace attnscope::test
