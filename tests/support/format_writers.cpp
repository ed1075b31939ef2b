// SPDX-License-Identifier: Apache-2.0
#include "format_writers.h"

#include <cmath>
#include <cstring>

namespace attnscope::test {

Bytes writeSafetensors(const std::vector<SafetensorsEntry>& entries,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
    std::string header = "{";
    uint64_t offset = 0;
    Bytes data;
    bool first = true;
    if (!metadata.empty()) {
        header += "\"__metadata__\":{";
        for (std::size_t i = 0; i < metadata.size(); ++i)
            header += (i ? "," : "") + ("\"" + metadata[i].first + "\":\"" + metadata[i].second + "\"");
        header += "}";
        first = false;
    }
    for (const SafetensorsEntry& entry : entries) {
        header += first ? "" : ",";
        first = false;
        header += "\"" + entry.name + "\":{\"dtype\":\"" + entry.dtype + "\",\"shape\":[";
        for (std::size_t i = 0; i < entry.shape.size(); ++i)
            header += (i ? "," : "") + std::to_string(entry.shape[i]);
        header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
                  std::to_string(offset + entry.data.size()) + "]}";
        offset += entry.data.size();
        data.insert(data.end(), entry.data.begin(), entry.data.end());
    }
    header += "}";
    while (header.size() % 8 != 0) // the format pads the header with spaces to 8-byte alignment
        header += ' ';
    Bytes out;
    appendRaw(out, static_cast<uint64_t>(header.size()));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

void appendGgufString(Bytes& out, const std::string& text) {
    appendRaw(out, static_cast<uint64_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
}

void GgufBuilder::addRaw(const std::string& key, uint32_t type, const Bytes& payload) {
    appendGgufString(m_metadata, key);
    appendRaw(m_metadata, type);
    m_metadata.insert(m_metadata.end(), payload.begin(), payload.end());
    ++m_count;
}

void GgufBuilder::addUInt32(const std::string& key, uint32_t value) {
    Bytes payload;
    appendRaw(payload, value);
    addRaw(key, 4, payload);
}

void GgufBuilder::addInt32(const std::string& key, int32_t value) {
    Bytes payload;
    appendRaw(payload, value);
    addRaw(key, 5, payload);
}

void GgufBuilder::addFloat32(const std::string& key, float value) {
    Bytes payload;
    appendRaw(payload, value);
    addRaw(key, 6, payload);
}

void GgufBuilder::addUInt64(const std::string& key, uint64_t value) {
    Bytes payload;
    appendRaw(payload, value);
    addRaw(key, 10, payload);
}

void GgufBuilder::addBool(const std::string& key, bool value) {
    addRaw(key, 7, Bytes{static_cast<unsigned char>(value)});
}

void GgufBuilder::addString(const std::string& key, const std::string& value) {
    Bytes payload;
    appendGgufString(payload, value);
    addRaw(key, 8, payload);
}

void GgufBuilder::addStringArray(const std::string& key, const std::vector<std::string>& values) {
    Bytes payload;
    appendRaw(payload, uint32_t(8));
    appendRaw(payload, static_cast<uint64_t>(values.size()));
    for (const std::string& value : values)
        appendGgufString(payload, value);
    addRaw(key, 9, payload);
}

void GgufBuilder::addFloat32Array(const std::string& key, const std::vector<float>& values) {
    Bytes payload;
    appendRaw(payload, uint32_t(6));
    appendRaw(payload, static_cast<uint64_t>(values.size()));
    for (float value : values)
        appendRaw(payload, value);
    addRaw(key, 9, payload);
}

void GgufBuilder::addInt32Array(const std::string& key, const std::vector<int32_t>& values) {
    Bytes payload;
    appendRaw(payload, uint32_t(5));
    appendRaw(payload, static_cast<uint64_t>(values.size()));
    for (int32_t value : values)
        appendRaw(payload, value);
    addRaw(key, 9, payload);
}

void GgufBuilder::addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType,
                            Bytes data) {
    m_tensors.push_back({name, std::move(ne), ggmlType, std::move(data)});
}

Bytes GgufBuilder::build() const {
    Bytes out{'G', 'G', 'U', 'F'};
    appendRaw(out, uint32_t(3));
    appendRaw(out, static_cast<uint64_t>(m_tensors.size()));
    appendRaw(out, m_count);
    out.insert(out.end(), m_metadata.begin(), m_metadata.end());
    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const Tensor& tensor : m_tensors) {
        appendGgufString(out, tensor.name);
        appendRaw(out, static_cast<uint32_t>(tensor.ne.size()));
        for (uint64_t extent : tensor.ne)
            appendRaw(out, extent);
        appendRaw(out, tensor.type);
        appendRaw(out, offset);
        offsets.push_back(offset);
        offset += (tensor.data.size() + m_alignment - 1) / m_alignment * m_alignment;
    }
    while (out.size() % m_alignment != 0)
        out.push_back(0);
    const std::size_t base = out.size();
    for (std::size_t i = 0; i < m_tensors.size(); ++i) {
        out.resize(base + offsets[i], 0);
        out.insert(out.end(), m_tensors[i].data.begin(), m_tensors[i].data.end());
    }
    return out;
}

uint16_t floatToHalf(float value) {
    if (value == 0.0f)
        return std::signbit(value) ? 0x8000 : 0;
    const uint16_t sign = value < 0 ? 0x8000 : 0;
    int exponent = 0;
    const double mantissa = std::frexp(std::fabs(static_cast<double>(value)), &exponent);
    const auto fraction = static_cast<uint16_t>(std::lround((mantissa * 2.0 - 1.0) * 1024.0));
    return static_cast<uint16_t>(sign | ((exponent - 1 + 15) << 10) | fraction);
}

} // namespace attnscope::test
