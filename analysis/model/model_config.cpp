// SPDX-License-Identifier: Apache-2.0
#include "attnscope/model/model_config.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/model/gguf.h"
#include "attnscope/model/llama2c.h"

#include <nlohmann/json.hpp>

namespace attnscope::model {

namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxSize = int64_t(1) << 24; // no real layer count, width or vocabulary comes close

struct ArchitectureSpelling {
    const char* name;
    Architecture architecture;
};
constexpr ArchitectureSpelling kArchitectures[] = {
    {"llama", Architecture::Llama}, {"mistral", Architecture::Mistral}, {"qwen2", Architecture::Qwen2},
    {"qwen3", Architecture::Qwen3}, {"gpt2", Architecture::Gpt2},       {"phi3", Architecture::Phi3},
    {"bert", Architecture::Bert}};

/// Reads an integer field; `required` fields must exist. Errors name the key.
Status readInt(const Json& root, const char* key, bool required, int64_t& out) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null())
        return required ? Status::parseError("missing required key").atField(key) : Status::ok();
    if (!it->is_number_integer())
        return Status::parseError(std::string("expected an integer, got ") + it->dump()).atField(key);
    out = it->get<int64_t>();
    return Status::ok();
}

Status readInt(const Json& root, const char* key, bool required, int& out) {
    int64_t value = out;
    ATTNSCOPE_TRY(readInt(root, key, required, value));
    if (value < 0 || value > kMaxSize)
        return Status::parseError("value " + std::to_string(value) + " is out of range").atField(key);
    out = static_cast<int>(value);
    return Status::ok();
}

Status readDouble(const Json& root, const char* key, double& out) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null())
        return Status::ok();
    if (!it->is_number())
        return Status::parseError(std::string("expected a number, got ") + it->dump()).atField(key);
    out = it->get<double>();
    return Status::ok();
}

Status readBool(const Json& root, const char* key, bool& out) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null())
        return Status::ok();
    if (!it->is_boolean())
        return Status::parseError(std::string("expected true or false, got ") + it->dump()).atField(key);
    out = it->get<bool>();
    return Status::ok();
}

/// RoPE scaling from `key`: "rope_scaling" (transformers 4) or "rope_parameters" (transformers 5, which
/// also holds rope_theta there and writes neither top-level key).
Status readRopeScaling(const Json& root, const char* key, RopeScaling& scaling) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null())
        return Status::ok();
    if (!it->is_object())
        return Status::parseError("expected an object or null").atField(key);
    const Json& object = *it;
    for (const char* key : {"rope_type", "type"}) // HF renamed "type" to "rope_type"
        if (auto type = object.find(key); type != object.end() && type->is_string()) {
            scaling.type = type->get<std::string>();
            break;
        }
    ATTNSCOPE_TRY(readDouble(object, "factor", scaling.factor).atField(key));
    ATTNSCOPE_TRY(readDouble(object, "low_freq_factor", scaling.lowFreqFactor).atField(key));
    ATTNSCOPE_TRY(readDouble(object, "high_freq_factor", scaling.highFreqFactor).atField(key));
    ATTNSCOPE_TRY(readInt(object, "original_max_position_embeddings", false, scaling.originalContextLength)
                      .atField(key));
    if (scaling.type == "default")
        scaling.type.clear();
    if (!scaling.type.empty() && scaling.type != "llama3" && scaling.type != "linear")
        return Status::unsupported("rope scaling type '" + scaling.type + "' (supported: llama3, linear)")
            .atField(std::string(key) + ".rope_type");
    return Status::ok();
}

