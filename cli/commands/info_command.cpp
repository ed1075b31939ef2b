// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include "../json_output.h"
#include "attnscope/model/model_summary.h"
#include "attnscope/runtime/environment.h"
#include "attnscope/version.h"

#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

nlohmann::json environmentToJson(const runtime::Environment& environment) {
    nlohmann::json backends = nlohmann::json::array();
    for (const kernels::BackendInfo& backend : environment.backends)
        backends.push_back({{"name", backend.name},
                            {"compiled", backend.compiled},
                            {"available", backend.available},
                            {"detail", backend.detail}});
    return {{"attnscope",
             {{"version", environment.attnscopeVersion},
              {"build_type", ATTNSCOPE_BUILD_TYPE},
              {"compiler", ATTNSCOPE_COMPILER},
              {"cuda_kernels", ATTNSCOPE_BUILT_WITH_CUDA == 1},
              {"studio", ATTNSCOPE_BUILT_WITH_STUDIO == 1}}},
            {"torch",
             {{"version", environment.torchVersion},
              {"intra_op_threads", environment.intraOpThreads},
              {"blas", environment.blasLibrary},
              {"reference_blas", environment.referenceBlas}}},
            {"backends", backends}};
}

void printEnvironment(const runtime::Environment& environment) {
    std::cout << "AttnScope " << environment.attnscopeVersion << " (" << ATTNSCOPE_BUILD_TYPE << ", "
              << ATTNSCOPE_COMPILER << ")\n"
              << "LibTorch  " << environment.torchVersion << ", " << environment.intraOpThreads
              << " intra-op threads\n"
              << "BLAS      " << (environment.blasLibrary.empty() ? "(not loaded)" : environment.blasLibrary)
              << (environment.referenceBlas ? "  [reference BLAS: slow, install libopenblas0-pthread]" : "")
              << "\nBackends\n";
    for (const kernels::BackendInfo& backend : environment.backends)
        std::cout << "  " << backend.name << ": "
                  << (backend.available ? "available" : (backend.compiled ? "unavailable" : "not built"))
                  << (backend.detail.empty() ? "" : " - " + backend.detail) << "\n";
}

nlohmann::json summaryToJson(const model::ModelSummary& summary) {
    const model::ModelConfig& c = summary.config;
    return {{"path", summary.path},
            {"format", model::modelFormatName(summary.format)},
            {"architecture", model::architectureName(c.architecture)},
            {"layers", c.layers},
            {"heads", c.heads},
            {"kv_heads", c.kvHeads},
            {"head_dim", c.headDim},
            {"hidden_size", c.hiddenSize},
            {"intermediate_size", c.intermediateSize},
            {"vocab_size", c.vocabSize},
            {"parameters", summary.parameters},
            {"tensors", summary.tensorCount},
            {"dtype", summary.dtype},
            {"context_length", c.contextLength},
            {"causal", c.causal},
            {"sliding_window", c.slidingWindow},
            {"tie_embeddings", c.tieEmbeddings}};
}

void printSummary(const model::ModelSummary& summary) {
    const model::ModelConfig& c = summary.config;
    std::cout << summary.path << " (" << model::modelFormatName(summary.format) << ")\n"
              << "  architecture   " << model::architectureName(c.architecture)
              << (c.causal ? "" : " (bidirectional)") << "\n  layers         " << c.layers
              << "\n  heads          " << c.heads << " query, " << c.kvHeads << " key/value"
              << (c.kvHeads < c.heads ? " (GQA)" : "") << "\n  head dim       " << c.headDim
              << "\n  hidden size    " << c.hiddenSize << " (MLP " << c.intermediateSize << ")"
              << "\n  vocabulary     " << c.vocabSize << "\n  context        " << c.contextLength
              << (c.slidingWindow ? " (sliding window " + std::to_string(c.slidingWindow) + ")" : "")
              << "\n  parameters     " << summary.parameters << " in " << summary.tensorCount << " tensors, "
              << summary.dtype << "\n";
}

} // namespace

void registerInfoCommand(CLI::App& app, int& exitCode) {
    CLI::App* command =
        app.add_subcommand("info", "Describe a model (format, architecture, size), or without MODEL this "
                                   "installation (version, libraries, compute backends)");
    auto output = std::make_shared<JsonOutput>();
    auto modelPath = std::make_shared<std::string>();
    command->add_option("MODEL", *modelPath, "An HF directory, a .gguf file or a llama2.c .bin");
    output->addOption(*command);
    command->callback([output, modelPath, &exitCode] {
        if (!modelPath->empty()) {
            Expected<model::ModelSummary> summary = model::summarizeModel(*modelPath);
            if (!summary) {
                exitCode = output->fail(summary.status());
                return;
            }
            if (output->enabled()) {
                exitCode = output->write(summaryToJson(*summary));
                return;
            }
            printSummary(*summary);
            exitCode = 0;
            return;
        }
        Expected<runtime::Environment> environment = runtime::queryEnvironment();
        if (!environment) {
            exitCode = output->fail(environment.status());
            return;
        }
        runtime::warnIfReferenceBlas(*environment);
        if (output->enabled()) {
            exitCode = output->write(environmentToJson(*environment));
            return;
        }
        printEnvironment(*environment);
        exitCode = 0;
    });
}

} // namespace attnscope::cli
