// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/llama2c.h"

#include <cstdlib>
#include <cstring>

namespace attnscope::model {

namespace {

constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);
constexpr int64_t kMaxField = int64_t(1) << 24;

/// The weights in file order: name and shape. The whole layout is this one list, so the size check
/// and the tensor views cannot disagree.
std::vector<std::pair<std::string, std::vector<int64_t>>> weightLayout(const Llama2cConfig& c) {
    const int64_t L = c.layers, d = c.dim, h = c.hiddenDim, kv = c.kvDim(), v = c.vocabSize;
    std::vector<std::pair<std::string, std::vector<int64_t>>> layout = {
        {"token_embedding_table", {v, d}},
        {"rms_att_weight", {L, d}},
        {"wq", {L, d, d}},
        {"wk", {L, kv, d}},
        {"wv", {L, kv, d}},
        {"wo", {L, d, d}},
        {"rms_ffn_weight", {L, d}},
        {"w1", {L, h, d}},
        {"w2", {L, d, h}},
        {"w3", {L, h, d}},
        {"rms_final_weight", {d}},
        {"freq_cis_real", {c.seqLen, c.headDim() / 2}},
        {"freq_cis_imag", {c.seqLen, c.headDim() / 2}}};
    if (!c.sharedClassifier)
        layout.push_back({"wcls", {v, d}});
    return layout;
}

} // namespace

Expected<Llama2cConfig> parseLlama2cHeader(const std::byte* data, uint64_t size, uint64_t fileSize,
                                           const std::string& name) {
    if (size < kHeaderBytes)
        return Status::parseError("file too short for a llama2.c header (28 bytes)")
            .inFile(name)
            .atField("header");
    int32_t h[7];
    std::memcpy(h, data, sizeof h);
    static const char* kFields[7] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                                     "n_kv_heads", "vocab_size", "seq_len"};
    for (int i = 0; i < 7; ++i) {
        const int64_t value = i == 5 ? std::llabs(static_cast<int64_t>(h[i])) : h[i];
        if (value <= 0 || value > kMaxField)
            return Status::unsupported(
                       "not a recognised model file (GGUF, llama2.c) or directory: as a llama2.c "
                       "header, " +
                       std::string(kFields[i]) + " = " + std::to_string(h[i]) + " is implausible")
                .inFile(name)
                .atField(std::string("header.") + kFields[i]);
    }
    Llama2cConfig config{h[0], h[1],    h[2], h[3], h[4], static_cast<int32_t>(std::llabs(h[5])),
                         h[6], h[5] > 0};
    if (config.dim % config.heads != 0 || config.heads % config.kvHeads != 0 || config.headDim() % 2 != 0)
        return Status::parseError(
                   "dim " + std::to_string(config.dim) + ", n_heads " + std::to_string(config.heads) +
                   ", n_kv_heads " + std::to_string(config.kvHeads) +
                   " are inconsistent (dim/n_heads must be even and n_heads a multiple of n_kv_heads)")
            .inFile(name)
            .atField("header");

    // Checked arithmetic: with every field near its limit the sizes overflow 64 bits (found by fuzzing).
    uint64_t floats = 0;
    for (const auto& [tensor, shape] : weightLayout(config)) {
        uint64_t count = 1;
        for (int64_t extent : shape)
            if (__builtin_mul_overflow(count, static_cast<uint64_t>(extent), &count))
                return Status::parseError("the header implies more than 2^64 weights")
                    .inFile(name)
                    .atField("header");
        if (__builtin_add_overflow(floats, count, &floats))
            return Status::parseError("the header implies more than 2^64 weights")
                .inFile(name)
                .atField("header");
    }
    uint64_t expected = 0;
    if (__builtin_mul_overflow(floats, uint64_t(4), &expected) ||
        __builtin_add_overflow(expected, kHeaderBytes, &expected))
        return Status::parseError("the header implies more than 2^64 bytes").inFile(name).atField("header");
    if (expected != fileSize)
        return Status::parseError("the header implies " + std::to_string(expected) +
                                  " bytes but the file has " + std::to_string(fileSize) +
                                  " (truncated, or not a llama2.c checkpoint)")
            .inFile(name)
            .atField("header");
    return config;
}

const TensorInfo* Llama2cCheckpoint::find(const std::string& name) const {
    for (const TensorInfo& tensor : tensors)
        if (tensor.name == name)
            return &tensor;
    return nullptr;
}

Expected<Llama2cCheckpoint> readLlama2c(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
    Llama2cCheckpoint checkpoint;
    checkpoint.file = std::make_shared<MappedFile>(std::move(mapped));
    const MappedFile& file = *checkpoint.file;
    ATTNSCOPE_ASSIGN_OR_RETURN(checkpoint.config,
                               parseLlama2cHeader(file.data(), file.size(), file.size(), path));

    uint64_t offset = kHeaderBytes;
    for (auto& [tensorName, shape] : weightLayout(checkpoint.config)) {
        TensorInfo tensor{tensorName, TensorDType::F32, shape, file.data() + offset, 0};
        tensor.byteSize = static_cast<uint64_t>(tensor.elementCount()) * sizeof(float);
        offset += tensor.byteSize; // the header check proved the whole layout fits exactly
        checkpoint.tensors.push_back(std::move(tensor));
    }
    if (checkpoint.config.sharedClassifier) {
        TensorInfo classifier = checkpoint.tensors.front();
        classifier.name = "wcls";
        checkpoint.tensors.push_back(std::move(classifier));
    }
    return checkpoint;
}

} // namespace attnscope::model