/// The sizes every HF config except GPT-2's spells the same way (LlamaConfig and BertConfig keys).
Status readHfSizes(const Json& root, ModelConfig& c) {
    ATTNSCOPE_TRY(readInt(root, "num_hidden_layers", true, c.layers));
    ATTNSCOPE_TRY(readInt(root, "num_attention_heads", true, c.heads));
    c.kvHeads = c.heads;
    ATTNSCOPE_TRY(readInt(root, "num_key_value_heads", false, c.kvHeads));
    ATTNSCOPE_TRY(readInt(root, "hidden_size", true, c.hiddenSize));
    ATTNSCOPE_TRY(readInt(root, "intermediate_size", true, c.intermediateSize));
    ATTNSCOPE_TRY(readInt(root, "vocab_size", true, c.vocabSize));
    ATTNSCOPE_TRY(readInt(root, "max_position_embeddings", false, c.contextLength));
    c.headDim = c.heads > 0 ? c.hiddenSize / c.heads : 0;
    return Status::ok();
}

/// Llama, Mistral, Qwen2/3 and Phi-3 share HF's LlamaConfig-style keys.
Status readDecoderConfig(const Json& root, ModelConfig& c) {
    ATTNSCOPE_TRY(readHfSizes(root, c));
    ATTNSCOPE_TRY(readInt(root, "head_dim", false, c.headDim)); // Qwen3, Llama 3.2 may set it explicitly
    ATTNSCOPE_TRY(readDouble(root, "rms_norm_eps", c.normEps));
    ATTNSCOPE_TRY(readDouble(root, "rope_theta", c.ropeTheta));
    ATTNSCOPE_TRY(readBool(root, "tie_word_embeddings", c.tieEmbeddings));
    ATTNSCOPE_TRY(readBool(root, "attention_bias", c.attentionBias));
    ATTNSCOPE_TRY(readRopeScaling(root, "rope_scaling", c.ropeScaling));
    if (auto parameters = root.find("rope_parameters"); parameters != root.end() && parameters->is_object()) {
        ATTNSCOPE_TRY(readDouble(*parameters, "rope_theta", c.ropeTheta).atField("rope_parameters"));
        if (c.ropeScaling.type.empty())
            ATTNSCOPE_TRY(readRopeScaling(root, "rope_parameters", c.ropeScaling));
    }
    ATTNSCOPE_TRY(readInt(root, "original_max_position_embeddings", false, c.trainedContextLength));
    if (c.trainedContextLength == 0)
        c.trainedContextLength = c.ropeScaling.originalContextLength;
    int window = 0;
    ATTNSCOPE_TRY(readInt(root, "sliding_window", false, window));
    bool useSlidingWindow = c.architecture == Architecture::Mistral;
    ATTNSCOPE_TRY(readBool(root, "use_sliding_window", useSlidingWindow)); // Qwen2 keeps it off by default
    c.slidingWindow = useSlidingWindow ? window : 0;
    if (c.architecture == Architecture::Qwen2)
        c.attentionBias = true; // Qwen2 always has q/k/v biases (no config key)
    if (c.architecture == Architecture::Qwen3)
        c.qkNorm = true;
    return Status::ok();
}

Status readGpt2Config(const Json& root, ModelConfig& c) {
    ATTNSCOPE_TRY(readInt(root, "n_layer", true, c.layers));
    ATTNSCOPE_TRY(readInt(root, "n_head", true, c.heads));
    c.kvHeads = c.heads;
    ATTNSCOPE_TRY(readInt(root, "n_embd", true, c.hiddenSize));
    ATTNSCOPE_TRY(readInt(root, "vocab_size", true, c.vocabSize));
    ATTNSCOPE_TRY(readInt(root, "n_positions", false, c.contextLength));
    c.intermediateSize = 4 * c.hiddenSize;
    ATTNSCOPE_TRY(readInt(root, "n_inner", false, c.intermediateSize));
    c.headDim = c.heads > 0 ? c.hiddenSize / c.heads : 0;
    ATTNSCOPE_TRY(readDouble(root, "layer_norm_epsilon", c.normEps));
    c.tieEmbeddings = true; // GPT-2's LM head is always the token embedding
    return Status::ok();
}

Status readBertConfig(const Json& root, ModelConfig& c) {
    ATTNSCOPE_TRY(readHfSizes(root, c));
    c.normEps = 1e-12;
    ATTNSCOPE_TRY(readDouble(root, "layer_norm_eps", c.normEps));
    c.causal = false;
    return Status::ok();
}

