// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/gguf.h"
#include "attnscope/model/model_config.h"
#include "attnscope/model/model_summary.h"

#include "../../support/temp_dir.h"

using namespace attnscope;
using namespace attnscope::test;
using model::Architecture;

namespace {

class ModelConfigFiles : public TempDirTest {};

const char* kLlama32 = R"({
  "model_type": "llama", "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
  "hidden_size": 2048, "intermediate_size": 8192, "vocab_size": 128256, "max_position_embeddings": 131072,
  "head_dim": 64, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "torch_dtype": "bfloat16"})";

} // namespace

TEST(HfConfig, Llama32WithLlama3RopeScaling) {
    auto config = model::parseHfConfig(kLlama32, "config.json");
    ASSERT_TRUE(config) << config.status().toString();
    EXPECT_EQ(config->architecture, Architecture::Llama);
    EXPECT_EQ(config->layers, 16);
    EXPECT_EQ(config->heads, 32);
    EXPECT_EQ(config->kvHeads, 8);
    EXPECT_EQ(config->headDim, 64);
    EXPECT_EQ(config->contextLength, 131072);
    EXPECT_EQ(config->ropeTheta, 500000.0);
    EXPECT_EQ(config->ropeScaling.type, "llama3");
    EXPECT_EQ(config->ropeScaling.factor, 32.0);
    EXPECT_EQ(config->ropeScaling.originalContextLength, 8192);
    EXPECT_EQ(config->trainedContextLength, 8192); // from rope_scaling
    EXPECT_TRUE(config->tieEmbeddings);
    EXPECT_EQ(config->dtype, "bfloat16");
    EXPECT_TRUE(config->causal);
}

TEST(HfConfig, Transformers5KeepsRopeThetaAndScalingInRopeParameters) {
    // transformers 5 writes neither rope_theta nor rope_scaling at the top level.
    const char* llama = R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "hidden_size": 32, "intermediate_size": 64, "vocab_size": 128,
        "rope_parameters": {"rope_theta": 500000.0, "rope_type": "llama3", "factor": 8.0,
                            "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 8192}})";
    auto config = model::parseHfConfig(llama, "config.json");
    ASSERT_TRUE(config) << config.status().toString();
    EXPECT_EQ(config->ropeTheta, 500000.0);
    EXPECT_EQ(config->ropeScaling.type, "llama3");
    EXPECT_EQ(config->ropeScaling.factor, 8.0);
    EXPECT_EQ(config->trainedContextLength, 8192);

    const char* qwen = R"({"model_type": "qwen3", "num_hidden_layers": 2, "num_attention_heads": 4,
        "hidden_size": 32, "intermediate_size": 64, "vocab_size": 128,
        "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}})";
    config = model::parseHfConfig(qwen, "config.json");
    ASSERT_TRUE(config) << config.status().toString();
    EXPECT_EQ(config->ropeTheta, 1000000.0);
    EXPECT_TRUE(config->ropeScaling.type.empty());

    const char* yarn = R"({"model_type": "qwen2", "num_hidden_layers": 2, "num_attention_heads": 4,
        "hidden_size": 32, "intermediate_size": 64, "vocab_size": 128,
        "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "yarn", "factor": 4.0}})";
    config = model::parseHfConfig(yarn, "config.json");
    ASSERT_FALSE(config);
    EXPECT_NE(config.status().toString().find("rope_parameters.rope_type"), std::string::npos)
        << config.status().toString();
}

TEST(HfConfig, FamilySpecificDefaults) {
    auto mistral =
        model::parseHfConfig(R"({"model_type": "mistral", "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "hidden_size": 64, "intermediate_size": 128, "vocab_size": 100,
        "sliding_window": 4096})",
                             "m.json");
    ASSERT_TRUE(mistral) << mistral.status().toString();
    EXPECT_EQ(mistral->trainedContextLength, 0) << "not stated";
    EXPECT_EQ(mistral->slidingWindow, 4096);

    // Phi-3's long-context configs state the trained context at the top level.
    auto stated =
        model::parseHfConfig(R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
        "hidden_size": 64, "intermediate_size": 128, "vocab_size": 100, "max_position_embeddings": 32768,
        "original_max_position_embeddings": 1024})",
                             "s.json");
    ASSERT_TRUE(stated) << stated.status().toString();
    EXPECT_EQ(stated->contextLength, 32768);
    EXPECT_EQ(stated->trainedContextLength, 1024);
    EXPECT_EQ(mistral->headDim, 16);

    auto qwen2 =
        model::parseHfConfig(R"({"model_type": "qwen2", "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "hidden_size": 64, "intermediate_size": 128, "vocab_size": 100,
        "sliding_window": 4096, "use_sliding_window": false})",
                             "q.json");
    ASSERT_TRUE(qwen2);
    EXPECT_EQ(qwen2->slidingWindow, 0) << "Qwen2 ignores sliding_window unless use_sliding_window";
    EXPECT_TRUE(qwen2->attentionBias);

    auto qwen3 =
        model::parseHfConfig(R"({"model_type": "qwen3", "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "hidden_size": 64, "head_dim": 32, "intermediate_size": 128, "vocab_size": 100})",
                             "q3.json");
    ASSERT_TRUE(qwen3);
    EXPECT_TRUE(qwen3->qkNorm);
    EXPECT_EQ(qwen3->headDim, 32) << "an explicit head_dim overrides hidden/heads";

    auto gpt2 = model::parseHfConfig(R"({"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768,
        "vocab_size": 50257, "n_positions": 1024, "n_inner": null})",
                                     "g.json");
    ASSERT_TRUE(gpt2) << gpt2.status().toString();
    EXPECT_EQ(gpt2->intermediateSize, 3072);
    EXPECT_EQ(gpt2->headDim, 64);
    EXPECT_TRUE(gpt2->tieEmbeddings);

    auto bert =
        model::parseHfConfig(R"({"model_type": "bert", "num_hidden_layers": 12, "num_attention_heads": 12,
        "hidden_size": 384, "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512})",
                             "b.json");
    ASSERT_TRUE(bert);
    EXPECT_FALSE(bert->causal);
    EXPECT_EQ(bert->normEps, 1e-12);
}

