// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/gguf.h"

#include <cstring>
#include <limits>
#include <set>

namespace attnscope::model {

namespace {

constexpr int kMaxArrayNesting = 3;
/// Metadata array elements in one file, all arrays together. Real vocabularies need well under a million
/// (Llama 3: 128k tokens, types and scores, 280k merges); each element costs ~80 bytes in memory, so a
/// small file of one-byte elements must not claim hundreds of millions of them.
constexpr uint64_t kMaxMetadataElements = uint64_t(1) << 23;
constexpr uint32_t kMaxDims = 4; // GGML_MAX_DIMS

/// A bounds-checked little-endian reader over the file image. Every read reports its failure as a
/// Status naming the field being read.
class Reader {
public:
    Reader(const std::byte* data, uint64_t size) : m_data(data), m_size(size) {}

    uint64_t position() const { return m_position; }
    uint64_t remaining() const { return m_size - m_position; }
    /// Takes `count` from the file's metadata element budget; false when it is spent.
    bool takeElements(uint64_t count) {
        if (count > m_elementsLeft)
            return false;
        m_elementsLeft -= count;
        return true;
    }

    template <typename T>
    Status read(T& value, const std::string& field) {
        if (remaining() < sizeof(T))
            return Status::parseError("unexpected end of file at byte " + std::to_string(m_position))
                .atField(field);
        std::memcpy(&value, m_data + m_position, sizeof(T));
        m_position += sizeof(T);
        return Status::ok();
    }

