// SPDX-License-Identifier: Apache-2.0
#include "attnscope/store/run_exchange.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/io/npy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace attnscope::store {

namespace {

std::string safeName(std::string name) {
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            c = '_';
    return name;
}

} // namespace

/// Per (analysis, metric): the head means of both runs, their difference and the head that moved most.
Expected<nlohmann::json> compareRuns(const Project& project, const std::string& path, int64_t a, int64_t b) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<HeadMetric> left, project.metrics(a));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<HeadMetric> right, project.metrics(b));
    ATTNSCOPE_ASSIGN_OR_RETURN(RunRecord runA, project.run(a)); // checks that both exist
    ATTNSCOPE_ASSIGN_OR_RETURN(RunRecord runB, project.run(b));
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
    nlohmann::json settingsA = parseJsonText(runA.settingsJson);
    nlohmann::json settingsB = parseJsonText(runB.settingsJson);
    if (!settingsA.is_object())
        settingsA = nlohmann::json::object();
    if (!settingsB.is_object())
        settingsB = nlohmann::json::object();
    // Keys that say how the input was given (same_input compares the input itself), and the defaults of
    // keys older runs did not record.
    const std::set<std::string> inputKeys{"sample", "text_file", "max_tokens"};
    const std::map<std::string, nlohmann::json> defaults{{"weights", "f32"}, {"attention_device", "cpu"}};
    auto valueOf = [&](const nlohmann::json& settings, const std::string& key) {
        if (settings.contains(key))
            return settings[key];
        const auto fallback = defaults.find(key);
        return fallback != defaults.end() ? fallback->second : nlohmann::json();
    };
    nlohmann::json differing = nlohmann::json::object();
    for (const auto* side : {&settingsA, &settingsB})
        for (const auto& [key, value] : side->items()) {
            const nlohmann::json va = valueOf(settingsA, key), vb = valueOf(settingsB, key);
            if (inputKeys.count(key) || va == vb)
                continue;
            if (va.is_object() && vb.is_object()) // the analyses' parameters: name the ones that differ
                for (const auto* inner : {&va, &vb})
                    for (const auto& [name, unused] : inner->items()) {
                        const nlohmann::json ia = va.value(name, nlohmann::json()),
                                             ib = vb.value(name, nlohmann::json());
                        // A parameter recorded at the top level too (analyses) is compared there.
                        if (ia != ib && !settingsA.contains(name) && !settingsB.contains(name))
                            differing[key + "." + name] = {{"a", ia}, {"b", ib}};
                    }
            else
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

nlohmann::json annotationToJson(const Annotation& note) {
    auto place = [](const std::optional<int>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json();
    };
    return {{"id", note.id},
            {"layer", place(note.layer)},
            {"head", place(note.head)},
            {"token", place(note.token)},
            {"text", note.text},
            {"created", note.created}};
}

/// csv: one row per head metric; json: the run's summary, settings, document and notes; npy: a folder
/// with one [layers, heads] float32 array per head metric (NaN where a head has no value) and every
/// stored array with its own shape.
Expected<nlohmann::json> exportRun(const RunRecord& run, const std::string& format, const std::string& out,
                                   const std::vector<Annotation>& notes) {
    if (format != "csv" && format != "json" && format != "npy")
        return Status::invalidArgument("unknown format '" + format + "' (csv, json, npy)").atField("format");
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
        const nlohmann::json document = parseJsonText(run.documentJson);
        const nlohmann::json settings = parseJsonText(run.settingsJson);
        nlohmann::json noteList = nlohmann::json::array();
        for (const Annotation& note : notes)
            noteList.push_back(annotationToJson(note));
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
                               {"document", document},
                               {"notes", noteList}}
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
        std::map<std::pair<std::string, std::string>, std::vector<const HeadMetric*>> grouped;
        int layers = 0, heads = 0;
        for (const auto& m : run.metrics) {
            grouped[{m.analysis, m.metric}].push_back(&m);
            layers = std::max(layers, m.layer + 1);
            heads = std::max(heads, m.head + 1);
        }
        for (const auto& [key, list] : grouped) {
            std::vector<float> values(static_cast<std::size_t>(layers) * heads,
                                      std::numeric_limits<float>::quiet_NaN());
            for (const HeadMetric* m : list)
                values[static_cast<std::size_t>(m->layer) * heads + m->head] = static_cast<float>(m->value);
            const std::string file = out + "/" + safeName(key.first + "__" + key.second) + ".npy";
            ATTNSCOPE_TRY(io::writeNpyFloat32(file, {layers, heads}, values));
            written.push_back({{"file", file}, {"shape", {layers, heads}}});
        }
        for (const ArrayRecord& a : run.arrays) {
            std::vector<float> values = a.f32;
            if (a.type == ArrayType::U8)
                values.assign(a.u8.begin(), a.u8.end());
            const std::string file = out + "/" + safeName(a.name) + ".npy";
            ATTNSCOPE_TRY(io::writeNpyFloat32(file, a.shape, values));
            written.push_back({{"file", file}, {"shape", a.shape}});
        }
    }
    return nlohmann::json{{"run", run.id}, {"format", format}, {"written", written}};
}

} // namespace attnscope::store
