// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/gguf.h"

#include "../../support/damaged_data.h"
#include "../../support/shared_gguf.h"
#include "../../support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

using namespace attnscope;
using namespace attnscope::test;

namespace {

class Gguf : public TempDirTest {};

Expected<model::GgufFile> parse(const Bytes& bytes) {
    return model::parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "m.gguf");
}

/// A small model-like file: every metadata kind, an F32 matrix and a Q8_0 row.
GgufBuilder sampleBuilder(uint64_t alignment = 32) {
    GgufBuilder builder(alignment);
    builder.addString("general.architecture", "llama");
    if (alignment != 32)
        builder.addUInt32("general.alignment", static_cast<uint32_t>(alignment));
    builder.addUInt32("llama.block_count", 2);
    builder.addInt32("llama.rope.dimension_count", -4);
    builder.addFloat32("llama.rope.freq_base", 10000.0f);
    builder.addUInt64("llama.context_length", 4096);
    builder.addBool("tokenizer.ggml.add_bos_token", true);
    builder.addStringArray("tokenizer.ggml.tokens", {"<s>", "hello", "wörld", ""});
    builder.addFloat32Array("tokenizer.ggml.scores", {0.0f, -1.5f, -2.5f, -3.0f});
    builder.addInt32Array("tokenizer.ggml.token_type", {3, 1, 1, 1});
    builder.addTensor("output.weight", {3, 2}, 0, bytesOf(std::vector<float>{1, 2, 3, 4, 5, 6}));
    Bytes q8;
    appendRaw(q8, floatToHalf(0.5f));
    for (int i = 0; i < 32; ++i)
        q8.push_back(static_cast<unsigned char>(static_cast<int8_t>(i - 16)));
    builder.addTensor("blk.0.attn_q.weight", {32, 1}, 8, q8);
    return builder;
}

} // namespace

TEST_F(Gguf, ParsesMetadataOfEveryKindAndTensors) {
    for (uint64_t alignment : {32u, 64u}) {
        auto gguf = model::readGguf(
            write("m" + std::to_string(alignment) + ".gguf", sampleBuilder(alignment).build()));
        ASSERT_TRUE(gguf) << gguf.status().toString();
        EXPECT_EQ(gguf->version, 3u);
        EXPECT_EQ(gguf->alignment, alignment);
        EXPECT_EQ(gguf->dataOffset % alignment, 0u);
        EXPECT_EQ(gguf->architecture(), "llama");
        EXPECT_EQ(gguf->find("llama.block_count")->toInt(), 2);
        EXPECT_EQ(gguf->find("llama.rope.dimension_count")->toInt(), -4);
        EXPECT_EQ(gguf->find("llama.rope.freq_base")->toDouble(), 10000.0);
        EXPECT_EQ(gguf->find("llama.context_length")->toInt(), 4096);
        EXPECT_EQ(gguf->find("tokenizer.ggml.add_bos_token")->toInt(), 1);
        const model::GgufValue* tokens = gguf->find("tokenizer.ggml.tokens");
        ASSERT_NE(tokens, nullptr);
        ASSERT_EQ(tokens->type, model::GgufType::Array);
        ASSERT_EQ(tokens->array.size(), 4u);
        EXPECT_EQ(*tokens->array[2].toString(), "wörld");
        EXPECT_EQ(*tokens->array[3].toString(), "");
        EXPECT_EQ(gguf->find("tokenizer.ggml.scores")->array[1].toDouble(), -1.5);
        EXPECT_EQ(gguf->find("tokenizer.ggml.token_type")->array[0].toInt(), 3);

        const model::TensorInfo* output = gguf->findTensor("output.weight");
        ASSERT_NE(output, nullptr);
        EXPECT_EQ(output->shape, (std::vector<int64_t>{2, 3})) << "ggml ne {3, 2} is row-major [2, 3]";
        std::vector<float> values(6);
        ASSERT_TRUE(model::dequantizeToFloat(*output, values.data()).isOk());
        EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
        const model::TensorInfo* q = gguf->findTensor("blk.0.attn_q.weight");
        ASSERT_NE(q, nullptr);
        EXPECT_EQ(q->dtype, model::TensorDType::Q8_0);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(q->data - gguf->file->data() - gguf->dataOffset) % alignment,
                  0u);
        std::vector<float> row(32);
        ASSERT_TRUE(model::dequantizeToFloat(*q, row.data()).isOk());
        EXPECT_EQ(row[0], -8.0f);
        EXPECT_EQ(row[31], 7.5f);
    }
}

TEST(GgufErrors, EveryTruncationFailsCleanly) {
    const Bytes full = sampleBuilder().build();
    ASSERT_TRUE(parse(full));
    for (std::size_t length = 0; length < full.size(); ++length) {
        const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
        auto gguf = parse(prefix);
        EXPECT_FALSE(gguf) << "a " << length << "-byte prefix parsed";
        if (!gguf) {
            EXPECT_EQ(gguf.status().file(), "m.gguf");
        }
    }
}

