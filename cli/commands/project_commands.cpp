// SPDX-License-Identifier: Apache-2.0
// Project commands: `runs P`, `compare P RUN_A RUN_B`, `export P RUN --format csv|json|npy --out PATH`.
// They only read the project (ReadOnly: an older schema is read as it is, nothing is migrated).
#include "commands.h"

#include "../json_output.h"
#include "attnscope/io/npy.h"
#include "attnscope/store/project.h"

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

/// Per (analysis, metric): the head means of both runs, their difference and the head that moved most.
Expected<nlohmann::json> compareRuns(const std::string& path, int64_t a, int64_t b) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::HeadMetric> left, project.metrics(a));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::HeadMetric> right, project.metrics(b));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord runA, project.run(a)); // checks that both exist
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord runB, project.run(b));
    using Key = std::pair<std::string, std::string>;
    std::map<Key, std::map<std::pair<int, int>, double>> values[2];
    for (const auto& m : left)
        values[0][{m.analysis, m.metric}][{m.layer, m.head}] = m.value;
    for (const auto& m : right)
        values[1][{m.analysis, m.metric}][{m.layer, m.head}] = m.value;
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& [key, heads] : values[0]) {
        auto other = values[1].find(key);
        if (other == values[1].end())
            continue;
        double sumA = 0, sumB = 0, largest = -1;
        int count = 0;
        std::pair<int, int> at{0, 0};
        double atDelta = 0;
        for (const auto& [head, value] : heads) {
            auto match = other->second.find(head);
            if (match == other->second.end() || !std::isfinite(value) || !std::isfinite(match->second))
                continue;
            sumA += value;
            sumB += match->second;
            ++count;
            if (std::fabs(match->second - value) > largest) {
                largest = std::fabs(match->second - value);
                at = head;
                atDelta = match->second - value;
            }
        }
        if (count == 0)
            continue;
        metrics.push_back(
            {{"analysis", key.first},
             {"metric", key.second},
             {"heads", count},
             {"mean_a", sumA / count},
             {"mean_b", sumB / count},
             {"delta", (sumB - sumA) / count},
             {"largest_head_delta", {{"layer", at.first}, {"head", at.second}, {"delta", atDelta}}}});
    }
    // Settings that differ (weights precision, attention device, analyses, ...): the same model on the
    // same input computed differently is not the same run. Absent keys read as null.
    nlohmann::json settingsA = nlohmann::json::parse(runA.settingsJson, nullptr, false);
    nlohmann::json settingsB = nlohmann::json::parse(runB.settingsJson, nullptr, false);
    if (!settingsA.is_object())
        settingsA = nlohmann::json::object();
    if (!settingsB.is_object())
        settingsB = nlohmann::json::object();
    nlohmann::json differing = nlohmann::json::object();
    for (const auto* side : {&settingsA, &settingsB})
        for (const auto& [key, value] : side->items()) {
            const nlohmann::json va = settingsA.value(key, nlohmann::json()),
                                 vb = settingsB.value(key, nlohmann::json());
            if (va != vb)
                differing[key] = {{"a", va}, {"b", vb}};
        }
    return nlohmann::json{{"project", path},
                          {"run_a", {{"id", a}, {"label", runA.label}, {"model", runA.model.path}}},
                          {"run_b", {{"id", b}, {"label", runB.label}, {"model", runB.model.path}}},
                          {"same_model", runA.model == runB.model},
                          {"same_input", runA.input == runB.input},
                          {"settings_differ", differing},
                          {"metrics", metrics}};
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

std::string safeName(std::string name) {
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            c = '_';
    return name;
}

/// csv: one row per head metric; json: the run's summary, settings and document; npy: a folder with
/// one [layers, heads] float32 array per head metric (NaN where a head has no value) and every stored
/// array with its own shape.
Expected<nlohmann::json> exportRun(const std::string& path, int64_t id, const std::string& format,
                                   const std::string& out) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project, store::Project::open(path, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, project.run(id));
    nlohmann::json written = nlohmann::json::array();
    if (format == "csv") {
        std::ofstream file(out, std::ios::binary | std::ios::trunc);
        file << "analysis,metric,layer,head,value\n";
        file.precision(9);
        for (const auto& m : run.metrics)
            file << m.analysis << ',' << m.metric << ',' << m.layer << ',' << m.head << ',' << m.value
                 << '\n';
        if (!file.flush())
            return Status::ioError("cannot write the CSV").inFile(out);
        written.push_back({{"file", out}, {"rows", run.metrics.size()}});
    } else if (format == "json") {
        const nlohmann::json document = nlohmann::json::parse(run.documentJson, nullptr, false);
        const nlohmann::json settings = nlohmann::json::parse(run.settingsJson, nullptr, false);
        std::ofstream file(out, std::ios::binary | std::ios::trunc);
        file << nlohmann::json{{"run",
                                {{"id", run.id},
                                 {"label", run.label},
                                 {"status", run.status},
                                 {"started", run.started},
                                 {"seconds", run.seconds},
                                 {"program_version", run.programVersion},
                                 {"model",
                                  {{"path", run.model.path},
                                   {"format", run.model.format},
                                   {"content_hash", run.model.contentHash}}},
                                 {"tokens", run.input.tokens.size()}}},
                               {"settings", settings},
                               {"document", document}}
                    .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
             << "\n";
        if (!file.flush())
            return Status::ioError("cannot write the JSON").inFile(out);
        written.push_back({{"file", out}});
    } else {
        std::error_code error;
        std::filesystem::create_directories(out, error);
        if (error)
            return Status::ioError("cannot create the folder: " + error.message()).inFile(out);
        std::map<std::pair<std::string, std::string>, std::vector<const store::HeadMetric*>> grouped;
        int layers = 0, heads = 0;
        for (const auto& m : run.metrics) {
            grouped[{m.analysis, m.metric}].push_back(&m);
            layers = std::max(layers, m.layer + 1);
            heads = std::max(heads, m.head + 1);
        }
        for (const auto& [key, list] : grouped) {
            std::vector<float> values(static_cast<std::size_t>(layers) * heads,
                                      std::numeric_limits<float>::quiet_NaN());
            for (const store::HeadMetric* m : list)
                values[static_cast<std::size_t>(m->layer) * heads + m->head] = static_cast<float>(m->value);
            const std::string file = out + "/" + safeName(key.first + "__" + key.second) + ".npy";
            ATTNSCOPE_TRY(io::writeNpyFloat32(file, {layers, heads}, values));
            written.push_back({{"file", file}, {"shape", {layers, heads}}});
        }
        for (const store::ArrayRecord& a : run.arrays) {
            std::vector<float> values = a.f32;
            if (a.type == store::ArrayType::U8)
                values.assign(a.u8.begin(), a.u8.end());
            const std::string file = out + "/" + safeName(a.name) + ".npy";
            ATTNSCOPE_TRY(io::writeNpyFloat32(file, a.shape, values));
            written.push_back({{"file", file}, {"shape", a.shape}});
        }
    }
    return nlohmann::json{{"project", path}, {"run", id}, {"format", format}, {"written", written}};
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
