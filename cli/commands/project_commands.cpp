// SPDX-License-Identifier: Apache-2.0
// Project commands: `runs P`, `compare P RUN_A RUN_B`, `label P RUN LABEL`, `delete-run P RUN`, `compact
// P`, `export P RUN --format csv|json|npy --out PATH`. All but `label`, `delete-run` and `compact` only
// read the project (ReadOnly: an older schema is read as it is, nothing is migrated).
#include "commands.h"

#include "../json_output.h"
#include "attnscope/store/project.h"
#include "attnscope/store/run_exchange.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>

namespace attnscope::cli {

namespace {

nlohmann::json summaryJson(const store::RunSummary& r) {
    return {{"id", r.id},           {"label", r.label},     {"kind", r.kind},       {"status", r.status},
            {"started", r.started}, {"seconds", r.seconds}, {"model", r.modelPath}, {"tokens", r.tokens}};
}

Expected<nlohmann::json> listRuns(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::RunSummary> runs, project.runs());
    nlohmann::json list = nlohmann::json::array();
    for (const store::RunSummary& r : runs)
        list.push_back(summaryJson(r));
    return nlohmann::json{{"project", path}, {"schema", project.schemaVersion()}, {"runs", list}};
}

void printRuns(const nlohmann::json& d) {
    std::cout << d["project"].get<std::string>() << " (schema " << d["schema"].get<int>()
              << "): " << d["runs"].size() << " runs\n";
    if (d["runs"].empty())
        return;
    std::printf("%5s  %-20s  %-9s  %7s  %8s  %-20s  %s\n", "run", "started", "status", "tokens", "seconds",
                "label", "model");
    for (const auto& r : d["runs"])
        std::printf("%5lld  %-20s  %-9s  %7d  %8.1f  %-20s  %s\n",
                    static_cast<long long>(r["id"].get<int64_t>()), r["started"].get<std::string>().c_str(),
                    r["status"].get<std::string>().c_str(), r["tokens"].get<int>(),
                    r["seconds"].get<double>(), r["label"].get<std::string>().c_str(),
                    r["model"].get<std::string>().c_str());
}

/// Refuses a run the project does not have from a read-only open, so that a refused change never
/// migrates an older project (a read-write open does).
Status checkRunExists(const std::string& path, int64_t id) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::RunSummary> runs, project.runs());
    if (std::none_of(runs.begin(), runs.end(), [id](const auto& r) { return r.id == id; }))
        return Status::notFound("no run " + std::to_string(id) + " in the project")
            .inFile(path)
            .atField("RUN");
    return Status::ok();
}

Expected<nlohmann::json> labelRun(const std::string& path, int64_t id, const std::string& label) {
    ATTNSCOPE_TRY(checkRunExists(path, id));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(path, store::OpenMode::ReadWrite));
    ATTNSCOPE_TRY(project.setRunLabel(id, label));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, project.run(id));
    return nlohmann::json{{"project", path}, {"run", id}, {"label", run.label}};
}

Expected<nlohmann::json> deleteRun(const std::string& path, int64_t id) {
    ATTNSCOPE_TRY(checkRunExists(path, id));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(path, store::OpenMode::ReadWrite));
    ATTNSCOPE_TRY(project.removeRun(id));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::RunSummary> runs, project.runs());
    return nlohmann::json{{"project", path}, {"deleted", id}, {"runs_left", runs.size()}};
}

/// The project's bytes on disk: the database and its write-ahead log.
uintmax_t projectBytes(const std::string& path) {
    std::error_code error;
    uintmax_t bytes = 0;
    for (const std::string& file : {path, path + "-wal"}) {
        const uintmax_t size = std::filesystem::file_size(file, error);
        if (!error)
            bytes += size;
    }
    return bytes;
}

Expected<nlohmann::json> compactProject(const std::string& path) {
    if (!std::filesystem::exists(path))
        return Status::notFound("no such project").inFile(path).atField("PROJECT");
    const uintmax_t before = projectBytes(path);
    {
        ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                                   store::Project::open(path, store::OpenMode::ReadWrite));
        ATTNSCOPE_TRY(project.compact());
    }
    return nlohmann::json{{"project", path}, {"bytes_before", before}, {"bytes_after", projectBytes(path)}};
}

Expected<nlohmann::json> compareRuns(const std::string& path, int64_t a, int64_t b) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    return store::compareRuns(project, path, a, b);
}

void printComparison(const nlohmann::json& d) {
    std::printf("run %lld vs run %lld%s%s\n", static_cast<long long>(d["run_a"]["id"].get<int64_t>()),
                static_cast<long long>(d["run_b"]["id"].get<int64_t>()),
                d["same_model"].get<bool>() ? "" : " (different models)",
                d["same_input"].get<bool>() ? "" : " (different inputs)");
    for (const auto& [key, values] : d["settings_differ"].items())
        std::printf("  setting %s: %s (A) vs %s (B)\n", key.c_str(), values["a"].dump().c_str(),
                    values["b"].dump().c_str());
    std::printf("%-16s %-40s %10s %10s %10s   largest head change\n", "analysis", "metric", "mean A",
                "mean B", "delta");
    for (const auto& m : d["metrics"]) {
        const auto& h = m["largest_head_delta"];
        std::printf("%-16s %-40s %10.4f %10.4f %+10.4f   %d:%d %+.4f\n",
                    m["analysis"].get<std::string>().c_str(), m["metric"].get<std::string>().c_str(),
                    m["mean_a"].get<double>(), m["mean_b"].get<double>(), m["delta"].get<double>(),
                    h["layer"].get<int>(), h["head"].get<int>(), h["delta"].get<double>());
    }
}