TEST(GgufErrors, NameTheFieldAtFault) {
    auto expectField = [](const Bytes& bytes, const std::string& field, const char* label) {
        auto gguf = parse(bytes);
        ASSERT_FALSE(gguf) << label;
        EXPECT_EQ(gguf.status().field(), field) << label << ": " << gguf.status().toString();
    };
    {
        GgufBuilder b;
        b.addTensor("t", {4}, 99, Bytes(16));
        expectField(b.build(), "t.type", "unknown ggml type");
    }
    {
        GgufBuilder b;
        b.addRaw("k", 42, Bytes{0});
        expectField(b.build(), "k", "unknown value type");
    }
    {
        GgufBuilder b;
        b.addRaw("flag", 7, Bytes{2});
        expectField(b.build(), "flag", "bool byte 2");
    }
    {
        GgufBuilder b;
        b.addUInt32("x", 1);
        b.addUInt32("x", 2);
        expectField(b.build(), "x", "duplicate key");
    }
    {
        // 2^23 + 1 one-byte elements (8 MB of file) would take ~700 MB as parsed values: refused. Types
        // from gguf.h's numbering: array 9, uint8 0.
        const uint64_t count = (uint64_t(1) << 23) + 1;
        Bytes payload;
        appendRaw(payload, uint32_t{0});
        appendRaw(payload, count);
        payload.resize(payload.size() + count, 1);
        GgufBuilder b;
        b.addRaw("huge", 9, payload);
        expectField(b.build(), "huge", "metadata element budget");
    }
    {
        GgufBuilder b;
        b.addUInt32("general.alignment", 24);
        expectField(b.build(), "general.alignment", "alignment not a power of two");
    }
    {
        GgufBuilder b;
        b.addTensor("t", {33}, 8, Bytes(34)); // 33 elements are not whole Q8_0 blocks
        expectField(b.build(), "t.ne", "partial block");
    }
    {
        GgufBuilder b;
        b.addTensor("t", {1, 1, 1, 1, 1}, 0, Bytes(4));
        expectField(b.build(), "t.n_dims", "five dimensions");
    }
    {
        GgufBuilder b;
        b.addTensor("t", {8}, 0, Bytes(32));
        Bytes bytes = b.build();
        bytes.resize(bytes.size() - 4); // the tensor's data now ends past the file
        expectField(bytes, "t.offset", "data past the end");
    }
    {
        Bytes payload;
        appendRaw(payload, uint32_t(8));       // array of strings
        appendRaw(payload, uint64_t(1) << 60); // absurd count
        GgufBuilder b;
        b.addRaw("tokenizer.ggml.tokens", 9, payload);
        expectField(b.build(), "tokenizer.ggml.tokens", "absurd array count");
    }
    {
        Bytes bytes{'G', 'G', 'U', 'F'};
        appendRaw(bytes, uint32_t(1));
        bytes.resize(64, 0);
        expectField(bytes, "version", "version 1");
    }
    expectField(Bytes{'G', 'G', 'M', 'L', 3, 0, 0, 0}, "magic", "bad magic");
}

TEST(GgufSharedData, ParsesTheRealVocabularyFiles) {
    const std::filesystem::path data = std::filesystem::path(ATTNSCOPE_SHARED_DATA_DIR);
    const std::filesystem::path dir = data / "gguf-vocab";
    if (!std::filesystem::is_directory(dir))
        GTEST_SKIP() << "shared data not found at " << dir;
    // llama.cpp's vocab files: architecture, tokenizer model and vocabulary size of each.
    const std::map<std::string, std::tuple<std::string, std::string, std::size_t>> expected{
        {"ggml-vocab-gpt-2.gguf", {"gpt2", "gpt2", 50257}},
        {"ggml-vocab-bert-bge.gguf", {"bert", "bert", 30522}},
        {"ggml-vocab-llama-spm.gguf", {"llama", "llama", 32000}},
        {"ggml-vocab-phi-3.gguf", {"phi3", "llama", 32064}},
    };
    int parsed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".gguf")
            continue;
        const std::string name = entry.path().filename().string();
        auto direct = model::readGguf(entry.path().string());
        if (!direct) {
            // A damaged copy must be refused with a message naming the file and the field, never crash.
            ASSERT_TRUE(test::looksTextMangled(entry.path().string())) << direct.status().toString();
            EXPECT_EQ(direct.status().file(), entry.path().string());
            EXPECT_FALSE(direct.status().field().empty());
        }
        // The file as it was before the text conversion (tests/support/shared_gguf.h) must parse.
        const test::SharedGguf shared = test::readSharedGguf(entry.path().string(), data.string());
        ASSERT_TRUE(shared.error.empty()) << shared.error;
        auto gguf = model::parseGguf(reinterpret_cast<const std::byte*>(shared.bytes.data()),
                                     shared.bytes.size(), name);
        ASSERT_TRUE(gguf) << gguf.status().toString();
        const model::GgufValue* tokens = gguf->find("tokenizer.ggml.tokens");
        const model::GgufValue* tokenizer = gguf->find("tokenizer.ggml.model");
        ASSERT_NE(tokens, nullptr) << name;
        ASSERT_NE(tokenizer, nullptr) << name;
        ASSERT_NE(tokenizer->toString(), nullptr) << name;
        EXPECT_EQ(gguf->version, 3u) << name;
        const auto known = expected.find(name);
        if (known == expected.end()) {
            EXPECT_GT(tokens->array.size(), 1000u) << name;
        } else {
            EXPECT_EQ(gguf->architecture(), std::get<0>(known->second)) << name;
            EXPECT_EQ(*tokenizer->toString(), std::get<1>(known->second)) << name;
            EXPECT_EQ(tokens->array.size(), std::get<2>(known->second)) << name;
        }
        ++parsed;
    }
    EXPECT_GE(parsed, 4);
}
