// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli qk-embed MODEL --text-file F --layer L --head H`: one head's queries and keys in a joint
// 2D/3D space (AttentionViz), by PCA or t-SNE, with a CSV of the points for plotting elsewhere.
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/qk_embedding.h"

#include <iomanip>
#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

struct EmbedOptions {
    ModelInput input;
    analyses::QkEmbeddingRequest request;
    std::string method = "pca";
    bool raw = false;
    bool allHeads = false;
    std::string csv;
};

/// --all-heads: one summary per query head of the layer (no points).
nlohmann::json headSummaries(const std::vector<analyses::QkEmbedding>& embeddings, const std::string& model) {
    nlohmann::json heads = nlohmann::json::array();
    for (const analyses::QkEmbedding& e : embeddings) {
        nlohmann::json head = {{"head", e.request.head},
                               {"kv_head", e.kvHead},
                               {"explained_variance", e.explainedVariance},
                               {"top_key_among_nearest", e.topKeyAmongNearest},
                               {"chance_among_nearest", e.chanceAmongNearest}};
        if (e.request.method == analyses::EmbeddingMethod::Tsne)
            head["kl_divergence"] = e.klDivergence;
        heads.push_back(head);
    }
    nlohmann::json document = analyses::qkEmbeddingToJson(embeddings.front());
    document.erase("points");
    for (const char* perHead : {"explained_variance", "top_key_among_nearest", "chance_among_nearest",
                                "kl_divergence", "key_translation", "query_scale"})
        document.erase(perHead);
    document["parameters"].erase("head");
    document["parameters"].erase("kv_head");
    document["heads"] = heads;
    document["model"] = model;
    return document;
}

/// Token j's text as the tokenizer cut it (its byte span of the input), for the CSV; "" without offsets.
std::string tokenText(const ResolvedInput& input, int j) {
    if (input.offsets.size() <= static_cast<std::size_t>(j))
        return {};
    const auto [begin, end] = input.offsets[static_cast<std::size_t>(j)];
    if (begin < 0 || end <= begin || static_cast<std::size_t>(end) > input.text.size())
        return {};
    return input.text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
}

Expected<nlohmann::json> runEmbed(EmbedOptions options) {
    options.request.method =
        options.method == "tsne" ? analyses::EmbeddingMethod::Tsne : analyses::EmbeddingMethod::Pca;
    options.request.normalize = !options.raw;
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, false));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model, loadOptions(options.input.weights)));
    if (options.request.head >= model->config().heads)
        return Status::invalidArgument("head " + std::to_string(options.request.head) +
                                       " is not one of the model's " + std::to_string(model->config().heads) +
                                       " query heads")
            .atField("--head");
    TerminalProgress progress;
    if (options.allHeads) {
        std::vector<int> heads(static_cast<std::size_t>(model->config().heads));
        for (std::size_t h = 0; h < heads.size(); ++h)
            heads[h] = static_cast<int>(h);
        auto embeddings =
            analyses::qkEmbeddings(*model, input.tokens, options.request, heads, progress.progress());
        if (!embeddings && embeddings.status().field() == "layer")
            return Status(embeddings.status()).atField("--layer");
        if (!embeddings)
            return embeddings.status();
        return headSummaries(*embeddings, options.input.model);
    }
    auto embedding = analyses::qkEmbedding(*model, input.tokens, options.request, progress.progress());
    if (!embedding && embedding.status().field() == "layer")
        return Status(embedding.status()).atField("--layer");
    if (!embedding)
        return embedding.status();
    if (!options.csv.empty()) {
        std::vector<std::string> texts;
        for (std::size_t j = 0; j < input.tokens.size(); ++j)
            texts.push_back(tokenText(input, static_cast<int>(j)));
        ATTNSCOPE_TRY(analyses::writeQkEmbeddingCsv(options.csv, *embedding, input.tokens, texts));
    }
    nlohmann::json document = analyses::qkEmbeddingToJson(*embedding);
    document["model"] = options.input.model;
    for (auto& point : document["points"])
        point["text"] = tokenText(input, point["token"].get<int>());
    if (!options.csv.empty())
        document["csv"] = options.csv;
    return document;
}