Expected<nlohmann::json> exportRun(const std::string& path, int64_t id, const std::string& format,
                                   const std::string& out) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, project.run(id));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::Annotation> notes, project.annotations(id));
    ATTNSCOPE_ASSIGN_OR_RETURN(nlohmann::json written, store::exportRun(run, format, out, notes));
    written["project"] = path;
    return written;
}

void printExport(const nlohmann::json& d) {
    std::cout << "Exported run " << d["run"].get<int64_t>() << " as " << d["format"].get<std::string>()
              << ": " << d["written"].size() << " file(s)\n";
    for (const auto& w : d["written"])
        std::cout << "  " << w["file"].get<std::string>() << "\n";
}

} // namespace

void registerProjectCommands(CLI::App& app, int& exitCode) {
    {
        CLI::App* command = app.add_subcommand("runs", "List the runs stored in a project");
        auto path = std::make_shared<std::string>();
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        output->addOption(*command);
        command->callback(
            [path, output, &exitCode] { exitCode = output->finish(listRuns(*path), printRuns); });
    }
    {
        CLI::App* command =
            app.add_subcommand("compare", "Metric deltas between two runs of a project (B - A)");
        auto path = std::make_shared<std::string>();
        auto ids = std::make_shared<std::pair<int64_t, int64_t>>();
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        command->add_option("RUN_A", ids->first, "The baseline run")->required();
        command->add_option("RUN_B", ids->second, "The run compared with it")->required();
        output->addOption(*command);
        command->callback([path, ids, output, &exitCode] {
            exitCode = output->finish(compareRuns(*path, ids->first, ids->second), printComparison);
        });
    }
    {
        CLI::App* command =
            app.add_subcommand("label", "Set (or with \"\" clear) the label of a project's run");
        auto path = std::make_shared<std::string>();
        auto id = std::make_shared<int64_t>(0);
        auto label = std::make_shared<std::string>();
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        command->add_option("RUN", *id, "The run id (see `runs`)")->required();
        command->add_option("LABEL", *label, "The new label")->required();
        output->addOption(*command);
        command->callback([path, id, label, output, &exitCode] {
            exitCode = output->finish(labelRun(*path, *id, *label), [](const nlohmann::json& d) {
                std::cout << "Run " << d["run"].get<int64_t>() << " is labelled \""
                          << d["label"].get<std::string>() << "\"\n";
            });
        });
    }
    {
        CLI::App* command = app.add_subcommand(
            "delete-run", "Delete a run with its results, arrays and notes from a project");
        auto path = std::make_shared<std::string>();
        auto id = std::make_shared<int64_t>(0);
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        command->add_option("RUN", *id, "The run id (see `runs`)")->required();
        output->addOption(*command);
        command->callback([path, id, output, &exitCode] {
            exitCode = output->finish(deleteRun(*path, *id), [](const nlohmann::json& d) {
                std::cout << "Deleted run " << d["deleted"].get<int64_t>() << "; "
                          << d["runs_left"].get<std::size_t>() << " run(s) left\n";
            });
        });
    }
    {
        CLI::App* command =
            app.add_subcommand("compact", "Shrink a project file after deleting runs (SQLite VACUUM)");
        auto path = std::make_shared<std::string>();
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        output->addOption(*command);
        command->callback([path, output, &exitCode] {
            exitCode = output->finish(compactProject(*path), [](const nlohmann::json& d) {
                std::cout << d["project"].get<std::string>() << ": " << d["bytes_before"].get<uintmax_t>()
                          << " bytes before, " << d["bytes_after"].get<uintmax_t>() << " after\n";
            });
        });
    }
    {
        CLI::App* command =
            app.add_subcommand("export", "Write a run's results as CSV, JSON or NumPy arrays");
        auto path = std::make_shared<std::string>();
        auto id = std::make_shared<int64_t>(0);
        auto format = std::make_shared<std::string>("json");
        auto out = std::make_shared<std::string>();
        auto output = std::make_shared<JsonOutput>();
        command->add_option("PROJECT", *path, "A project file (.attnscope)")->required();
        command->add_option("RUN", *id, "The run id (see `runs`)")->required();
        command
            ->add_option("--format", *format,
                         "csv (head metrics), json (the document), npy (a folder of arrays)")
            ->check(CLI::IsMember({"csv", "json", "npy"}))
            ->capture_default_str();
        command->add_option("--out", *out, "Output file (csv, json) or folder (npy)")->required();
        output->addOption(*command);
        command->callback([path, id, format, out, output, &exitCode] {
            exitCode = output->finish(exportRun(*path, *id, *format, *out), printExport);
        });
    }
}

} // namespace attnscope::cli
