// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/safetensors.h"

#include "attnscope/core/json_parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace attnscope::model {

namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100ull << 20; // the format's own limit is 100 MB
constexpr int64_t kMaxDimension = int64_t(1) << 40;

bool parseDType(const std::string& text, TensorDType& dtype) {
    static const std::pair<const char*, TensorDType> kTypes[] = {
        {"F32", TensorDType::F32},  {"F16", TensorDType::F16}, {"BF16", TensorDType::BF16},
        {"F64", TensorDType::F64},  {"I8", TensorDType::I8},   {"I16", TensorDType::I16},
        {"I32", TensorDType::I32},  {"I64", TensorDType::I64}, {"U8", TensorDType::U8},
        {"BOOL", TensorDType::Bool}};
    for (const auto& [spelling, type] : kTypes)
        if (text == spelling) {
            dtype = type;
            return true;
        }
    return false;
}

Status parseTensor(const std::string& tensorName, const Json& entry, const std::byte* dataStart,
                   uint64_t dataSize, TensorInfo& tensor) {
    if (!entry.is_object())
        return Status::parseError(std::string("expected an object, got ") + entry.type_name())
            .atField(tensorName);
    tensor.name = tensorName;

    auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string())
        return Status::parseError("missing or non-string dtype").atField(tensorName + ".dtype");
    if (!parseDType(dtype->get<std::string>(), tensor.dtype))
        return Status::unsupported("unknown dtype '" + dtype->get<std::string>() + "'")
            .atField(tensorName + ".dtype");

    auto shape = entry.find("shape");
    if (shape == entry.end() || !shape->is_array() || shape->size() > 8)
        return Status::parseError("expected an array of at most 8 dimensions").atField(tensorName + ".shape");
    uint64_t elements = 1;
    for (const Json& dim : *shape) {
        if (!dim.is_number_unsigned() || dim.get<uint64_t>() > static_cast<uint64_t>(kMaxDimension))
            return Status::parseError("dimension " + dim.dump() + " is not a sane non-negative integer")
                .atField(tensorName + ".shape");
        tensor.shape.push_back(dim.get<int64_t>());
        if (__builtin_mul_overflow(elements, dim.get<uint64_t>(), &elements))
            return Status::parseError("element count overflows").atField(tensorName + ".shape");
    }

    auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
        return Status::parseError("expected [begin, end] byte offsets").atField(tensorName + ".data_offsets");
    const auto begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
    if (begin > end || end > dataSize)
        return Status::parseError("[" + std::to_string(begin) + ", " + std::to_string(end) +
                                  ") lies outside the data section of " + std::to_string(dataSize) + " bytes")
            .atField(tensorName + ".data_offsets");
    const auto expected = storageBytes(tensor.dtype, elements);
    if (!expected || *expected != end - begin)
        return Status::parseError("holds " + std::to_string(end - begin) +
                                  " bytes but shape and dtype need " +
                                  (expected ? std::to_string(*expected) : std::string("an overflowing size")))
            .atField(tensorName + ".data_offsets");
    tensor.data = dataStart + begin;
    tensor.byteSize = end - begin;
    return Status::ok();
}

Status mergeInto(SafetensorsWeights& weights, SafetensorsHeader&& header, std::shared_ptr<MappedFile> file) {
    for (TensorInfo& tensor : header.tensors) {
        if (weights.find(tensor.name))
            return Status::parseError("tensor defined in two shards")
                .inFile(file->path())
                .atField(tensor.name);
        weights.tensors.push_back(std::move(tensor));
    }
    weights.metadata.merge(header.metadata);
    weights.files.push_back(std::move(file));
    return Status::ok();
}

} // namespace