    Status readString(std::string& value, const std::string& field) {
        uint64_t length = 0;
        ATTNSCOPE_TRY(read(length, field));
        if (length > remaining())
            return Status::parseError("string length " + std::to_string(length) +
                                      " runs past the end of the file")
                .atField(field);
        value.assign(reinterpret_cast<const char*>(m_data + m_position), length);
        m_position += length;
        return Status::ok();
    }

private:
    const std::byte* m_data;
    uint64_t m_size;
    uint64_t m_position = 0;
    uint64_t m_elementsLeft = kMaxMetadataElements;
};

/// Smallest encoded size of one value of `type`, used to bound array counts before allocating.
uint64_t minimumEncodedSize(GgufType type) {
    switch (type) {
    case GgufType::UInt8:
    case GgufType::Int8:
    case GgufType::Bool:
        return 1;
    case GgufType::UInt16:
    case GgufType::Int16:
        return 2;
    case GgufType::UInt32:
    case GgufType::Int32:
    case GgufType::Float32:
        return 4;
    case GgufType::UInt64:
    case GgufType::Int64:
    case GgufType::Float64:
    case GgufType::String: // its u64 length
        return 8;
    case GgufType::Array: // element type + count
        return 12;
    }
    return 1;
}

bool knownType(uint32_t raw) {
    return raw <= static_cast<uint32_t>(GgufType::Float64);
}

Status readValue(Reader& reader, GgufType type, GgufValue& value, const std::string& field, int depth);

template <typename T, typename Stored>
Status readScalar(Reader& reader, GgufValue& value, const std::string& field) {
    T raw;
    ATTNSCOPE_TRY(reader.read(raw, field));
    value.scalar = static_cast<Stored>(raw);
    return Status::ok();
}

Status readValue(Reader& reader, GgufType type, GgufValue& value, const std::string& field, int depth) {
    value.type = type;
    switch (type) {
    case GgufType::UInt8:
        return readScalar<uint8_t, uint64_t>(reader, value, field);
    case GgufType::Int8:
        return readScalar<int8_t, int64_t>(reader, value, field);
    case GgufType::UInt16:
        return readScalar<uint16_t, uint64_t>(reader, value, field);
    case GgufType::Int16:
        return readScalar<int16_t, int64_t>(reader, value, field);
    case GgufType::UInt32:
        return readScalar<uint32_t, uint64_t>(reader, value, field);
    case GgufType::Int32:
        return readScalar<int32_t, int64_t>(reader, value, field);
    case GgufType::UInt64:
        return readScalar<uint64_t, uint64_t>(reader, value, field);
    case GgufType::Int64:
        return readScalar<int64_t, int64_t>(reader, value, field);
    case GgufType::Float32:
        return readScalar<float, double>(reader, value, field);
    case GgufType::Float64:
        return readScalar<double, double>(reader, value, field);
    case GgufType::Bool: {
        uint8_t raw;
        ATTNSCOPE_TRY(reader.read(raw, field));
        if (raw > 1)
            return Status::parseError("boolean byte " + std::to_string(raw) + " is neither 0 nor 1")
                .atField(field);
        value.scalar = raw == 1;
        return Status::ok();
    }
    case GgufType::String: {
        std::string text;
        ATTNSCOPE_TRY(reader.readString(text, field));
        value.scalar = std::move(text);
        return Status::ok();
    }
    case GgufType::Array: {
        if (depth >= kMaxArrayNesting)
            return Status::parseError("arrays nested deeper than " + std::to_string(kMaxArrayNesting))
                .atField(field);
        uint32_t rawType;
        uint64_t count;
        ATTNSCOPE_TRY(reader.read(rawType, field + ".type"));
        if (!knownType(rawType))
            return Status::unsupported("unknown array element type " + std::to_string(rawType))
                .atField(field);
        ATTNSCOPE_TRY(reader.read(count, field + ".count"));
        value.elementType = static_cast<GgufType>(rawType);
        // Refuse counts the remaining bytes cannot hold, before reserving memory for them.
        if (count > reader.remaining() / minimumEncodedSize(value.elementType))
            return Status::parseError("array of " + std::to_string(count) + " elements cannot fit in the " +
                                      std::to_string(reader.remaining()) + " bytes left")
                .atField(field);
        if (!reader.takeElements(count))
            return Status::parseError("metadata arrays hold more than " +
                                      std::to_string(kMaxMetadataElements) + " elements in all")
                .atField(field);
        value.array.resize(count);
        for (uint64_t i = 0; i < count; ++i)
            ATTNSCOPE_TRY(readValue(reader, value.elementType, value.array[i],
                                    field + "[" + std::to_string(i) + "]", depth + 1));
        return Status::ok();
    }
    }
    return Status::unsupported("unknown value type").atField(field);
}

/// ggml type ids this reader understands (ggml.h numbering).
bool tensorTypeFromGgml(uint32_t ggmlType, TensorDType& dtype) {
    switch (ggmlType) {
    case 0:
        dtype = TensorDType::F32;
        return true;
    case 1:
        dtype = TensorDType::F16;
        return true;
    case 2:
        dtype = TensorDType::Q4_0;
        return true;
    case 8:
        dtype = TensorDType::Q8_0;
        return true;
    case 12:
        dtype = TensorDType::Q4_K;
        return true;
    case 14:
        dtype = TensorDType::Q6_K;
        return true;
    case 24:
        dtype = TensorDType::I8;
        return true;
    case 25:
        dtype = TensorDType::I16;
        return true;
    case 26:
        dtype = TensorDType::I32;
        return true;
    case 27:
        dtype = TensorDType::I64;
        return true;
    case 28:
        dtype = TensorDType::F64;
        return true;
    case 30:
        dtype = TensorDType::BF16;
        return true;
    default:
        return false;
    }
}

struct PendingTensor {
    TensorInfo info;
    uint64_t offset = 0;
};

} // namespace

const char* ggufTypeName(GgufType type) {
    static const char* kNames[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                   "bool",  "string", "array",  "uint64", "int64",  "float64"};
    const auto index = static_cast<uint32_t>(type);
    return index < std::size(kNames) ? kNames[index] : "unknown";
}

bool GgufValue::isInteger() const {
    return type != GgufType::Array &&
           (std::holds_alternative<uint64_t>(scalar) || std::holds_alternative<int64_t>(scalar));
}

bool GgufValue::isNumber() const {
    return isInteger() || (type != GgufType::Array && std::holds_alternative<double>(scalar));
}

std::optional<int64_t> GgufValue::toInt() const {
    if (type == GgufType::Array)
        return std::nullopt;
    if (const auto* u = std::get_if<uint64_t>(&scalar))
        return *u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::optional<int64_t>(*u)
                                                                                : std::nullopt;
    if (const auto* i = std::get_if<int64_t>(&scalar))
        return *i;
    if (const auto* b = std::get_if<bool>(&scalar))
        return *b ? 1 : 0;
    return std::nullopt;
}

std::optional<double> GgufValue::toDouble() const {
    if (type == GgufType::Array)
        return std::nullopt;
    if (const auto* d = std::get_if<double>(&scalar))
        return *d;
    if (const auto* u = std::get_if<uint64_t>(&scalar))
        return static_cast<double>(*u);
    if (const auto* i = std::get_if<int64_t>(&scalar))
        return static_cast<double>(*i);
    return std::nullopt;
}

const std::string* GgufValue::toString() const {
    return type == GgufType::String ? std::get_if<std::string>(&scalar) : nullptr;
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
}

const TensorInfo* GgufFile::findTensor(const std::string& name) const {
    for (const TensorInfo& tensor : tensors)
        if (tensor.name == name)
            return &tensor;
    return nullptr;
}

std::string GgufFile::architecture() const {
    const GgufValue* value = find("general.architecture");
    const std::string* text = value ? value->toString() : nullptr;
    return text ? *text : std::string();
}

Expected<GgufFile> parseGguf(const std::byte* data, uint64_t size, const std::string& name) {
    Reader reader(data, size);
    GgufFile gguf;
    auto fail = [&name](Status status) {
        return std::move(status).inFile(name);
    };

    char magic[4];
    if (Status s = reader.read(magic, "magic"); !s.isOk())
        return fail(s);
    if (std::memcmp(magic, "GGUF", 4) != 0)
        return fail(Status::parseError("not a GGUF file (magic bytes are not 'GGUF')").atField("magic"));
    if (Status s = reader.read(gguf.version, "version"); !s.isOk())
        return fail(s);
    if (gguf.version != 2 && gguf.version != 3)
        return fail(Status::unsupported("GGUF version " + std::to_string(gguf.version) + " (supported: 2, 3)")
                        .atField("version"));
    uint64_t tensorCount = 0, metadataCount = 0;
    if (Status s = reader.read(tensorCount, "tensor_count"); !s.isOk())
        return fail(s);
    if (Status s = reader.read(metadataCount, "metadata_kv_count"); !s.isOk())
        return fail(s);
    // Each key/value needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info 8 + 4 + 4 + 8.
    if (metadataCount > reader.remaining() / 13)
        return fail(Status::parseError("implausible metadata count " + std::to_string(metadataCount))
                        .atField("metadata_kv_count"));
    if (tensorCount > reader.remaining() / 24)
        return fail(Status::parseError("implausible tensor count " + std::to_string(tensorCount))
                        .atField("tensor_count"));

    for (uint64_t i = 0; i < metadataCount; ++i) {
        const std::string where = "metadata[" + std::to_string(i) + "]";
        std::string key;
        if (Status s = reader.readString(key, where + ".key"); !s.isOk())
            return fail(s);
        uint32_t rawType;
        if (Status s = reader.read(rawType, key + ".type"); !s.isOk())
            return fail(s);
        if (!knownType(rawType))
            return fail(
                Status::unsupported("unknown metadata value type " + std::to_string(rawType)).atField(key));
        GgufValue value;
        if (Status s = readValue(reader, static_cast<GgufType>(rawType), value, key, 0); !s.isOk())
            return fail(s);
        if (!gguf.metadata.emplace(key, std::move(value)).second)
            return fail(Status::parseError("duplicate metadata key").atField(key));
    }

    if (const GgufValue* alignment = gguf.find("general.alignment")) {
        const auto value = alignment->toInt();
        if (!value || *value <= 0 || (*value & (*value - 1)) != 0 || *value > (1 << 20))
            return fail(Status::parseError("alignment must be a power of two up to 1 MiB")
                            .atField("general.alignment"));
        gguf.alignment = static_cast<uint64_t>(*value);
    }

    std::vector<PendingTensor> pending(tensorCount);
    std::set<std::string> names;
    for (uint64_t i = 0; i < tensorCount; ++i) {
        PendingTensor& tensor = pending[i];
        const std::string where = "tensors[" + std::to_string(i) + "]";
        if (Status s = reader.readString(tensor.info.name, where + ".name"); !s.isOk())
            return fail(s);
        const std::string& field = tensor.info.name;
        if (!names.insert(field).second)
            return fail(Status::parseError("duplicate tensor name").atField(field));
        uint32_t dims = 0;
        if (Status s = reader.read(dims, field + ".n_dims"); !s.isOk())
            return fail(s);
        if (dims == 0 || dims > kMaxDims)
            return fail(Status::parseError(std::to_string(dims) + " dimensions (1 to 4 allowed)")
                            .atField(field + ".n_dims"));
        std::vector<int64_t> ggmlOrder(dims);
        uint64_t elements = 1;
        for (uint32_t d = 0; d < dims; ++d) {
            uint64_t extent;
            if (Status s = reader.read(extent, field + ".ne[" + std::to_string(d) + "]"); !s.isOk())
                return fail(s);
            if (extent > (uint64_t(1) << 40) || __builtin_mul_overflow(elements, extent, &elements))
                return fail(Status::parseError("absurd dimension " + std::to_string(extent))
                                .atField(field + ".ne[" + std::to_string(d) + "]"));
            ggmlOrder[d] = static_cast<int64_t>(extent);
        }
        tensor.info.shape.assign(ggmlOrder.rbegin(), ggmlOrder.rend()); // ne[0] varies fastest
        uint32_t ggmlType;
        if (Status s = reader.read(ggmlType, field + ".type"); !s.isOk())
            return fail(s);
        if (!tensorTypeFromGgml(ggmlType, tensor.info.dtype))
            return fail(Status::unsupported("ggml tensor type " + std::to_string(ggmlType) +
                                            " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, integers)")
                            .atField(field + ".type"));
        const auto bytes = storageBytes(tensor.info.dtype, elements);
        if (!bytes)
            return fail(Status::parseError(std::to_string(elements) + " elements are not whole " +
                                           tensorDTypeName(tensor.info.dtype) + " blocks")
                            .atField(field + ".ne"));
        tensor.info.byteSize = *bytes;
        if (Status s = reader.read(tensor.offset, field + ".offset"); !s.isOk())
            return fail(s);
        if (tensor.offset % gguf.alignment != 0)
            return fail(Status::parseError("offset " + std::to_string(tensor.offset) +
                                           " is not a multiple of the alignment " +
                                           std::to_string(gguf.alignment))
                            .atField(field + ".offset"));
    }

    // The data section starts at the next multiple of the alignment.
    const uint64_t position = reader.position();
    gguf.dataOffset = position + (gguf.alignment - position % gguf.alignment) % gguf.alignment;
    if (gguf.dataOffset > size && tensorCount > 0)
        return fail(
            Status::parseError("the tensor data section starts past the end of the file").atField("data"));
    for (PendingTensor& tensor : pending) {
        const uint64_t available = size - gguf.dataOffset;
        if (tensor.offset > available || tensor.info.byteSize > available - tensor.offset)
            return fail(Status::parseError("data [" + std::to_string(tensor.offset) + ", +" +
                                           std::to_string(tensor.info.byteSize) +
                                           ") lies past the end of the file")
                            .atField(tensor.info.name + ".offset"));
        tensor.info.data = data + gguf.dataOffset + tensor.offset;
        gguf.tensors.push_back(std::move(tensor.info));
    }
    return gguf;
}

Expected<GgufFile> readGguf(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
    auto file = std::make_shared<MappedFile>(std::move(mapped));
    ATTNSCOPE_ASSIGN_OR_RETURN(GgufFile gguf, parseGguf(file->data(), file->size(), path));
    gguf.file = std::move(file);
    return gguf;
}

} // namespace attnscope::model
