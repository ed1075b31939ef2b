// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/generation_attention.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnscope::analyses {

namespace {

/// About 2 GiB of kept keys and probabilities: a trace larger than this is refused up front.
constexpr uint64_t kMaxTraceEntries = uint64_t(1) << 28;

/// Top-k, token-0 mass and entropy of one probability row over `keys` keys.
HeadStepAttention summarizeRow(const float* row, int keys, int topK) {
    HeadStepAttention head;
    head.sinkMass = keys > 0 ? row[0] : 0.0f;
    double entropy = 0;
    for (int j = 0; j < keys; ++j)
        if (row[j] > 0.0f)
            entropy -= static_cast<double>(row[j]) * std::log(static_cast<double>(row[j]));
    head.entropy = static_cast<float>(entropy);
    std::vector<int32_t> order(static_cast<std::size_t>(keys));
    std::iota(order.begin(), order.end(), 0);
    const int k = std::min(topK, keys);
    // Ties keep the earlier key first, so the order is reproducible.
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [row](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    for (int i = 0; i < k; ++i) {
        head.keys.push_back(order[static_cast<std::size_t>(i)]);
        head.probabilities.push_back(row[order[static_cast<std::size_t>(i)]]);
    }
    return head;
}

} // namespace

std::vector<int32_t> GenerationAttention::generated() const {
    std::vector<int32_t> tokens;
    for (const GenerationStep& step : steps)
        tokens.push_back(step.token);
    return tokens;
}

double GenerationAttention::meanSinkMass(int layer, int head) const {
    if (steps.empty())
        return 0.0;
    double sum = 0;
    for (std::size_t s = 0; s < steps.size(); ++s)
        sum += at(static_cast<int>(s), layer, head).sinkMass;
    return sum / static_cast<double>(steps.size());
}

Expected<GenerationAttention> generateWithAttention(const std::shared_ptr<const runtime::Model>& model,
                                                    const std::vector<int32_t>& prompt,
                                                    runtime::GenerateOptions options, int topK,
                                                    const Progress& progress,
                                                    runtime::MaskStatistics* masks) {
    if (topK < 1 || topK > 256)
        return Status::invalidArgument("keeps 1 to 256 keys per head, not " + std::to_string(topK))
            .atField("attention_top");
    // The kernel's probe reads the dense softmax; under a sparse mask the model used another row.
    if (options.interventions.sparse())
        return Status::unsupported("records the dense attention rows, which sparse attention (a window, a "
                                   "sparse prefill or a KV policy) would not use; trace without it")
            .atField("attention_top");
    const uint64_t entries = static_cast<uint64_t>(std::max(options.maxNewTokens, 0)) *
                             static_cast<uint64_t>(model->config().layers) *
                             static_cast<uint64_t>(model->config().heads) * static_cast<uint64_t>(topK);
    if (entries > kMaxTraceEntries)
        return Status::invalidArgument("would keep " + std::to_string(entries) +
                                       " keys (new tokens × layers × heads × " + std::to_string(topK) +
                                       "), more than " + std::to_string(kMaxTraceEntries) +
                                       ": ask for fewer new tokens or keys per head")
            .atField("attention_top");
    GenerationAttention trace;
    trace.prompt = prompt;
    trace.layers = model->config().layers;
    trace.heads = model->config().heads;
    trace.topK = topK;
    kernels::ProbeRequest probe;
    probe.lastRows = 1; // the row whose logits choose the next token
    options.probe = probe;
    const int promptLength = static_cast<int>(prompt.size());
    options.observer = [&](int step, int32_t token,
                           const std::vector<kernels::ProbeResult>& probes) -> Status {
        GenerationStep record;
        record.token = token;
        record.row = promptLength - 1 + step;
        const int keys = record.row + 1;
        if (probes.size() != static_cast<std::size_t>(trace.layers))
            return Status::internal("the generation returned probes of " + std::to_string(probes.size()) +
                                    " layers; the model has " + std::to_string(trace.layers));
        for (const kernels::ProbeResult& layer : probes) {
            if (layer.lastRows != 1 ||
                layer.lastRowProbabilities.size() != static_cast<std::size_t>(trace.heads) * keys)
                return Status::internal("the kernel returned " +
                                        std::to_string(layer.lastRowProbabilities.size()) +
                                        " probabilities for a row of " + std::to_string(keys) + " keys × " +
                                        std::to_string(trace.heads) + " heads");
            for (int h = 0; h < trace.heads; ++h)
                record.heads.push_back(summarizeRow(
                    layer.lastRowProbabilities.data() + static_cast<std::size_t>(h) * keys, keys, topK));
        }
        trace.steps.push_back(std::move(record));
        return Status::ok();
    };
    ATTNSCOPE_TRY(runtime::generate(model, prompt, options, progress, masks).status());
    return trace;
}

nlohmann::json generationAttentionToJson(const GenerationAttention& trace,
                                         const std::vector<std::string>& texts) {
    const auto textAt = [&texts](std::size_t position) {
        return position < texts.size() ? texts[position] : std::string();
    };
    nlohmann::json steps = nlohmann::json::array();
    for (const GenerationStep& step : trace.steps) {
        nlohmann::json heads = nlohmann::json::array();
        for (int l = 0; l < trace.layers; ++l)
            for (int h = 0; h < trace.heads; ++h) {
                const HeadStepAttention& a = step.heads[static_cast<std::size_t>(l * trace.heads + h)];
                heads.push_back({{"layer", l},
                                 {"head", h},
                                 {"sink_mass", a.sinkMass},
                                 {"entropy", a.entropy},
                                 {"keys", a.keys},
                                 {"probabilities", a.probabilities}});
            }
        steps.push_back({{"token", step.token},
                         {"text", textAt(static_cast<std::size_t>(step.row) + 1)},
                         {"row", step.row},
                         {"heads", heads}});
    }
    nlohmann::json mean = nlohmann::json::array();
    for (int l = 0; l < trace.layers; ++l) {
        nlohmann::json row = nlohmann::json::array();
        for (int h = 0; h < trace.heads; ++h)
            row.push_back(trace.meanSinkMass(l, h));
        mean.push_back(row);
    }
    nlohmann::json positions = nlohmann::json::array();
    for (std::size_t position = 0; position < trace.prompt.size() + trace.steps.size(); ++position)
        positions.push_back(textAt(position));
    return {{"top_k", trace.topK},
            {"prompt_tokens", trace.prompt.size()},
            {"texts", positions},
            {"steps", steps},
            {"mean_sink_mass", mean}};
}

std::vector<std::string> positionTexts(const std::string& prompt,
                                       const std::vector<std::pair<int64_t, int64_t>>& offsets,
                                       const std::vector<int32_t>& promptIds,
                                       const std::vector<int32_t>& generated,
                                       const tokenizers::Tokenizer* tokenizer) {
    std::vector<std::string> texts;
    for (std::size_t j = 0; j < promptIds.size(); ++j) {
        const auto [begin, end] = j < offsets.size() ? offsets[j] : std::pair<int64_t, int64_t>{0, 0};
        texts.push_back(
            begin >= 0 && end > begin && static_cast<std::size_t>(end) <= prompt.size()
                ? prompt.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin))
                : std::string());
    }
    // A generated token's text is what it adds to the decoding of the tokens before it: decoded alone,
    // SentencePiece drops a word's leading space and a split UTF-8 character is invalid.
    constexpr std::size_t kContext = 16;
    std::vector<int32_t> sequence = promptIds;
    for (int32_t id : generated) {
        std::string piece;
        if (tokenizer) {
            const std::size_t from = sequence.size() > kContext ? sequence.size() - kContext : 0;
            std::vector<int32_t> context(sequence.begin() + static_cast<std::ptrdiff_t>(from),
                                         sequence.end());
            Expected<std::string> before = tokenizer->decode(context, /*skipSpecial=*/false);
            context.push_back(id);
            Expected<std::string> after = tokenizer->decode(context, /*skipSpecial=*/false);
            if (before && after && after->compare(0, before->size(), *before) == 0)
                piece = after->substr(before->size());
            else if (Expected<std::string> alone = tokenizer->decode({id}, /*skipSpecial=*/false))
                piece = *alone;
        }
        texts.push_back(std::move(piece));
        sequence.push_back(id);
    }
    return texts;
}

nlohmann::json generationDocument(const GenerationAttention& trace, const runtime::GenerateOptions& options,
                                  const std::string& continuation, const std::vector<std::string>& texts) {
    nlohmann::json document = {{"prompt_ids", trace.prompt},
                               {"ids", trace.generated()},
                               {"mode", options.greedy ? "greedy" : "sampled"},
                               {"text", continuation},
                               {"attention", generationAttentionToJson(trace, texts)}};
    if (!options.greedy) {
        document["temperature"] = options.temperature;
        document["seed"] = options.seed;
    }
    return document;
}

} // namespace attnscope::analyses
