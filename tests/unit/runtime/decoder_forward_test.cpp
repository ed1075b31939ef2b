// SPDX-License-Identifier: Apache-2.0
// The runtime's forward pass against an independent double-precision reference, and the same model in
// every format it can be written in.
#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"

#include "../../support/max_abs_diff.h"
#include "../../support/temp_dir.h"
#include "../../support/tiny_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>

using namespace attnscope;
using namespace attnscope::test;

namespace {

class DecoderForward : public TempDirTest {
protected:
    std::string writeFile(const std::string& name, const Bytes& bytes) { return write(name, bytes); }

    std::shared_ptr<runtime::Model> load(const std::string& path) {
        auto model = runtime::Model::load(path);
        EXPECT_TRUE(model) << model.status().toString();
        return model ? *model : nullptr;
    }
};

const std::vector<int32_t> kTokens = {1, 5, 3, 9, 0, 2, 7, 7, 10, 4};

} // namespace

TEST_F(DecoderForward, LlamaAgreesAcrossFormatsAndWithTheReference) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    writeHfDirectory(tiny, (m_dir / "hf").string());
    const auto hf = load((m_dir / "hf").string());
    const auto gguf = load(writeFile("m.gguf", writeLlamaGguf(tiny)));
    const auto llama2c = load(writeFile("m.bin", writeLlama2c(tiny)));
    ASSERT_TRUE(hf && gguf && llama2c);

    runtime::ForwardOptions options;
    options.attentionMaps = {{0, 0}, {1, 3}};
    const ReferenceOutput reference = referenceForward(tiny, kTokens);
    std::vector<float> first;
    for (const auto& model : {hf, gguf, llama2c}) {
        auto result = runtime::forward(*model, kTokens, options);
        ASSERT_TRUE(result) << result.status().toString();
        EXPECT_EQ(result->tokens, static_cast<int>(kTokens.size()));
        EXPECT_LE(maxAbsDiff(result->logits, reference.logits), 1e-4) << model->summary().path;
        for (const auto& head : options.attentionMaps)
            EXPECT_LE(maxAbsDiff(result->attention.at(head), reference.attention.at(head)), 1e-4)
                << model->summary().path << " head " << head.first << ":" << head.second;
        if (first.empty())
            first = result->logits;
        else
            EXPECT_LE(maxAbsDiff(result->logits, first), 1e-4)
                << "formats disagree: " << model->summary().path;
    }
    EXPECT_EQ(hf->convertedBytes(), 0u) << "aligned fp32 safetensors weights are used in place";
}

/// bf16 by round-to-nearest-even (the values are finite).
uint16_t toBf16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    bits += 0x7FFF + ((bits >> 16) & 1);
    return static_cast<uint16_t>(bits >> 16);
}

