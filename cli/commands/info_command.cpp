// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include "../json_output.h"
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

} // namespace

void registerInfoCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand("info", "Show the version, libraries and compute backends");
    auto output = std::make_shared<JsonOutput>();
    output->addOption(*command);
    command->callback([output, &exitCode] {
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
