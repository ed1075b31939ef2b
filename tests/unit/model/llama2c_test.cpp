// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/llama2c.h"

#include "../../support/temp_dir.h"

using namespace attnscope;
using namespace attnscope::test;

namespace {

class Llama2c : public TempDirTest {};

/// A checkpoint whose every float is its own index, so tensor views can be checked exactly.
Bytes checkpoint(int32_t vocab, std::size_t dropFloats = 0) {
    const int32_t dim = 8, hidden = 12, layers = 2, heads = 2, kvHeads = 1, seqLen = 4;
    Bytes bytes;
    for (int32_t value : {dim, hidden, layers, heads, kvHeads, vocab, seqLen})
        appendRaw(bytes, value);
    const int64_t kv = kvHeads * (dim / heads), v = std::abs(vocab);
    const int64_t floats = v * dim + layers * (2 * dim + 2 * dim * dim + 2 * dim * kv + 3 * dim * hidden) +
                           dim + seqLen * (dim / heads) + (vocab > 0 ? 0 : v * dim);
    for (int64_t i = 0; i < floats - static_cast<int64_t>(dropFloats); ++i)
        appendRaw(bytes, static_cast<float>(i));
    return bytes;
}

float first(const model::TensorInfo& tensor) {
    float value;
    std::memcpy(&value, tensor.data, sizeof value);
    return value;
}

} // namespace

TEST_F(Llama2c, SharedClassifierIsTheEmbeddingTable) {
    auto ckpt = model::readLlama2c(write("m.bin", checkpoint(16)));
    ASSERT_TRUE(ckpt) << ckpt.status().toString();
    EXPECT_TRUE(ckpt->config.sharedClassifier);
    EXPECT_EQ(ckpt->config.kvDim(), 4);
    const model::TensorInfo* wq = ckpt->find("wq");
    ASSERT_NE(wq, nullptr);
    EXPECT_EQ(wq->shape, (std::vector<int64_t>{2, 8, 8}));
    // token_embedding_table (16*8) and rms_att_weight (2*8) come first.
    EXPECT_EQ(first(*wq), 16.0f * 8 + 2 * 8);
    EXPECT_EQ(ckpt->find("wcls")->data, ckpt->find("token_embedding_table")->data);
    EXPECT_EQ(ckpt->find("freq_cis_imag")->shape, (std::vector<int64_t>{4, 2}));
}

TEST_F(Llama2c, UnsharedClassifierFollowsTheWeights) {
    auto ckpt = model::readLlama2c(write("m.bin", checkpoint(-16)));
    ASSERT_TRUE(ckpt) << ckpt.status().toString();
    EXPECT_FALSE(ckpt->config.sharedClassifier);
    const model::TensorInfo* wcls = ckpt->find("wcls");
    ASSERT_NE(wcls, nullptr);
    EXPECT_NE(wcls->data, ckpt->find("token_embedding_table")->data);
    EXPECT_EQ(wcls->data + wcls->byteSize, ckpt->file->data() + ckpt->file->size())
        << "wcls is the last tensor";
}

TEST_F(Llama2c, TruncatedOrInconsistentHeadersAreRefused) {
    auto truncated = model::readLlama2c(write("t.bin", checkpoint(16, 1)));
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.status().field(), "header");
    EXPECT_NE(truncated.status().file().find("t.bin"), std::string::npos);

    Bytes bad = checkpoint(16);
    const int32_t threeHeads = 3; // 8 is not divisible by 3
    std::memcpy(bad.data() + 12, &threeHeads, 4);
    EXPECT_EQ(model::readLlama2c(write("bad.bin", bad)).status().field(), "header");

    Bytes negative = checkpoint(16);
    const int32_t minus = -1;
    std::memcpy(negative.data() + 8, &minus, 4);
    EXPECT_EQ(model::readLlama2c(write("neg.bin", negative)).status().field(), "header.n_layers");
}