TEST_F(DecoderForward, Bf16WeightsHalveTheMatricesAndStayCloseToFp32) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    writeHfDirectory(tiny, (m_dir / "hf").string());
    uint64_t matrixElements = 0, vectorElements = 0;
    for (const auto& [name, shape] : tiny.shapes)
        (shape.size() == 2 ? matrixElements : vectorElements) += static_cast<uint64_t>(
            std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>()));
    ASSERT_GT(matrixElements, 0u);

    runtime::LoadOptions bf16;
    bf16.matrices = runtime::WeightPrecision::BF16;
    auto exact = runtime::Model::load((m_dir / "hf").string());
    auto half = runtime::Model::load((m_dir / "hf").string(), bf16);
    ASSERT_TRUE(exact && half) << half.status().toString();
    EXPECT_EQ((*half)->matrices(), runtime::WeightPrecision::BF16);
    // fp32 in the file: the matrices are converted, 2 bytes each; the vectors stay in place.
    EXPECT_EQ((*exact)->convertedBytes(), 0u);
    EXPECT_EQ((*half)->convertedBytes(), 2 * matrixElements);

    runtime::ForwardOptions options;
    options.attentionMaps = {{1, 3}};
    auto a = runtime::forward(**exact, kTokens, options);
    auto b = runtime::forward(**half, kTokens, options);
    ASSERT_TRUE(a && b) << b.status().toString();
    double scale = 0;
    for (float v : a->logits)
        scale = std::max(scale, std::fabs(static_cast<double>(v)));
    const double logitError = maxAbsDiff(b->logits, a->logits);
    EXPECT_GT(logitError, 0.0) << "the bf16 path must really round";
    EXPECT_LE(logitError, 0.03 * scale) << "bf16 keeps about three significant digits";
    EXPECT_LE(maxAbsDiff(b->attention.at({1, 3}), a->attention.at({1, 3})), 0.02);

    // A BF16 file: its matrices are used in place (nothing converted but the fp32 copies of its vectors),
    // and read as fp32 they give the exact model of those rounded weights, close to the bf16 run.
    std::vector<SafetensorsEntry> entries;
    for (const auto& [name, values] : tiny.tensors) {
        Bytes data;
        for (float v : values)
            appendRaw(data, toBf16(v));
        entries.push_back({name, "BF16", tiny.shapes.at(name), data});
    }
    std::filesystem::create_directories(m_dir / "hf16");
    std::filesystem::copy_file(m_dir / "hf" / "config.json", m_dir / "hf16" / "config.json");
    writeFile("hf16/model.safetensors", writeSafetensors(entries));
    auto stored = runtime::Model::load((m_dir / "hf16").string(), bf16);
    auto widened = runtime::Model::load((m_dir / "hf16").string());
    ASSERT_TRUE(stored && widened) << stored.status().toString();
    EXPECT_EQ((*stored)->convertedBytes(), 4 * vectorElements);
    EXPECT_EQ((*widened)->convertedBytes(), 4 * (vectorElements + matrixElements));
    auto c = runtime::forward(**stored, kTokens, options);
    auto d = runtime::forward(**widened, kTokens, options);
    ASSERT_TRUE(c && d);
    EXPECT_LE(maxAbsDiff(c->logits, d->logits), 0.03 * scale);
    EXPECT_LE(maxAbsDiff(d->logits, a->logits), 0.03 * scale);
}

TEST_F(DecoderForward, Bf16WeightsWorkForLearnedPositionsAndTokenTypes) {
    // GPT-2 (learned positions, Conv1D layout, a GGUF) and BERT (token types, post-norm): their embedding
    // tables are bf16 too and are read back as fp32 rows.
    runtime::LoadOptions bf16;
    bf16.matrices = runtime::WeightPrecision::BF16;
    for (const std::string type : {"gpt2", "bert"}) {
        TinyConfig config;
        config.modelType = type;
        config.kvHeads = config.heads;
        config.headDim = config.hidden / config.heads;
        const TinyModel tiny = makeTinyModel(config, 33);
        const std::string hf = (m_dir / type).string();
        type == "gpt2" ? writeGpt2HfDirectory(tiny, hf, false) : writeBertHfDirectory(tiny, hf);
        const std::string gguf =
            writeFile(type + ".gguf", type == "gpt2" ? writeGpt2Gguf(tiny) : writeBertGguf(tiny));
        for (const std::string& path : {hf, gguf}) {
            auto exact = runtime::Model::load(path);
            auto half = runtime::Model::load(path, bf16);
            ASSERT_TRUE(exact && half) << path << ": " << half.status().toString();
            runtime::ForwardOptions options;
            options.attentionMaps = {{1, 2}}; // layer 1 sees layer 0's bf16 products
            auto a = runtime::forward(**exact, kTokens, options);
            auto b = runtime::forward(**half, kTokens, options);
            ASSERT_TRUE(a && b) << path << ": " << b.status().toString();
            double scale = 0;
            for (float v : a->logits)
                scale = std::max(scale, std::fabs(static_cast<double>(v)));
            const double logitError = maxAbsDiff(b->logits, a->logits); // none in BertModel files
            const double attentionError = maxAbsDiff(b->attention.at({1, 2}), a->attention.at({1, 2}));
            EXPECT_GT(std::max(logitError, attentionError), 0.0) << path;
            EXPECT_LE(logitError, 0.03 * scale) << path;
            EXPECT_LE(attentionError, 0.02) << path;
        }
    }
}