Expected<SafetensorsHeader> parseSafetensors(const std::byte* data, uint64_t size, const std::string& name) {
    if (size < 8)
        return Status::parseError("file too short for the 8-byte header length")
            .inFile(name)
            .atField("header_length");
    uint64_t headerLength;
    std::memcpy(&headerLength, data, sizeof headerLength);
    if (headerLength > size - 8)
        return Status::parseError("header length " + std::to_string(headerLength) +
                                  " runs past the end of the file (" + std::to_string(size) + " bytes)")
            .inFile(name)
            .atField("header_length");
    if (headerLength > kMaxHeaderBytes)
        return Status::parseError("header length " + std::to_string(headerLength) + " exceeds 100 MB")
            .inFile(name)
            .atField("header_length");

    const char* text = reinterpret_cast<const char*>(data + 8);
    bool tooDeep = false;
    const Json root = parseJsonText(std::string_view(text, headerLength), &tooDeep);
    if (root.is_discarded())
        return Status::parseError(tooDeep ? "the header nests deeper than any safetensors header does"
                                          : "the header is not valid JSON (or not valid UTF-8)")
            .inFile(name)
            .atField("header");
    if (!root.is_object())
        return Status::parseError("the header must be a JSON object").inFile(name).atField("header");

    SafetensorsHeader header;
    const std::byte* dataStart = data + 8 + headerLength;
    const uint64_t dataSize = size - 8 - headerLength;
    for (const auto& [key, value] : root.items()) {
        if (key == "__metadata__") {
            if (!value.is_object())
                return Status::parseError("expected an object of strings").inFile(name).atField(key);
            for (const auto& [metaKey, metaValue] : value.items()) {
                if (!metaValue.is_string())
                    return Status::parseError("expected a string").inFile(name).atField(key + "." + metaKey);
                header.metadata[metaKey] = metaValue.get<std::string>();
            }
            continue;
        }
        TensorInfo tensor;
        Status status = parseTensor(key, value, dataStart, dataSize, tensor);
        if (!status.isOk())
            return std::move(status).inFile(name);
        header.tensors.push_back(std::move(tensor));
    }
    return header;
}

const TensorInfo* SafetensorsWeights::find(const std::string& name) const {
    auto it =
        std::find_if(tensors.begin(), tensors.end(), [&](const TensorInfo& t) { return t.name == name; });
    return it == tensors.end() ? nullptr : &*it;
}

Expected<SafetensorsWeights> readSafetensors(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
    auto file = std::make_shared<MappedFile>(std::move(mapped));
    ATTNSCOPE_ASSIGN_OR_RETURN(SafetensorsHeader header, parseSafetensors(file->data(), file->size(), path));
    SafetensorsWeights weights;
    ATTNSCOPE_TRY(mergeInto(weights, std::move(header), std::move(file)));
    return weights;
}

Expected<SafetensorsWeights> readSafetensorsDirectory(const std::string& directory) {
    namespace fs = std::filesystem;
    const fs::path dir(directory);
    std::error_code error;
    if (fs::is_regular_file(dir / "model.safetensors", error))
        return readSafetensors((dir / "model.safetensors").string());

    const std::string indexPath = (dir / "model.safetensors.index.json").string();
    std::ifstream indexFile(indexPath, std::ios::binary);
    if (!indexFile)
        return Status::notFound("neither model.safetensors nor model.safetensors.index.json exists")
            .inFile(directory);
    std::stringstream buffer;
    buffer << indexFile.rdbuf();
    const Json index = parseJsonText(buffer.str());
    if (index.is_discarded() || !index.is_object())
        return Status::parseError("not a JSON object").inFile(indexPath);
    auto map = index.find("weight_map");
    if (map == index.end() || !map->is_object())
        return Status::parseError("missing weight_map object").inFile(indexPath).atField("weight_map");

    std::map<std::string, std::vector<std::string>> tensorsByShard;
    for (const auto& [tensor, shard] : map->items()) {
        if (!shard.is_string() || shard.get<std::string>().find('/') != std::string::npos)
            return Status::parseError("expected a shard file name in this directory")
                .inFile(indexPath)
                .atField("weight_map." + tensor);
        tensorsByShard[shard.get<std::string>()].push_back(tensor);
    }
    SafetensorsWeights weights;
    for (const auto& [shard, names] : tensorsByShard) {
        ATTNSCOPE_ASSIGN_OR_RETURN(SafetensorsWeights part, readSafetensors((dir / shard).string()));
        for (const std::string& tensorName : names)
            if (!part.find(tensorName))
                return Status::notFound("the index places this tensor in " + shard + ", which lacks it")
                    .inFile(indexPath)
                    .atField("weight_map." + tensorName);
        ATTNSCOPE_TRY(mergeInto(weights, SafetensorsHeader{std::move(part.tensors), std::move(part.metadata)},
                                part.files.front()));
    }
    return weights;
}

} // namespace attnscope::model