/// GGUF integer key "<arch>.<suffix>"; errors name the key.
Status ggufInt(const GgufFile& gguf, const std::string& key, bool required, int& out) {
    const GgufValue* value = gguf.find(key);
    if (!value)
        return required ? Status::parseError("missing required metadata key").atField(key) : Status::ok();
    const auto number = value->toInt();
    if (!number || *number < 0 || *number > kMaxSize)
        return Status::parseError(std::string("expected a non-negative integer, got a ") +
                                  ggufTypeName(value->type))
            .atField(key);
    out = static_cast<int>(*number);
    return Status::ok();
}

Status ggufDouble(const GgufFile& gguf, const std::string& key, double& out) {
    const GgufValue* value = gguf.find(key);
    if (!value)
        return Status::ok();
    const auto number = value->toDouble();
    if (!number)
        return Status::parseError(std::string("expected a number, got a ") + ggufTypeName(value->type))
            .atField(key);
    out = *number;
    return Status::ok();
}

} // namespace

const char* architectureName(Architecture architecture) {
    for (const auto& spelling : kArchitectures)
        if (spelling.architecture == architecture)
            return spelling.name;
    return "unknown";
}

Status validateConfig(const ModelConfig& c, const std::string& source) {
    auto positive = [&](const char* field, int64_t value) -> Status {
        if (value <= 0)
            return Status::parseError(std::string(field) + " must be positive, got " + std::to_string(value))
                .inFile(source)
                .atField(field);
        return Status::ok();
    };
    ATTNSCOPE_TRY(positive("layers", c.layers));
    ATTNSCOPE_TRY(positive("heads", c.heads));
    ATTNSCOPE_TRY(positive("kv_heads", c.kvHeads));
    ATTNSCOPE_TRY(positive("head_dim", c.headDim));
    ATTNSCOPE_TRY(positive("hidden_size", c.hiddenSize));
    ATTNSCOPE_TRY(positive("intermediate_size", c.intermediateSize));
    ATTNSCOPE_TRY(positive("vocab_size", c.vocabSize));
    if (c.heads % c.kvHeads != 0)
        return Status::parseError("query heads " + std::to_string(c.heads) +
                                  " are not a multiple of key/value heads " + std::to_string(c.kvHeads))
            .inFile(source)
            .atField("kv_heads");
    if (c.headDim % 2 != 0 && c.architecture != Architecture::Gpt2 && c.architecture != Architecture::Bert)
        return Status::parseError("rotary embeddings need an even head dimension, got " +
                                  std::to_string(c.headDim))
            .inFile(source)
            .atField("head_dim");
    return Status::ok();
}