TEST_F(DecoderForward, Qwen2BiasesQwen3NormsMistralWindowAndTiedHead) {
    std::vector<TinyConfig> configs(4);
    configs[0].modelType = "qwen2";
    configs[0].bias = true;
    configs[1].modelType = "qwen3";
    configs[1].qkNorm = true;
    configs[1].headDim = 8; // explicit head_dim larger than hidden / heads
    configs[2].modelType = "mistral";
    configs[2].slidingWindow = 3;
    configs[3].tied = true;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const TinyModel tiny = makeTinyModel(configs[i], 7 + static_cast<uint32_t>(i));
        const std::string dir = (m_dir / ("hf" + std::to_string(i))).string();
        writeHfDirectory(tiny, dir);
        const auto model = load(dir);
        ASSERT_TRUE(model);
        auto result = runtime::forward(*model, kTokens);
        ASSERT_TRUE(result) << result.status().toString();
        EXPECT_LE(maxAbsDiff(result->logits, referenceForward(tiny, kTokens).logits), 1e-4)
            << configs[i].modelType;
    }
}

TEST_F(DecoderForward, Phi3FusedWeightsAgreeAcrossFormatsAndWithTheReference) {
    TinyConfig config;
    config.modelType = "phi3";
    const TinyModel tiny = makeTinyModel(config, 21);
    writeHfDirectory(tiny, (m_dir / "phi3").string());
    const auto hf = load((m_dir / "phi3").string());
    const auto gguf = load(writeFile("phi3.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(hf && gguf);
    EXPECT_EQ(hf->config().architecture, model::Architecture::Phi3);
    EXPECT_EQ(gguf->config().architecture, model::Architecture::Phi3);
    runtime::ForwardOptions options;
    options.attentionMaps = {{1, 2}};
    const ReferenceOutput reference = referenceForward(tiny, kTokens);
    std::vector<float> first;
    for (const auto& model : {hf, gguf}) {
        auto result = runtime::forward(*model, kTokens, options);
        ASSERT_TRUE(result) << result.status().toString();
        EXPECT_LE(maxAbsDiff(result->logits, reference.logits), 1e-4) << model->summary().path;
        EXPECT_LE(maxAbsDiff(result->attention.at({1, 2}), reference.attention.at({1, 2})), 1e-4);
        if (first.empty())
            first = result->logits;
        else
            EXPECT_LE(maxAbsDiff(result->logits, first), 1e-4) << "HF and GGUF Phi-3 disagree";
    }
}

TEST_F(DecoderForward, Gpt2AgreesAcrossFormatsAndWithTheReference) {
    TinyConfig config;
    config.modelType = "gpt2";
    config.kvHeads = config.heads; // GPT-2 has no GQA
    config.headDim = config.hidden / config.heads;
    const TinyModel tiny = makeTinyModel(config, 33);
    writeGpt2HfDirectory(tiny, (m_dir / "gpt2").string(), false);
    writeGpt2HfDirectory(tiny, (m_dir / "gpt2-lm").string(), true);
    const auto hf = load((m_dir / "gpt2").string());
    const auto prefixed = load((m_dir / "gpt2-lm").string());
    const auto gguf = load(writeFile("gpt2.gguf", writeGpt2Gguf(tiny)));
    ASSERT_TRUE(hf && prefixed && gguf);
    runtime::ForwardOptions options;
    options.attentionMaps = {{0, 1}, {1, 3}};
    const ReferenceOutput reference = referenceForward(tiny, kTokens);
    std::vector<float> first;
    for (const auto& model : {hf, prefixed, gguf}) {
        EXPECT_EQ(model->config().architecture, model::Architecture::Gpt2);
        auto result = runtime::forward(*model, kTokens, options);
        ASSERT_TRUE(result) << result.status().toString();
        EXPECT_LE(maxAbsDiff(result->logits, reference.logits), 1e-4) << model->summary().path;
        for (const auto& head : options.attentionMaps)
            EXPECT_LE(maxAbsDiff(result->attention.at(head), reference.attention.at(head)), 1e-4);
        if (first.empty())
            first = result->logits;
        else
            EXPECT_LE(maxAbsDiff(result->logits, first), 1e-4)
                << "formats disagree: " << model->summary().path;
    }
    // Cached decoding uses the learned positions of the right offsets.
    runtime::DecoderSession session(hf);
    auto prefix = session.append(std::vector<int32_t>(kTokens.begin(), kTokens.begin() + 6));
    ASSERT_TRUE(prefix);
    auto last = session.append(std::vector<int32_t>(kTokens.begin() + 6, kTokens.end()));
    ASSERT_TRUE(last) << last.status().toString();
    const std::size_t V = static_cast<std::size_t>(config.vocab);
    std::vector<float> expected(first.end() - static_cast<std::ptrdiff_t>(V), first.end());
    EXPECT_LE(maxAbsDiff(*last, expected), 1e-4);
}

TEST_F(DecoderForward, BertEncoderIsBidirectionalAndAgreesAcrossFormats) {
    TinyConfig config;
    config.modelType = "bert";
    config.kvHeads = config.heads;
    config.headDim = config.hidden / config.heads;
    config.eps = 1e-12;
    const TinyModel tiny = makeTinyModel(config, 44);
    writeBertHfDirectory(tiny, (m_dir / "bert").string());
    const auto hf = load((m_dir / "bert").string());
    const auto gguf = load(writeFile("bert.gguf", writeBertGguf(tiny)));
    ASSERT_TRUE(hf && gguf);
    EXPECT_FALSE(hf->config().causal);
    runtime::ForwardOptions options;
    options.attentionMaps = {{0, 0}, {1, 2}};
    const ReferenceOutput reference = referenceForward(tiny, kTokens);
    auto result = runtime::forward(*hf, kTokens, options);
    ASSERT_TRUE(result) << result.status().toString();
    EXPECT_LE(maxAbsDiff(result->logits, reference.logits), 1e-4) << "masked-LM logits";
    for (const auto& head : options.attentionMaps)
        EXPECT_LE(maxAbsDiff(result->attention.at(head), reference.attention.at(head)), 1e-4);
    // Bidirectional: the first row sees the last token.
    EXPECT_GT(result->attention.at({1, 2})[kTokens.size() - 1], 0.0f);
    // The GGUF (llama.cpp keeps no masked-LM head) gives the same attention, layer 1 included.
    auto fromGguf = runtime::forward(*gguf, kTokens, options);
    ASSERT_TRUE(fromGguf) << fromGguf.status().toString();
    EXPECT_TRUE(fromGguf->logits.empty());
    for (const auto& head : options.attentionMaps)
        EXPECT_LE(maxAbsDiff(fromGguf->attention.at(head), reference.attention.at(head)), 1e-4);
    // An encoder cannot decode incrementally; no head means no NLL: errors, not crashes.
    EXPECT_FALSE(runtime::DecoderSession(hf).append(kTokens));
    EXPECT_FALSE(runtime::tokenNll(*gguf, kTokens));
}

TEST_F(DecoderForward, SeveralIndependentInputsInOneCall) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    const auto model = load(writeFile("many.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(model);
    const std::vector<std::vector<int32_t>> inputs = {kTokens, {3, 1, 4}, {9}};
    auto results = runtime::forwardMany(*model, inputs);
    ASSERT_TRUE(results) << results.status().toString();
    ASSERT_EQ(results->size(), inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        auto alone = runtime::forward(*model, inputs[i]);
        ASSERT_TRUE(alone);
        EXPECT_EQ((*results)[i].tokens, static_cast<int>(inputs[i].size()));
        EXPECT_EQ((*results)[i].logits, alone->logits) << "input " << i << " must not see the others";
    }
    auto bad = runtime::forwardMany(*model, {kTokens, {99}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().toString().find("inputs[1]"), std::string::npos) << bad.status().toString();
}

TEST_F(DecoderForward, MaskedHeadsContributeNothing) {
    // Zeroing a head's output equals zeroing its rows of the output projection's input: compare with a
    // model whose o_proj columns for that head are zero.
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    TinyModel ablated = tiny;
    const TinyConfig& c = tiny.config;
    auto& wo = ablated.tensors.at("model.layers.1.self_attn.o_proj.weight"); // [hidden, heads * headDim]
    for (int row = 0; row < c.hidden; ++row)
        for (int e = 0; e < c.headDim; ++e)
            wo[static_cast<std::size_t>(row) * c.heads * c.headDim + 2 * c.headDim + e] = 0.0f;
    writeHfDirectory(tiny, (m_dir / "tiny").string());
    const auto model = load((m_dir / "tiny").string());
    ASSERT_TRUE(model);
    runtime::ForwardOptions options;
    options.interventions.maskedHeads = {{1, 2}};
    auto masked = runtime::forward(*model, kTokens, options);
    ASSERT_TRUE(masked) << masked.status().toString();
    EXPECT_LE(maxAbsDiff(masked->logits, referenceForward(ablated, kTokens).logits), 1e-4);
    auto plain = runtime::forward(*model, kTokens);
    ASSERT_TRUE(plain);
    EXPECT_GT(maxAbsDiff(masked->logits, plain->logits), 1e-3) << "masking must change the output";
    options.interventions.maskedHeads = {{2, 0}};
    auto bad = runtime::forward(*model, kTokens, options);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.status().field(), "masked_heads");
}

TEST_F(DecoderForward, TracedGenerationRecordsTheTopKeyOfEachEmittingRow) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    const auto model = load(writeFile("trace.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(model);
    runtime::GenerateOptions options;
    options.maxNewTokens = 4;
    const std::vector<int32_t> prompt(kTokens.begin(), kTokens.begin() + 6);
    auto trace = runtime::generateTraced(model, prompt, options);
    ASSERT_TRUE(trace) << trace.status().toString();
    auto plain = runtime::generate(model, prompt, options);
    ASSERT_TRUE(plain);
    EXPECT_EQ(trace->generated, *plain);
    ASSERT_EQ(trace->topKeys.size(), trace->generated.size());
    // Step t's keys are the argmax of row (prompt + t - 1) of a full pass over prompt + generated.
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), trace->generated.begin(), trace->generated.end());
    const TinyConfig& c = tiny.config;
    const ReferenceOutput reference = referenceForward(tiny, all);
    const int T = static_cast<int>(all.size());
    for (std::size_t t = 0; t < trace->topKeys.size(); ++t) {
        const int row = static_cast<int>(prompt.size() + t) - 1;
        for (int l = 0; l < c.layers; ++l)
            for (int h = 0; h < c.heads; ++h) {
                const auto& p = reference.attention.at({l, h});
                const auto begin = p.begin() + static_cast<std::ptrdiff_t>(row) * T;
                const int expected = static_cast<int>(std::max_element(begin, begin + row + 1) - begin);
                EXPECT_EQ(trace->topKeys[t][static_cast<std::size_t>(l) * c.heads + h], expected)
                    << "step " << t << " head " << l << ":" << h;
            }
    }
}

TEST_F(DecoderForward, TokenNllMatchesTheLogits) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    const auto model = load(writeFile("m.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(model);
    auto nll = runtime::tokenNll(*model, kTokens);
    ASSERT_TRUE(nll) << nll.status().toString();
    ASSERT_EQ(nll->size(), kTokens.size() - 1);
    const auto reference = referenceForward(tiny, kTokens).logits;
    const int V = tiny.config.vocab;
    for (std::size_t i = 0; i + 1 < kTokens.size(); ++i) {
        double sum = 0;
        for (int j = 0; j < V; ++j)
            sum += std::exp(reference[i * V + j]);
        EXPECT_NEAR((*nll)[i], std::log(sum) - reference[i * V + kTokens[i + 1]], 1e-4);
    }
}

TEST_F(DecoderForward, BadInputsAreErrorsNotCrashes) {
    const TinyModel tiny = makeTinyModel(TinyConfig{});
    const auto model = load(writeFile("m.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(model);
    EXPECT_EQ(runtime::forward(*model, {1, 11}).status().field(), "tokens")
        << "id 11 is outside a vocabulary of 11";
    EXPECT_EQ(runtime::forward(*model, {}).status().field(), "tokens");
    EXPECT_EQ(runtime::forward(*model, std::vector<int32_t>(33, 1)).status().field(), "tokens")
        << "context is 32";
    runtime::ForwardOptions options;
    options.attentionMaps = {{2, 0}};
    EXPECT_EQ(runtime::forward(*model, {1, 2}, options).status().field(), "attention");

    CancelToken cancel;
    cancel.requestCancel();
    EXPECT_TRUE(runtime::forward(*model, {1, 2}, {}, Progress({}, cancel)).status().isCancelled());
}

TEST_F(DecoderForward, ShapesThatContradictTheConfigNameTheTensor) {
    TinyModel tiny = makeTinyModel(TinyConfig{});
    tiny.shapes["model.layers.1.mlp.up_proj.weight"] = {16, 24}; // transposed: [in, out]
    writeHfDirectory(tiny, (m_dir / "hf").string());
    auto model = runtime::Model::load((m_dir / "hf").string());
    ASSERT_FALSE(model);
    EXPECT_EQ(model.status().field(), "model.layers.1.mlp.up_proj.weight");
    EXPECT_NE(model.status().message().find("[16, 24]"), std::string::npos) << model.status().toString();

    TinyModel missing = makeTinyModel(TinyConfig{});
    missing.tensors.erase("model.norm.weight");
    missing.shapes.erase("model.norm.weight");
    writeHfDirectory(missing, (m_dir / "hf2").string());
    auto incomplete = runtime::Model::load((m_dir / "hf2").string());
    ASSERT_FALSE(incomplete);
    EXPECT_EQ(incomplete.status().code(), StatusCode::NotFound);
    EXPECT_EQ(incomplete.status().field(), "model.norm.weight");
}

TEST(AvailableMemory, IsKnownOnLinux) {
    EXPECT_GT(runtime::availableMemoryBytes(), uint64_t(64) << 20);
}

TEST_F(DecoderForward, CachedDecodingMatchesTheFullForwardPass) {
    TinyConfig windowed;
    windowed.modelType = "mistral";
    windowed.slidingWindow = 3; // the cache must respect the window too
    for (const TinyConfig& config : {TinyConfig{}, windowed}) {
        const TinyModel tiny = makeTinyModel(config, 11);
        const std::string dir = (m_dir / config.modelType).string();
        writeHfDirectory(tiny, dir);
        const auto model = load(dir);
        ASSERT_TRUE(model);
        auto full = runtime::forward(*model, kTokens);
        ASSERT_TRUE(full) << full.status().toString();
        const int V = config.vocab;

        runtime::DecoderSession session(model);
        const std::size_t prefill = 4;
        auto logits = session.append(std::vector<int32_t>(kTokens.begin(), kTokens.begin() + prefill));
        ASSERT_TRUE(logits) << logits.status().toString();
        for (std::size_t position = prefill - 1; position < kTokens.size(); ++position) {
            const std::vector<float> expected(full->logits.begin() + position * V,
                                              full->logits.begin() + (position + 1) * V);
            EXPECT_LE(maxAbsDiff(*logits, expected), 1e-4) << config.modelType << " position " << position;
            if (position + 1 < kTokens.size()) {
                logits = session.append({kTokens[position + 1]});
                ASSERT_TRUE(logits) << logits.status().toString();
            }
        }
        EXPECT_EQ(session.length(), static_cast<int64_t>(kTokens.size()));
        EXPECT_EQ(session.append(std::vector<int32_t>(30, 1)).status().field(), "tokens")
            << "past the context of 32";
    }
}

TEST_F(DecoderForward, GreedyGenerationFollowsTheArgmaxOfFullPasses) {
    const TinyModel tiny = makeTinyModel(TinyConfig{}, 5);
    const auto model = load(writeFile("m.gguf", writeLlamaGguf(tiny)));
    ASSERT_TRUE(model);
    runtime::GenerateOptions options;
    options.maxNewTokens = 6;
    auto generated = runtime::generate(model, {1, 2, 3}, options);
    ASSERT_TRUE(generated) << generated.status().toString();
    ASSERT_EQ(generated->size(), 6u);
    std::vector<int32_t> sequence = {1, 2, 3};
    for (int32_t token : *generated) {
        const auto reference = referenceForward(tiny, sequence).logits;
        const auto last =
            reference.begin() + static_cast<std::ptrdiff_t>((sequence.size() - 1) * tiny.config.vocab);
        const auto argmax = std::max_element(last, last + tiny.config.vocab) - last;
        EXPECT_EQ(token, argmax) << "after " << sequence.size() << " tokens";
        sequence.push_back(token);
    }
}

TEST_F(DecoderForward, SampledGenerationIsReproducibleForASeed) {
    const auto model = load(writeFile("m.gguf", writeLlamaGguf(makeTinyModel(TinyConfig{}, 5))));
    ASSERT_TRUE(model);
    runtime::GenerateOptions options;
    options.maxNewTokens = 12;
    options.greedy = false;
    options.temperature = 1.5;
    options.seed = 1234;
    auto first = runtime::generate(model, {1, 2, 3}, options);
    auto second = runtime::generate(model, {1, 2, 3}, options);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, *second);
    for (int32_t token : *first)
        EXPECT_TRUE(token >= 0 && token < 11);
    options.stopToken = (*first)[2];
    auto stopped = runtime::generate(model, {1, 2, 3}, options);
    ASSERT_TRUE(stopped);
    EXPECT_LE(stopped->size(), 3u) << "generation stops after the stop token";
    EXPECT_EQ(stopped->back(), *options.stopToken);
}
