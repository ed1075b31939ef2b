// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/safetensors.h"

#include "../../support/temp_dir.h"

#include <cstring>

using namespace attnscope;
using namespace attnscope::test;

namespace {

class Safetensors : public TempDirTest {};

std::vector<SafetensorsEntry> sampleEntries() {
    std::vector<uint16_t> bf16 = {0x3F80, 0xC040, 0x0000, 0x4000}; // 1, -3, 0, 2
    std::vector<uint16_t> f16 = {floatToHalf(0.5f), floatToHalf(-1.25f), floatToHalf(8.0f),
                                 floatToHalf(0.0f)};
    return {{"model.embed.weight", "F32", {2, 3}, bytesOf(std::vector<float>{1, 2, 3, 4, 5, 6})},
            {"model.norm.weight", "BF16", {4}, bytesOf(bf16)},
            {"lm_head.weight", "F16", {2, 2}, bytesOf(f16)}};
}

std::vector<float> toFloat(const model::TensorInfo& tensor) {
    std::vector<float> out(tensor.elementCount());
    Status status = model::dequantizeToFloat(tensor, out.data());
    EXPECT_TRUE(status.isOk()) << status.toString();
    return out;
}

Expected<model::SafetensorsHeader> parse(const Bytes& bytes) {
    return model::parseSafetensors(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(),
                                   "m.safetensors");
}

/// A valid image whose header text is replaced by `header` (length prefix fixed up).
Bytes withHeader(const std::string& header, std::size_t dataBytes = 0) {
    Bytes out;
    appendRaw(out, static_cast<uint64_t>(header.size()));
    out.insert(out.end(), header.begin(), header.end());
    out.resize(out.size() + dataBytes, 0);
    return out;
}

} // namespace

TEST_F(Safetensors, ReadsTensorsAndMetadataFromAMappedFile) {
    const std::string file =
        write("model.safetensors", writeSafetensors(sampleEntries(), {{"format", "pt"}}));
    auto weights = model::readSafetensors(file);
    ASSERT_TRUE(weights) << weights.status().toString();
    ASSERT_EQ(weights->tensors.size(), 3u);
    EXPECT_EQ(weights->metadata.at("format"), "pt");
    const model::TensorInfo* embed = weights->find("model.embed.weight");
    ASSERT_NE(embed, nullptr);
    EXPECT_EQ(embed->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(toFloat(*embed), (std::vector<float>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(toFloat(*weights->find("model.norm.weight")), (std::vector<float>{1, -3, 0, 2}));
    EXPECT_EQ(toFloat(*weights->find("lm_head.weight")), (std::vector<float>{0.5f, -1.25f, 8.0f, 0.0f}));
    // Memory-mapped: the tensor bytes live inside the file mapping, not in a copy.
    const auto* begin = weights->files.front()->data();
    EXPECT_GE(embed->data, begin);
    EXPECT_LT(embed->data, begin + weights->files.front()->size());
}

TEST_F(Safetensors, ShardedDirectoryFollowsTheIndex) {
    auto entries = sampleEntries();
    write("hf/model-00001-of-00002.safetensors", writeSafetensors({entries[0]}));
    write("hf/model-00002-of-00002.safetensors", writeSafetensors({entries[1], entries[2]}));
    const std::string index = R"({"metadata": {}, "weight_map": {
        "model.embed.weight": "model-00001-of-00002.safetensors",
        "model.norm.weight": "model-00002-of-00002.safetensors",
        "lm_head.weight": "model-00002-of-00002.safetensors"}})";
    write("hf/model.safetensors.index.json", Bytes(index.begin(), index.end()));
    auto weights = model::readSafetensorsDirectory(path("hf"));
    ASSERT_TRUE(weights) << weights.status().toString();
    EXPECT_EQ(weights->tensors.size(), 3u);
    EXPECT_EQ(weights->files.size(), 2u);
    EXPECT_EQ(toFloat(*weights->find("model.norm.weight")), (std::vector<float>{1, -3, 0, 2}));
}

TEST_F(Safetensors, IndexNamingAMissingTensorIsAnError) {
    write("hf/a.safetensors", writeSafetensors({sampleEntries()[0]}));
    const std::string index =
        R"({"weight_map": {"model.embed.weight": "a.safetensors", "ghost": "a.safetensors"}})";
    write("hf/model.safetensors.index.json", Bytes(index.begin(), index.end()));
    auto weights = model::readSafetensorsDirectory(path("hf"));
    ASSERT_FALSE(weights);
    EXPECT_EQ(weights.status().field(), "weight_map.ghost");
    EXPECT_NE(weights.status().file().find("model.safetensors.index.json"), std::string::npos);
}

struct BadHeader {
    const char* label;
    Bytes bytes;
    const char* field;
};

TEST(SafetensorsErrors, NameTheField) {
    const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    Bytes huge;
    appendRaw(huge, uint64_t(1) << 62);
    const std::vector<BadHeader> cases = {
        {"too short", Bytes{1, 2, 3}, "header_length"},
        {"length past end", huge, "header_length"},
        {"not json", withHeader("{not json"), "header"},
        {"invalid utf-8", withHeader("{\"w\xff\":{}}"), "header"},
        {"array root", withHeader("[1,2]"), "header"},
        {"unknown dtype", withHeader(R"({"w":{"dtype":"F8_E9","shape":[2],"data_offsets":[0,8]}})", 8),
         "w.dtype"},
        {"negative dim", withHeader(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
         "w.shape"},
        {"absurd dim", withHeader(R"({"w":{"dtype":"F32","shape":[1099511627777],"data_offsets":[0,8]}})", 8),
         "w.shape"},
        {"offsets past end", withHeader(ok, 4), "w.data_offsets"},
        {"size mismatch", withHeader(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
         "w.data_offsets"},
        {"reversed offsets", withHeader(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
         "w.data_offsets"},
        {"metadata not strings", withHeader(R"({"__metadata__":{"a":1}})"), "__metadata__.a"},
    };
    for (const BadHeader& c : cases) {
        auto header = parse(c.bytes);
        ASSERT_FALSE(header) << c.label;
        EXPECT_EQ(header.status().file(), "m.safetensors") << c.label;
        EXPECT_EQ(header.status().field(), c.field) << c.label << ": " << header.status().toString();
    }
    EXPECT_TRUE(parse(withHeader(ok, 8))) << "the control case must parse";
}

TEST(SafetensorsErrors, EveryTruncationFailsCleanly) {
    const Bytes full = writeSafetensors(sampleEntries());
    for (std::size_t length = 0; length < full.size(); ++length) {
        const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
        EXPECT_FALSE(parse(prefix)) << "a " << length << "-byte prefix parsed";
    }
}