Expected<ModelConfig> parseHfConfig(std::string_view json, const std::string& source) {
    bool tooDeep = false;
    const Json root = parseJsonText(json, &tooDeep);
    if (root.is_discarded() || !root.is_object())
        return Status::parseError(tooDeep ? "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                                          : std::string("not a JSON object"))
            .inFile(source);
    auto type = root.find("model_type");
    if (type == root.end() || !type->is_string())
        return Status::parseError("missing model_type").inFile(source).atField("model_type");
    ModelConfig config;
    bool known = false;
    for (const auto& spelling : kArchitectures)
        if (type->get<std::string>() == spelling.name) {
            config.architecture = spelling.architecture;
            known = true;
        }
    if (!known)
        return Status::unsupported("model_type '" + type->get<std::string>() +
                                   "' (supported: llama, mistral, qwen2, qwen3, gpt2, phi3, bert)")
            .inFile(source)
            .atField("model_type");

    Status status;
    switch (config.architecture) {
    case Architecture::Gpt2:
        status = readGpt2Config(root, config);
        break;
    case Architecture::Bert:
        status = readBertConfig(root, config);
        break;
    default:
        status = readDecoderConfig(root, config);
        break;
    }
    if (!status.isOk())
        return std::move(status).inFile(source);
    if (auto dtype = root.find("torch_dtype"); dtype != root.end() && dtype->is_string())
        config.dtype = dtype->get<std::string>();
    ATTNSCOPE_TRY(validateConfig(config, source));
    return config;
}

Expected<ModelConfig> configFromGguf(const GgufFile& gguf, const std::string& source) {
    const std::string arch = gguf.architecture();
    ModelConfig config;
    bool known = false;
    for (const auto& spelling : kArchitectures)
        if (arch == spelling.name) {
            config.architecture = spelling.architecture;
            known = true;
        }
    if (!known)
        return Status::unsupported("architecture '" + arch +
                                   "' (supported: llama, qwen2, qwen3, gpt2, phi3, bert)")
            .inFile(source)
            .atField("general.architecture");
    const std::string p = arch + ".";
    auto fail = [&source](Status s) {
        return std::move(s).inFile(source);
    };
    if (Status s = ggufInt(gguf, p + "block_count", true, config.layers); !s.isOk())
        return fail(s);
    if (Status s = ggufInt(gguf, p + "attention.head_count", true, config.heads); !s.isOk())
        return fail(s);
    config.kvHeads = config.heads;
    if (Status s = ggufInt(gguf, p + "attention.head_count_kv", false, config.kvHeads); !s.isOk())
        return fail(s);
    if (Status s = ggufInt(gguf, p + "embedding_length", true, config.hiddenSize); !s.isOk())
        return fail(s);
    if (Status s = ggufInt(gguf, p + "feed_forward_length", true, config.intermediateSize); !s.isOk())
        return fail(s);
    int context = 0;
    if (Status s = ggufInt(gguf, p + "context_length", false, context); !s.isOk())
        return fail(s);
    config.contextLength = context;
    config.headDim = config.heads > 0 ? config.hiddenSize / config.heads : 0;
    if (Status s = ggufInt(gguf, p + "attention.key_length", false, config.headDim); !s.isOk())
        return fail(s);
    if (Status s = ggufDouble(gguf, p + "rope.freq_base", config.ropeTheta); !s.isOk())
        return fail(s);
    const bool layerNorm =
        config.architecture == Architecture::Gpt2 || config.architecture == Architecture::Bert;
    if (Status s = ggufDouble(
            gguf, p + (layerNorm ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon"),
            config.normEps);
        !s.isOk())
        return fail(s);
    if (Status s = ggufInt(gguf, p + "attention.sliding_window", false, config.slidingWindow); !s.isOk())
        return fail(s);
    config.qkNorm = config.architecture == Architecture::Qwen3;
    config.attentionBias = config.architecture == Architecture::Qwen2;
    config.causal = config.architecture != Architecture::Bert;
    // Vocabulary: the embedded token list is authoritative; "<arch>.vocab_size" is optional.
    if (const GgufValue* tokens = gguf.find("tokenizer.ggml.tokens");
        tokens && tokens->type == GgufType::Array)
        config.vocabSize = static_cast<int>(std::min<size_t>(tokens->array.size(), kMaxSize));
    if (Status s = ggufInt(gguf, p + "vocab_size", false, config.vocabSize); !s.isOk())
        return fail(s);
    config.tieEmbeddings = gguf.findTensor("output.weight") == nullptr;
    config.dtype = "gguf";
    ATTNSCOPE_TRY(validateConfig(config, source));
    return config;
}

ModelConfig configFromLlama2c(const Llama2cConfig& header) {
    ModelConfig config;
    config.architecture = Architecture::Llama;
    config.layers = header.layers;
    config.heads = header.heads;
    config.kvHeads = header.kvHeads;
    config.headDim = header.headDim();
    config.hiddenSize = header.dim;
    config.intermediateSize = header.hiddenDim;
    config.vocabSize = header.vocabSize;
    config.contextLength = header.seqLen;
    config.tieEmbeddings = header.sharedClassifier;
    config.dtype = "float32";
    return config;
}

} // namespace attnscope::model
