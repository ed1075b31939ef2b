// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/model_format.h"

#include "../../support/temp_dir.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace attnscope;
namespace fs = std::filesystem;

namespace {

class ModelFormatTest : public test::TempDirTest {
protected:
    template <typename T>
    static void append(std::vector<unsigned char>& bytes, T value) {
        test::appendRaw(bytes, value);
    }

    static std::vector<unsigned char> ggufHeader(uint32_t version, uint64_t tensors, uint64_t entries) {
        std::vector<unsigned char> bytes{'G', 'G', 'U', 'F'};
        append(bytes, version);
        append(bytes, tensors);
        append(bytes, entries);
        return bytes;
    }

    /// A complete llama2.c file: header + the exact number of fp32 weights it implies.
    static std::vector<unsigned char> llama2c(int32_t vocab, std::size_t dropBytes = 0) {
        const int32_t dim = 8, hidden = 16, layers = 1, heads = 2, kvHeads = 1, seqLen = 4;
        std::vector<unsigned char> bytes;
        for (int32_t value : {dim, hidden, layers, heads, kvHeads, vocab, seqLen})
            append(bytes, value);
        const int64_t kvDim = kvHeads * (dim / heads), v = std::abs(vocab);
        const int64_t floats = v * dim +
                               layers * (2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden) + dim +
                               seqLen * (dim / heads) + (vocab > 0 ? 0 : v * dim);
        bytes.resize(bytes.size() + 4 * floats - dropBytes, 0);
        return bytes;
    }
};

} // namespace

TEST_F(ModelFormatTest, RecognisesGgufHeaders) {
    auto probe = model::probeModelFormat(write("m.gguf", ggufHeader(3, 291, 24)));
    ASSERT_TRUE(probe) << probe.status().toString();
    EXPECT_EQ(probe->format, model::ModelFormat::Gguf);
    EXPECT_EQ(probe->formatVersion, 3u);
    EXPECT_EQ(probe->summary, "GGUF v3: 291 tensors, 24 metadata entries");
}

TEST_F(ModelFormatTest, RefusesOldOrCorruptGguf) {
    auto old = model::probeModelFormat(write("old.gguf", ggufHeader(1, 1, 1)));
    EXPECT_EQ(old.status().code(), StatusCode::Unsupported);
    EXPECT_EQ(old.status().field(), "version");
    auto absurd = model::probeModelFormat(write("absurd.gguf", ggufHeader(3, uint64_t(1) << 40, 1)));
    EXPECT_EQ(absurd.status().field(), "tensor_count");
    auto truncated = model::probeModelFormat(write("short.gguf", {'G', 'G', 'U', 'F', 3, 0}));
    EXPECT_EQ(truncated.status().code(), StatusCode::ParseError);
    EXPECT_NE(truncated.status().file().find("short.gguf"), std::string::npos);
}

TEST_F(ModelFormatTest, RecognisesLlama2cBySizeAndHeader) {
    auto shared = model::probeModelFormat(write("stories.bin", llama2c(10)));
    ASSERT_TRUE(shared) << shared.status().toString();
    EXPECT_EQ(shared->format, model::ModelFormat::Llama2c);
    auto unshared = model::probeModelFormat(write("unshared.bin", llama2c(-10)));
    ASSERT_TRUE(unshared) << unshared.status().toString();
    auto truncated = model::probeModelFormat(write("truncated.bin", llama2c(10, 4)));
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.status().field(), "header");
    EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
}

TEST_F(ModelFormatTest, HugeLlama2cHeaderDoesNotOverflow) {
    // Regression (found by fuzz_model_format): every field at its 2^24 limit overflowed 64-bit sizes.
    std::vector<unsigned char> bytes;
    // Consistent heads (head dim 4) so the size computation itself is reached.
    for (int32_t value : {1 << 24, 1 << 24, 1 << 24, 1 << 22, 1 << 22, 1 << 24, 1 << 24})
        append(bytes, value);
    auto probe = model::probeModelFormat(write("huge.bin", bytes));
    ASSERT_FALSE(probe);
    EXPECT_EQ(probe.status().field(), "header");
}

TEST_F(ModelFormatTest, RefusesPickleCheckpointsWithConversionAdvice) {
    auto zip = model::probeModelFormat(write("model.pt", {'P', 'K', 3, 4, 0, 0, 0, 0}));
    ASSERT_FALSE(zip);
    EXPECT_EQ(zip.status().code(), StatusCode::Unsupported);
    EXPECT_NE(zip.status().message().find("execute"), std::string::npos);
    EXPECT_NE(zip.status().message().find("safetensors"), std::string::npos);
    auto raw = model::probeModelFormat(write("old.pth", {0x80, 0x02, ']', 'q'}));
    EXPECT_EQ(raw.status().code(), StatusCode::Unsupported);
}

TEST_F(ModelFormatTest, HuggingFaceDirectories) {
    write("hf/config.json", {'{', '}'});
    write("hf/model.safetensors", {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
    auto probe = model::probeModelFormat((m_dir / "hf").string());
    ASSERT_TRUE(probe) << probe.status().toString();
    EXPECT_EQ(probe->format, model::ModelFormat::HuggingFaceDirectory);

    write("pickled/config.json", {'{', '}'});
    write("pickled/pytorch_model.bin", {'P', 'K', 3, 4});
    auto pickled = model::probeModelFormat((m_dir / "pickled").string());
    EXPECT_EQ(pickled.status().code(), StatusCode::Unsupported);
    EXPECT_NE(pickled.status().file().find("pytorch_model.bin"), std::string::npos);

    write("noconfig/model.safetensors", {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
    auto noConfig = model::probeModelFormat((m_dir / "noconfig").string());
    EXPECT_EQ(noConfig.status().field(), "config.json");

    fs::create_directories(m_dir / "empty");
    EXPECT_EQ(model::probeModelFormat((m_dir / "empty").string()).status().code(), StatusCode::NotFound);
}

TEST_F(ModelFormatTest, JunkAndMissingFilesAreClearErrors) {
    auto junk = model::probeModelFormat(write("notes.txt", {'h', 'e', 'l', 'l', 'o'}));
    ASSERT_FALSE(junk);
    EXPECT_NE(junk.status().file().find("notes.txt"), std::string::npos);
    auto empty = model::probeModelFormat(write("empty.bin", {}));
    EXPECT_FALSE(empty);
    EXPECT_EQ(model::probeModelFormat((m_dir / "missing").string()).status().code(), StatusCode::NotFound);
}

TEST(ModelFormatSharedData, RealGgufVocabularyFiles) {
    const fs::path dir = fs::path(ATTNSCOPE_SHARED_DATA_DIR) / "gguf-vocab";
    if (!fs::is_directory(dir))
        GTEST_SKIP() << "shared data not found at " << dir << " (CI places ../shared beside the clone)";
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".gguf")
            continue;
        auto probe = model::probeModelFormat(entry.path().string());
        ASSERT_TRUE(probe) << probe.status().toString();
        EXPECT_EQ(probe->format, model::ModelFormat::Gguf);
        EXPECT_GE(probe->formatVersion, 2u);
        ++seen;
    }
    EXPECT_GT(seen, 0);
}
