// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/model_format.h"

#include "attnscope/model/llama2c.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace attnscope::model {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kProbeBytes = 64;

const char* kPickleAdvice =
    "this is a Python pickle checkpoint, which can execute arbitrary code when loaded, so AttnScope "
    "refuses it. Convert it to safetensors first, e.g. in Python: "
    "`from safetensors.torch import save_file; save_file(torch.load(path), 'model.safetensors')` "
    "or `model.save_pretrained(dir, safe_serialization=True)`";

template <typename T>
T readLittle(const unsigned char* data) {
    T value;
    std::memcpy(&value, data, sizeof value); // the project targets little-endian hosts only
    return value;
}

bool isPickle(const unsigned char* data, std::size_t size) {
    // torch.save writes a zip archive (PK\3\4) since 1.6; older files are raw pickles (0x80 proto).
    if (size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0)
        return true;
    return size >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5;
}

Expected<ModelProbe> probeGguf(const unsigned char* data, std::size_t size, const std::string& name) {
    if (size < 24)
        return Status::parseError("file too short for a GGUF header (24 bytes)")
            .inFile(name)
            .atField("header");
    const uint32_t version = readLittle<uint32_t>(data + 4);
    if (version != 2 && version != 3)
        return Status::unsupported("GGUF version " + std::to_string(version) + " (supported: 2, 3)")
            .inFile(name)
            .atField("version");
    const uint64_t tensors = readLittle<uint64_t>(data + 8);
    const uint64_t entries = readLittle<uint64_t>(data + 16);
    // Absurd counts mean corruption; refuse before anyone allocates for them.
    if (tensors > (1u << 20))
        return Status::parseError("implausible tensor count " + std::to_string(tensors))
            .inFile(name)
            .atField("tensor_count");
    if (entries > (1u << 20))
        return Status::parseError("implausible metadata count " + std::to_string(entries))
            .inFile(name)
            .atField("metadata_kv_count");
    return ModelProbe{ModelFormat::Gguf, name,
                      "GGUF v" + std::to_string(version) + ": " + std::to_string(tensors) + " tensors, " +
                          std::to_string(entries) + " metadata entries",
                      version};
}

Expected<ModelProbe> probeLlama2c(const unsigned char* data, std::size_t size, uint64_t fileSize,
                                  const std::string& name) {
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Llama2cConfig config,
        parseLlama2cHeader(reinterpret_cast<const std::byte*>(data), size, fileSize, name));
    return ModelProbe{ModelFormat::Llama2c, name,
                      "llama2.c: " + std::to_string(config.layers) + " layers, dim " +
                          std::to_string(config.dim) + ", " + std::to_string(config.heads) + "/" +
                          std::to_string(config.kvHeads) + " heads, vocab " +
                          std::to_string(config.vocabSize),
                      0};
}

Expected<ModelProbe> probeDirectory(const fs::path& dir) {
    const std::string name = dir.string();
    std::error_code error;
    const bool hasConfig = fs::is_regular_file(dir / "config.json", error);
    const bool single = fs::is_regular_file(dir / "model.safetensors", error);
    const bool sharded = fs::is_regular_file(dir / "model.safetensors.index.json", error);
    if (!single && !sharded) {
        for (const char* pickle : {"pytorch_model.bin", "pytorch_model.bin.index.json"})
            if (fs::is_regular_file(dir / pickle, error))
                return Status::unsupported(kPickleAdvice).inFile((dir / pickle).string());
        return Status::notFound("no model.safetensors or model.safetensors.index.json in this directory")
            .inFile(name);
    }
    if (!hasConfig)
        return Status::notFound("missing config.json next to the weights")
            .inFile(name)
            .atField("config.json");
    const bool tokenizer = fs::is_regular_file(dir / "tokenizer.json", error);
    return ModelProbe{ModelFormat::HuggingFaceDirectory, name,
                      std::string("Hugging Face directory: ") +
                          (sharded ? "sharded safetensors" : "model.safetensors") +
                          (tokenizer ? ", tokenizer.json" : ", no tokenizer.json"),
                      0};
}

} // namespace

const char* modelFormatName(ModelFormat format) {
    switch (format) {
    case ModelFormat::HuggingFaceDirectory:
        return "hf";
    case ModelFormat::Gguf:
        return "gguf";
    case ModelFormat::Llama2c:
        return "llama2c";
    }
    return "unknown";
}

Expected<ModelProbe> probeModelBytes(const unsigned char* data, std::size_t size, uint64_t fileSize,
                                     const std::string& name) {
    if (size >= 4 && std::memcmp(data, "GGUF", 4) == 0)
        return probeGguf(data, size, name);
    if (isPickle(data, size))
        return Status::unsupported(kPickleAdvice).inFile(name);
    if (size >= 9 && data[8] == '{' && readLittle<uint64_t>(data) < fileSize)
        return Status::unsupported(
                   "a lone safetensors file has no config: open the Hugging Face directory that "
                   "contains it (with config.json)")
            .inFile(name);
    return probeLlama2c(data, size, fileSize, name);
}

Expected<ModelProbe> probeModelFormat(const std::string& path) {
    std::error_code error;
    const fs::path p(path);
    if (!fs::exists(p, error))
        return Status::notFound("no such file or directory").inFile(path);
    if (fs::is_directory(p, error))
        return probeDirectory(p);
    const uint64_t fileSize = fs::file_size(p, error);
    if (error)
        return Status::ioError("cannot read the file size: " + error.message()).inFile(path);
    std::ifstream file(p, std::ios::binary);
    if (!file)
        return Status::ioError("cannot open for reading").inFile(path);
    std::vector<unsigned char> head(kProbeBytes);
    file.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(file.gcount()));
    return probeModelBytes(head.data(), head.size(), fileSize, path);
}

} // namespace attnscope::model