TEST(HfConfig, ErrorsNameFileAndKey) {
    struct Case {
        const char* json;
        const char* field;
    };
    const Case cases[] = {
        {R"({"num_hidden_layers": 2})", "model_type"},
        {R"({"model_type": "mamba"})", "model_type"},
        {R"({"model_type": "llama", "num_attention_heads": 4, "hidden_size": 64, "intermediate_size": 1,
             "vocab_size": 10})",
         "num_hidden_layers"},
        {R"({"model_type": "llama", "num_hidden_layers": "two", "num_attention_heads": 4, "hidden_size": 64,
             "intermediate_size": 1, "vocab_size": 10})",
         "num_hidden_layers"},
        {R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 6, "num_key_value_heads": 4,
             "hidden_size": 96, "intermediate_size": 1, "vocab_size": 10})",
         "kv_heads"},
        {R"({"model_type": "llama", "num_hidden_layers": 99999999999, "num_attention_heads": 4, "hidden_size": 64,
             "intermediate_size": 1, "vocab_size": 10})",
         "num_hidden_layers"},
        {R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 64,
             "intermediate_size": 1, "vocab_size": 10, "rope_scaling": {"rope_type": "yarn", "factor": 4}})",
         "rope_scaling.rope_type"},
    };
    for (const Case& c : cases) {
        auto config = model::parseHfConfig(c.json, "dir/config.json");
        ASSERT_FALSE(config) << c.json;
        EXPECT_EQ(config.status().file(), "dir/config.json");
        EXPECT_EQ(config.status().field(), c.field) << config.status().toString();
    }
    EXPECT_FALSE(model::parseHfConfig("[]", "x.json"));
}

TEST_F(ModelConfigFiles, GgufArchitectureKeys) {
    GgufBuilder builder;
    builder.addString("general.architecture", "qwen2");
    builder.addUInt32("qwen2.block_count", 3);
    builder.addUInt32("qwen2.attention.head_count", 8);
    builder.addUInt32("qwen2.attention.head_count_kv", 2);
    builder.addUInt32("qwen2.embedding_length", 256);
    builder.addUInt32("qwen2.feed_forward_length", 512);
    builder.addUInt32("qwen2.context_length", 32768);
    builder.addFloat32("qwen2.rope.freq_base", 1000000.0f);
    builder.addStringArray("tokenizer.ggml.tokens", {"a", "b", "c"});
    builder.addTensor("token_embd.weight", {256, 3}, 0, Bytes(256 * 3 * 4));
    const std::string file = write("q.gguf", builder.build());
    auto gguf = model::readGguf(file);
    ASSERT_TRUE(gguf) << gguf.status().toString();
    auto config = model::configFromGguf(*gguf, file);
    ASSERT_TRUE(config) << config.status().toString();
    EXPECT_EQ(config->architecture, Architecture::Qwen2);
    EXPECT_EQ(config->kvHeads, 2);
    EXPECT_EQ(config->headDim, 32);
    EXPECT_EQ(config->vocabSize, 3);
    EXPECT_EQ(config->ropeTheta, 1000000.0);
    EXPECT_TRUE(config->tieEmbeddings) << "no output.weight: the embedding is the LM head";

    auto summary = model::summarizeModel(file);
    ASSERT_TRUE(summary) << summary.status().toString();
    EXPECT_EQ(summary->parameters, 256 * 3);
    EXPECT_EQ(summary->dtype, "float32");
}

TEST_F(ModelConfigFiles, GgufMissingKeyIsNamed) {
    GgufBuilder builder;
    builder.addString("general.architecture", "llama");
    builder.addUInt32("llama.block_count", 3);
    const std::string file = write("bad.gguf", builder.build());
    auto config = model::configFromGguf(*model::readGguf(file), file);
    ASSERT_FALSE(config);
    EXPECT_EQ(config.status().field(), "llama.attention.head_count");
    EXPECT_EQ(config.status().file(), file);
}

TEST_F(ModelConfigFiles, HuggingFaceDirectorySummary) {
    const std::string config = R"({"model_type": "llama", "num_hidden_layers": 1, "num_attention_heads": 2,
        "num_key_value_heads": 1, "hidden_size": 8, "intermediate_size": 16, "vocab_size": 10,
        "max_position_embeddings": 64, "torch_dtype": "float32"})";
    write("hf/config.json", Bytes(config.begin(), config.end()));
    write("hf/model.safetensors",
          writeSafetensors({{"model.embed_tokens.weight", "BF16", {10, 8}, Bytes(10 * 8 * 2)},
                            {"model.norm.weight", "F32", {8}, Bytes(8 * 4)}}));
    auto summary = model::summarizeModel(path("hf"));
    ASSERT_TRUE(summary) << summary.status().toString();
    EXPECT_EQ(summary->format, model::ModelFormat::HuggingFaceDirectory);
    EXPECT_EQ(summary->parameters, 88);
    EXPECT_EQ(summary->tensorCount, 2);
    EXPECT_EQ(summary->dtype, "bfloat16");
    EXPECT_EQ(summary->config.contextLength, 64);
}
