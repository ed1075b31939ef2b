// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli report PROJECT RUN --out FILE.html|FILE.pdf`: the attention report of a stored run,
// drawn by the studio's renderer offscreen (built only when Qt is available).
#include "commands.h"

#include "../json_output.h"
#include "attnscope/store/project.h"
#include "render/report_writer.h"

#include <filesystem>
#include <iostream>

namespace attnscope::cli {

namespace {

Expected<nlohmann::json> report(const std::string& path, int64_t id, const std::string& out) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, project.run(id));
    ATTNSCOPE_TRY(render::writeReport(run, path, out));
    std::error_code error;
    return nlohmann::json{
        {"project", path}, {"run", id}, {"report", out}, {"bytes", std::filesystem::file_size(out, error)}};
}

} // namespace

void registerReportCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand(
        "report", "Write the attention report of a stored run (self-contained HTML, or PDF)");
    auto path = std::make_shared<std::string>();
    auto id = std::make_shared<int64_t>(0);
    auto out = std::make_shared<std::string>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
    command->add_option("RUN", *id, "The run id (see `runs`)")->required();
    command->add_option("--out", *out, "FILE.html or FILE.pdf")->required();
    output->addOption(*command);
    command->callback([path, id, out, output, &exitCode] {
        exitCode = output->finish(report(*path, *id, *out), [](const nlohmann::json& d) {
            std::cout << "Wrote " << d["report"].get<std::string>() << " (" << d["bytes"].get<uint64_t>()
                      << " bytes)\n";
        });
    });
}

} // namespace attnscope::cli