void printEmbed(const nlohmann::json& document) {
    const auto& p = document["parameters"];
    if (document.contains("heads")) {
        std::cout << "layer " << p["layer"] << ": " << document["sampled_tokens"] << " of "
                  << document["tokens"] << " tokens per head by " << (p["method"] == "tsne" ? "t-SNE" : "PCA")
                  << " in " << p["dimensions"] << "D; share of queries whose strongest key is among the "
                  << p["neighbours"] << " nearest keys\nhead  KV  explained variance  top key near  chance\n"
                  << std::fixed << std::setprecision(3);
        for (const auto& head : document["heads"]) {
            double variance = 0;
            for (const auto& v : head["explained_variance"])
                variance += v.get<double>();
            std::cout << std::setw(4) << head["head"].get<int>() << std::setw(4) << head["kv_head"].get<int>()
                      << std::setw(20) << variance << std::setw(14)
                      << head["top_key_among_nearest"].get<double>() << std::setw(8)
                      << head["chance_among_nearest"].get<double>() << "\n";
        }
        return;
    }
    std::cout << "layer " << p["layer"] << " head " << p["head"] << " (KV head " << p["kv_head"]
              << "): " << document["sampled_tokens"] << " of " << document["tokens"]
              << " tokens, their queries and keys by " << (p["method"] == "tsne" ? "t-SNE" : "PCA") << " in "
              << p["dimensions"] << "D"
              << (p["normalize"].get<bool>() ? " (keys translated, norms balanced)" : " (raw vectors)")
              << "\n";
    std::cout << std::setprecision(3);
    if (p["normalize"].get<bool>())
        std::cout << "key translation " << document["key_translation"].get<double>() << ", query scale "
                  << document["query_scale"].get<double>() << "\n";
    std::cout << "explained variance:";
    for (const auto& v : document["explained_variance"])
        std::cout << " " << v.get<double>();
    std::cout << "\n";
    if (document.contains("kl_divergence"))
        std::cout << "t-SNE KL divergence " << document["kl_divergence"].get<double>() << " (perplexity "
                  << p["perplexity"].get<double>() << ")\n";
    std::cout << "top key among the " << p["neighbours"]
              << " nearest keys: " << document["top_key_among_nearest"].get<double>()
              << " of queries (chance " << document["chance_among_nearest"].get<double>() << ")\n";
    if (document.contains("csv"))
        std::cout << "points: " << document["csv"].get<std::string>() << "\n";
}

} // namespace

void registerQkEmbedCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand(
        "qk-embed", "One head's queries and keys in a joint 2D/3D space (AttentionViz), by PCA or t-SNE");
    auto options = std::make_shared<EmbedOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--text");
    command->add_option("--layer", options->request.layer, "The layer")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    command->add_option("--head", options->request.head, "The query head (its KV head's keys are used)")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    command->add_option("--method", options->method, "pca or tsne (exact; its cost grows with the square)")
        ->check(CLI::IsMember({"pca", "tsne"}))
        ->capture_default_str();
    command->add_option("--dims", options->request.dimensions, "2 or 3")
        ->check(CLI::IsMember({2, 3}))
        ->capture_default_str();
    command->add_flag("--raw", options->raw,
                      "Embed the vectors as they are (no key translation or norm balancing)");
    command
        ->add_option("--sample-tokens", options->request.maxTokens,
                     "Tokens embedded, evenly spaced (0: up to 4096 for PCA, 750 for t-SNE)")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    command->add_option("--perplexity", options->request.perplexity, "t-SNE's perplexity")
        ->check(atLeast(1))
        ->capture_default_str();
    command
        ->add_option("--iterations", options->request.iterations,
                     "t-SNE's iterations (250 of them exaggerated)")
        ->check(CLI::Range(250, 100000))
        ->capture_default_str();
    command
        ->add_option("--neighbours", options->request.neighbours,
                     "The fidelity check's k: is a query's top key among its k nearest keys?")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    auto* csv = command->add_option("--csv", options->csv,
                                    "Write the points (kind, token, id, text, coordinates) as CSV");
    command
        ->add_flag(
            "--all-heads", options->allHeads,
            "Embed every query head of the layer (one forward pass) and print each head's figures, no points")
        ->excludes(csv);
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(runEmbed(*options), printEmbed); });
}

} // namespace attnscope::cli
