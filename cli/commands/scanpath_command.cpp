// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli scanpath compare A B` and `attnscope-cli scanpath stats FILE`: recorded (or predicted)
// gaze compared with every metric of SCANPATH.md §2, and summarized with OAT's behaviour (§1.5).
#include "commands.h"

#include "../json_output.h"
#include "../option_checks.h"
#include "attnscope/scanpath/behaviour.h"
#include "attnscope/scanpath/comparison.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/scanpath/transitions.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <tuple>

namespace attnscope::cli {

namespace {

using namespace attnscope::scanpath;

/// What a gaze file option set says: the file's format and columns.
struct GazeInputOptions {
    std::string format = "auto";
    std::string xColumn, yColumn, durationColumn, participantColumn, stimulusColumn, trialColumn, aoiColumn;
    std::string timeUnit = "ms";
    std::string eye = "any";
};

struct CompareOptions {
    std::string first, second;
    int firstIndex = 0, secondIndex = 0;
    GazeInputOptions input;
    std::string screen, grid = "12x8";
    double directionThreshold = 0.0, durationThreshold = 0.0, amplitudeThreshold = 0.0;
    double scanMatchThreshold = 3.5, scanMatchGap = 0.0, tempBinMs = 0.0;
    std::string rounding = "round", alphabet = "grid";
    bool scanMatchPort = false, collapse = false;
    double mapSigma = 200.0 / 6.0;
    bool mapDurationWeighted = false;
};

struct StatsOptions {
    std::string file;
    GazeInputOptions input;
    std::string screen, grid = "12x8";
    bool agreement = false;
    std::string transitions; ///< "", "grid" or "aoi": the alphabet of the transition matrix
    bool transitionRepeats = false;
};

void addGazeInputOptions(CLI::App& command, GazeInputOptions& options) {
    command.add_option("--format", options.format, "auto (by extension and header), table, asc or sti")
        ->check(CLI::IsMember({"auto", "table", "asc", "sti", "multimatch", "dataviewer", "pygaze"}))
        ->capture_default_str();
    command.add_option("--x-column", options.xColumn,
                       "A table's x column (with --y-column: a custom mapping)");
    command.add_option("--y-column", options.yColumn, "A table's y column");
    command.add_option("--duration-column", options.durationColumn, "A table's duration column");
    command.add_option("--participant-column", options.participantColumn, "A table's participant column");
    command.add_option("--stimulus-column", options.stimulusColumn, "A table's stimulus column");
    command.add_option("--trial-column", options.trialColumn, "A table's trial column");
    command.add_option("--aoi-column", options.aoiColumn,
                       "A table's area-of-interest id column (--alphabet aoi)");
    command.add_option("--time-unit", options.timeUnit, "The unit of a custom table's durations: ms or s")
        ->check(CLI::IsMember({"ms", "s"}))
        ->capture_default_str();
    command
        .add_option("--eye", options.eye,
                    "The eye of binocular EyeLink recordings: any (the first seen), left, right")
        ->check(CLI::IsMember({"any", "left", "right"}))
        ->capture_default_str();
}

Expected<GazeReadOptions> readOptionsFrom(const GazeInputOptions& input) {
    GazeReadOptions options;
    if (input.format == "asc")
        options.format = GazeFormat::EyeLinkAsc;
    else if (input.format == "sti")
        options.format = GazeFormat::StiAmazon;
    else if (input.format != "auto")
        options.format = GazeFormat::Table;
    if (input.format == "multimatch" || input.format == "dataviewer" || input.format == "pygaze") {
        auto preset = tableFormatByName(input.format);
        if (!preset)
            return preset.status();
        options.table = *preset;
    }
    if (!input.xColumn.empty() || !input.yColumn.empty()) {
        if (input.format != "auto" && input.format != "table")
            return Status::invalidArgument("--x-column/--y-column describe a table of your own; --format " +
                                           input.format + " reads a known layout")
                .atField("--format");
        if (input.xColumn.empty() || input.yColumn.empty())
            return Status::invalidArgument("a custom table mapping needs both --x-column and --y-column")
                .atField(input.xColumn.empty() ? "--x-column" : "--y-column");
        TableFormat table;
        table.x = input.xColumn;
        table.y = input.yColumn;
        table.duration = input.durationColumn;
        table.participant = input.participantColumn;
        table.stimulus = input.stimulusColumn;
        table.trial = input.trialColumn;
        table.aoi = input.aoiColumn;
        table.timeUnit = input.timeUnit == "s" ? TimeUnit::Seconds : TimeUnit::Milliseconds;
        options.format = GazeFormat::Table;
        options.table = table;
    }
    options.eye = input.eye == "left" ? Eye::Left : input.eye == "right" ? Eye::Right : Eye::Unknown;
    return options;
}

/// "1280x720" → (1280, 720); `option` names the flag in errors.
Expected<std::pair<double, double>> parsePair(const std::string& text, const char* option) {
    const std::size_t x = text.find('x');
    try {
        if (x != std::string::npos) {
            std::size_t used1 = 0, used2 = 0;
            const double a = std::stod(text.substr(0, x), &used1), b = std::stod(text.substr(x + 1), &used2);
            if (used1 == x && used2 == text.size() - x - 1 && std::isfinite(a) && std::isfinite(b) && a > 0 &&
                b > 0)
                return std::make_pair(a, b);
        }
    } catch (const std::exception&) {
    }
    return Status::invalidArgument("expected WIDTHxHEIGHT with positive numbers (e.g. 1280x720), got '" +
                                   text + "'")
        .atField(option);
}

/// The grid "CxR" as whole bins.
Expected<std::pair<int, int>> parseGrid(const std::string& text) {
    auto pair = parsePair(text, "--grid");
    if (!pair)
        return pair.status();
    const auto [columns, rows] = *pair;
    if (columns != std::floor(columns) || rows != std::floor(rows) || columns > 10000 || rows > 10000)
        return Status::invalidArgument("expected whole bins, at most 10000 per axis, got '" + text + "'")
            .atField("--grid");
    return std::make_pair(static_cast<int>(columns), static_cast<int>(rows));
}

/// The screen: --screen, else the recording's own, else a refusal naming --screen.
Expected<std::pair<double, double>> screenFor(const std::string& option, const Scanpath& a,
                                              const Scanpath& b) {
    if (!option.empty())
        return parsePair(option, "--screen");
    for (const Scanpath* path : {&a, &b})
        if (path->screenWidth > 0 && path->screenHeight > 0)
            return std::make_pair(path->screenWidth, path->screenHeight);
    return Status::invalidArgument("the recordings do not say their screen size; give --screen WIDTHxHEIGHT")
        .atField("--screen");
}

nlohmann::json describe(const std::string& file, int index, const Scanpath& path) {
    return {{"file", file},
            {"index", index},
            {"subject", path.subjectId},
            {"stimulus", path.stimulusId},
            {"trial", path.trialId},
            {"fixations", path.fixations.size()}};
}

Expected<Scanpath> pickScanpath(const std::string& file, int index, const GazeReadOptions& read) {
    auto recording = readGaze(file, read);
    if (!recording)
        return recording.status();
    if (index < 0 || index >= static_cast<int>(recording->scanpaths.size()))
        return Status::invalidArgument("the file holds " + std::to_string(recording->scanpaths.size()) +
                                       " scanpaths; index " + std::to_string(index) + " is out of range")
            .inFile(file);
    return recording->scanpaths[static_cast<std::size_t>(index)];
}

Expected<nlohmann::json> runCompare(const CompareOptions& options) {
    auto read = readOptionsFrom(options.input);
    if (!read)
        return read.status();
    auto a = pickScanpath(options.first, options.firstIndex, *read);
    if (!a)
        return a.status();
    auto b = pickScanpath(options.second, options.secondIndex, *read);
    if (!b)
        return b.status();
    auto screen = screenFor(options.screen, *a, *b);
    if (!screen)
        return screen.status();
    auto grid = parseGrid(options.grid);
    if (!grid)
        return grid.status();
    ComparisonConfig config;
    config.multiMatch.screenWidth = config.scanMatch.screenWidth = screen->first;
    config.multiMatch.screenHeight = config.scanMatch.screenHeight = screen->second;
    // As multimatch_gaze's command line: simplify only when both the direction and amplitude thresholds are
    // set.
    config.multiMatch.simplify = options.directionThreshold > 0 && options.amplitudeThreshold > 0;
    config.multiMatch.directionThresholdDeg = options.directionThreshold;
    config.multiMatch.durationThresholdS = options.durationThreshold;
    config.multiMatch.amplitudeThresholdPx = options.amplitudeThreshold;
    config.scanMatch.xBins = grid->first;
    config.scanMatch.yBins = grid->second;
    config.scanMatch.threshold = options.scanMatchThreshold;
    config.scanMatch.gap = options.scanMatchGap;
    config.scanMatch.tempBinMs = options.tempBinMs;
    config.scanMatch.rounding =
        options.rounding == "floor" ? DurationRounding::Floor : DurationRounding::Round;
    config.scanMatch.pythonPortCompat = options.scanMatchPort;
    config.alphabet = options.alphabet == "aoi" ? Alphabet::Aoi : Alphabet::Grid;
    config.collapseRepeats = options.collapse;
    config.mapSigmaPx = options.mapSigma;
    config.mapDurationWeighted = options.mapDurationWeighted;
    auto comparison = compareScanpaths(*a, *b, config);
    if (!comparison)
        return comparison.status();
    return nlohmann::json{{"a", describe(options.first, options.firstIndex, *a)},
                          {"b", describe(options.second, options.secondIndex, *b)},
                          {"parameters", comparisonConfigToJson(config)},
                          {"metrics", comparisonToJson(*comparison)}};
}

std::string shown(const nlohmann::json& value) {
    if (value.is_null())
        return "n/a";
    std::ostringstream text;
    text << std::fixed << std::setprecision(value.is_number_integer() ? 0 : 5) << value.get<double>();
    return text.str();
}

void printCompare(const nlohmann::json& document) {
    const auto& m = document["metrics"];
    const auto& mm = m["multimatch"];
    std::cout << "A: " << document["a"]["file"].get<std::string>() << " #" << document["a"]["index"] << " ("
              << document["a"]["fixations"] << " fixations)\n"
              << "B: " << document["b"]["file"].get<std::string>() << " #" << document["b"]["index"] << " ("
              << document["b"]["fixations"] << " fixations)\n"
              << "MultiMatch   vector " << shown(mm["vector"]) << "  direction " << shown(mm["direction"])
              << "  length " << shown(mm["length"]) << "  position " << shown(mm["position"]) << "  duration "
              << shown(mm["duration"]) << "\n"
              << "ScanMatch    " << shown(m["scanmatch"]) << "\n"
              << "Sequence     score " << shown(m["sequence_score"]) << "  edit distance "
              << shown(m["edit_distance"]) << "  edit similarity " << shown(m["edit_similarity"]) << "\n"
              << "Distances    DTW " << shown(m["dtw"]) << "  Frechet " << shown(m["frechet"])
              << "  Hausdorff " << shown(m["hausdorff"]) << "  Eyenalysis " << shown(m["eyenalysis"])
              << " (px)\n"
              << "Maps (A vs B) CC " << shown(m["maps"]["cc"]) << "  SIM " << shown(m["maps"]["sim"])
              << "  KL " << shown(m["maps"]["kl"]) << "  NSS " << shown(m["maps"]["nss"]) << "  AUC-Judd "
              << shown(m["maps"]["auc_judd"]) << "\n";
}

/// Fixation count, dwell and saccade amplitude of one scanpath.
nlohmann::json summary(const Scanpath& path) {
    double dwell = 0.0, amplitude = 0.0;
    for (std::size_t k = 0; k < path.fixations.size(); ++k) {
        dwell += path.fixations[k].durationMs;
        if (k + 1 < path.fixations.size())
            amplitude += std::hypot(path.fixations[k + 1].x - path.fixations[k].x,
                                    path.fixations[k + 1].y - path.fixations[k].y);
    }
    const std::size_t n = path.fixations.size();
    const auto number = [](double v) {
        return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    };
    return {{"subject", path.subjectId},
            {"stimulus", path.stimulusId},
            {"trial", path.trialId},
            {"fixations", n},
            {"total_duration_ms", number(path.hasDurations() ? dwell : kMissing)},
            {"mean_duration_ms", number(path.hasDurations() ? dwell / static_cast<double>(n) : kMissing)},
            {"mean_saccade_px", number(n > 1 ? amplitude / static_cast<double>(n - 1) : kMissing)}};
}

nlohmann::json behaviourToJson(const BehaviouralStats& s) {
    const auto number = [](double v) {
        return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    };
    return {{"correct", number(s.correct)},
            {"length", number(s.length)},
            {"search", number(s.search)},
            {"refix", number(s.refix)},
            {"revisit", number(s.revisit)}};
}

Expected<nlohmann::json> runStats(const StatsOptions& options) {
    auto read = readOptionsFrom(options.input);
    if (!read)
        return read.status();
    auto recording = readGaze(options.file, *read);
    if (!recording)
        return recording.status();
    auto grid = parseGrid(options.grid);
    if (!grid)
        return grid.status();
    std::optional<std::pair<double, double>> screen;
    if (!options.screen.empty()) {
        auto parsed = parsePair(options.screen, "--screen");
        if (!parsed)
            return parsed.status();
        screen = *parsed;
    }
    nlohmann::json scanpaths = nlohmann::json::array();
    // OAT's aggregation: behaviour averaged over a stimulus' scanpaths, then over stimuli.
    std::map<std::string, std::vector<BehaviouralStats>> behaviourByStimulus;
    std::map<std::string, std::vector<Scanpath>> byStimulus;
    std::vector<std::vector<int>> transitionSequences;
    for (std::size_t i = 0; i < recording->scanpaths.size(); ++i) {
        Scanpath path = recording->scanpaths[i];
        if (screen) {
            path.screenWidth = screen->first;
            path.screenHeight = screen->second;
        }
        nlohmann::json entry = summary(path);
        entry["index"] = i;
        const std::vector<AoiBox>& areas = recording->areas[i];
        // Search tasks (STI, COCO-Search18): the grid cell of the first target box is the target.
        const bool search = recording->format == "sti-amazon" || recording->format == "coco-search18";
        if (search && !areas.empty() && path.screenWidth > 0) {
            const AoiGrid cells{grid->first, grid->second, path.screenWidth, path.screenHeight};
            const int target = cells.cellAt(areas.front().centreX(), areas.front().centreY());
            const BehaviouralStats stats = behaviouralStats(gridSequence(path, cells), target);
            entry["behaviour"] = behaviourToJson(stats);
            behaviourByStimulus[path.stimulusId].push_back(stats);
        }
        // Viewers of one stimulus; a recording that names no stimulus is grouped by trial (an EyeLink
        // session's blocks, a Data Viewer report's TRIAL_INDEX), so different trials are never pooled.
        byStimulus[path.stimulusId.empty() ? "trial " + path.trialId : path.stimulusId].push_back(path);
        if (options.transitions == "aoi") {
            std::vector<int> sequence;
            for (const Fixation& f : path.fixations)
                sequence.push_back(f.aoi);
            transitionSequences.push_back(std::move(sequence));
        } else if (options.transitions == "grid") {
            if (!(path.screenWidth > 0 && path.screenHeight > 0))
                return Status::invalidArgument(
                           "grid transitions need the screen size; the recording does not say "
                           "it, give --screen WIDTHxHEIGHT")
                    .atField("--screen");
            transitionSequences.push_back(
                gridSequence(path, AoiGrid{grid->first, grid->second, path.screenWidth, path.screenHeight}));
        }
        scanpaths.push_back(std::move(entry));
    }
    nlohmann::json document{{"file", options.file},
                            {"format", recording->format},
                            {"skipped_rows", recording->skippedRows},
                            {"grid", {grid->first, grid->second}},
                            {"scanpaths", scanpaths}};
    if (!behaviourByStimulus.empty()) {
        std::vector<BehaviouralStats> perStimulus;
        for (const auto& [stimulus, stats] : behaviourByStimulus)
            perStimulus.push_back(meanBehaviour(stats));
        document["behaviour"] = behaviourToJson(meanBehaviour(perStimulus));
        document["behaviour_stimuli"] = perStimulus.size();
    }
    if (!options.transitions.empty()) {
        const TransitionMatrix matrix = aoiTransitions(transitionSequences, options.transitionRepeats);
        const std::size_t n = matrix.symbols.size();
        const std::vector<double> probabilities = matrix.probabilities();
        nlohmann::json counts = nlohmann::json::array(), rows = nlohmann::json::array();
        for (std::size_t from = 0; from < n; ++from) {
            counts.push_back(std::vector<double>(matrix.counts.begin() + from * n,
                                                 matrix.counts.begin() + (from + 1) * n));
            rows.push_back(std::vector<double>(probabilities.begin() + from * n,
                                               probabilities.begin() + (from + 1) * n));
        }
        document["transitions"] = {{"alphabet", options.transitions},
                                   {"include_repeats", options.transitionRepeats},
                                   {"symbols", matrix.symbols},
                                   {"counts", counts},
                                   {"probabilities", rows}};
        const TransitionEntropy entropy = transitionEntropy(matrix);
        const auto finite = [](double v) {
            return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
        };
        document["transitions"]["entropy"] = {
            {"stationary", entropy.stationary},
            {"stationary_entropy", entropy.stationaryEntropy},
            {"transition_entropy", entropy.transitionEntropy},
            {"stationary_normalized", finite(entropy.stationaryNormalized)},
            {"transition_normalized", finite(entropy.transitionNormalized)}};
    }
    if (options.agreement) {
        // Viewers of the same stimulus compared pairwise, then averaged over stimuli.
        std::vector<Comparison> means;
        for (const auto& [stimulus, paths] : byStimulus) {
            if (paths.size() < 2)
                continue;
            const Scanpath& first = paths.front();
            if (!(first.screenWidth > 0 && first.screenHeight > 0))
                return Status::invalidArgument(
                           "agreement needs the screen size; the recording does not say it, "
                           "give --screen WIDTHxHEIGHT")
                    .atField("--screen");
            ComparisonConfig config;
            config.multiMatch.screenWidth = config.scanMatch.screenWidth = first.screenWidth;
            config.multiMatch.screenHeight = config.scanMatch.screenHeight = first.screenHeight;
            config.scanMatch.xBins = grid->first;
            config.scanMatch.yBins = grid->second;
            auto mean = meanPairwiseComparison(paths, config);
            if (!mean)
                return std::move(mean).status().context("stimulus " + stimulus);
            means.push_back(*mean);
        }
        if (means.empty())
            return Status::invalidArgument("no stimulus has two scanpaths to compare").atField("--agreement");
        nlohmann::json agreement = comparisonToJson(means.front());
        // Average every number of the per-stimulus documents, key by key.
        std::vector<nlohmann::json> documents;
        for (const Comparison& c : means)
            documents.push_back(comparisonToJson(c));
        const std::function<nlohmann::json(const std::vector<const nlohmann::json*>&)> average =
            [&](const std::vector<const nlohmann::json*>& values) -> nlohmann::json {
            if (values.front()->is_object()) {
                nlohmann::json out = nlohmann::json::object();
                for (const auto& [key, unused] : values.front()->items()) {
                    std::vector<const nlohmann::json*> children;
                    for (const nlohmann::json* v : values)
                        children.push_back(&(*v)[key]);
                    out[key] = average(children);
                }
                return out;
            }
            double total = 0.0;
            int count = 0;
            for (const nlohmann::json* v : values)
                if (v->is_number()) {
                    total += v->get<double>();
                    ++count;
                }
            return count > 0 ? nlohmann::json(total / count) : nlohmann::json();
        };
        std::vector<const nlohmann::json*> pointers;
        for (const nlohmann::json& d : documents)
            pointers.push_back(&d);
        agreement = average(pointers);
        // Means of integer counts (edit distance, aligned pairs) read as counts: keep the similarities.
        agreement.erase("edit_distance");
        agreement["multimatch"].erase("aligned_pairs");
        document["agreement"] = {{"stimuli", means.size()}, {"mean_pairwise", agreement}};
    }
    return document;
}

void printStats(const nlohmann::json& document) {
    std::cout << document["file"].get<std::string>() << " (" << document["format"].get<std::string>()
              << "): " << document["scanpaths"].size()
              << (document["scanpaths"].size() == 1 ? " scanpath" : " scanpaths");
    if (document["skipped_rows"].get<int>() > 0)
        std::cout << ", " << document["skipped_rows"] << " rows without a position skipped";
    std::cout << "\n  #  subject      stimulus             trial   fix  mean dur ms  mean saccade px\n";
    std::size_t shownRows = 0;
    for (const auto& entry : document["scanpaths"]) {
        if (++shownRows > 40) {
            std::cout << "  ... (" << document["scanpaths"].size() - 40 << " more; --json lists all)\n";
            break;
        }
        std::cout << std::setw(3) << entry["index"].get<int>() << "  " << std::left << std::setw(12)
                  << entry["subject"].get<std::string>().substr(0, 12) << " " << std::setw(20)
                  << entry["stimulus"].get<std::string>().substr(0, 20) << " " << std::setw(6)
                  << entry["trial"].get<std::string>().substr(0, 6) << std::right << std::setw(5)
                  << entry["fixations"].get<int>() << std::setw(13) << shown(entry["mean_duration_ms"])
                  << std::setw(17) << shown(entry["mean_saccade_px"]) << "\n";
    }
    if (document.contains("behaviour")) {
        const auto& b = document["behaviour"];
        std::cout << "OAT behaviour on the " << document["grid"][0] << "x" << document["grid"][1] << " grid ("
                  << document["behaviour_stimuli"] << " stimuli): correct " << shown(b["correct"])
                  << ", length " << shown(b["length"]) << ", search " << shown(b["search"]) << ", refix "
                  << shown(b["refix"]) << ", revisit " << shown(b["revisit"]) << "\n";
    }
    if (document.contains("transitions")) {
        // The most frequent moves; the whole matrix is in --json.
        const auto& t = document["transitions"];
        const auto& symbols = t["symbols"];
        std::vector<std::tuple<double, int, int>> moves;
        for (std::size_t from = 0; from < symbols.size(); ++from)
            for (std::size_t to = 0; to < symbols.size(); ++to)
                if (t["counts"][from][to].get<double>() > 0)
                    moves.emplace_back(t["counts"][from][to].get<double>(), symbols[from].get<int>(),
                                       symbols[to].get<int>());
        std::sort(moves.rbegin(), moves.rend());
        const auto name = [](int symbol) {
            return symbol < 0 ? std::string("no AOI") : std::to_string(symbol);
        };
        std::cout << "Transitions (" << t["alphabet"].get<std::string>() << ", " << moves.size()
                  << " kinds), most frequent:";
        for (std::size_t k = 0; k < moves.size() && k < 8; ++k)
            std::cout << (k ? ", " : " ") << name(std::get<1>(moves[k])) << " -> "
                      << name(std::get<2>(moves[k])) << " (" << std::get<0>(moves[k]) << ")";
        const auto& entropy = t["entropy"];
        std::cout << "\nGaze transition entropy: H_t " << shown(entropy["transition_entropy"])
                  << " bits (normalized " << shown(entropy["transition_normalized"]) << "), stationary H_s "
                  << shown(entropy["stationary_entropy"]) << " bits (normalized "
                  << shown(entropy["stationary_normalized"]) << ")\n";
    }
    if (document.contains("agreement")) {
        const auto& a = document["agreement"]["mean_pairwise"];
        std::cout << "Agreement between viewers (" << document["agreement"]["stimuli"]
                  << " stimuli): sequence score " << shown(a["sequence_score"]) << ", ScanMatch "
                  << shown(a["scanmatch"]) << ", MultiMatch vector " << shown(a["multimatch"]["vector"])
                  << " position " << shown(a["multimatch"]["position"]) << "\n";
    }
}

void registerCompare(CLI::App& parent, int& exitCode) {
    CLI::App* command =
        parent.add_subcommand("compare", "Compare two scanpaths with every metric (MultiMatch, "
                                         "ScanMatch, Sequence Score, edit distance, DTW, ...)");
    auto options = std::make_shared<CompareOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("A", options->first, "A gaze file (table, EyeLink .asc, STI .json)")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("B", options->second, "The other gaze file (may be the same file)")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--a-index", options->firstIndex, "Which scanpath of A (see `scanpath stats`)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--b-index", options->secondIndex, "Which scanpath of B")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    addGazeInputOptions(*command, options->input);
    command->add_option("--screen", options->screen,
                        "Screen WIDTHxHEIGHT in pixels (default: the recording's)");
    command
        ->add_option("--grid", options->grid, "ScanMatch bins and the sequence alphabet's grid, COLUMNSxROWS")
        ->capture_default_str();
    command
        ->add_option("--tdir", options->directionThreshold,
                     "MultiMatch simplification: direction threshold in degrees (with --tamp)")
        ->check(atLeast(0));
    command
        ->add_option("--tdur", options->durationThreshold,
                     "MultiMatch simplification: duration threshold in s")
        ->check(atLeast(0));
    command
        ->add_option("--tamp", options->amplitudeThreshold,
                     "MultiMatch simplification: amplitude threshold in px (with --tdir)")
        ->check(atLeast(0));
    command
        ->add_option("--scanmatch-threshold", options->scanMatchThreshold,
                     "ScanMatch substitution threshold T")
        ->check(positive())
        ->capture_default_str();
    command->add_option("--scanmatch-gap", options->scanMatchGap, "ScanMatch gap value (<= 0)")
        ->check(between(-1e6, 0))
        ->capture_default_str();
    command->add_option("--temp-bin", options->tempBinMs, "ScanMatch temporal bin in ms (0: off)")
        ->check(atLeast(0))
        ->capture_default_str();
    command
        ->add_option("--rounding", options->rounding,
                     "Temporal binning: round (ScanMatch) or floor (SS-time)")
        ->check(CLI::IsMember({"round", "floor"}))
        ->capture_default_str();
    command->add_flag(
        "--scanmatch-port", options->scanMatchPort,
        "ScanMatch with the Python port's border and score (differs from MATLAB when gap != 0)");
    command
        ->add_option("--alphabet", options->alphabet,
                     "Symbols of the sequence metrics: grid cells or aoi ids")
        ->check(CLI::IsMember({"grid", "aoi"}))
        ->capture_default_str();
    command->add_flag("--collapse", options->collapse, "Sequence metrics on collapsed strings (AAB -> AB)");
    command
        ->add_option("--map-sigma", options->mapSigma,
                     "The fixation density maps' Gaussian sigma in px (CC, SIM, KL, NSS, AUC-Judd)")
        ->check(positive())
        ->capture_default_str();
    command->add_flag("--map-duration-weighted", options->mapDurationWeighted,
                      "Weigh fixations by duration in the density maps");
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(runCompare(*options), printCompare); });
}

void registerStats(CLI::App& parent, int& exitCode) {
    CLI::App* command = parent.add_subcommand(
        "stats", "List a gaze file's scanpaths, OAT's behaviour (search sets) and viewers' agreement");
    auto options = std::make_shared<StatsOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("FILE", options->file, "A gaze file (table, EyeLink .asc, STI .json)")
        ->required()
        ->check(CLI::ExistingFile);
    addGazeInputOptions(*command, options->input);
    command->add_option("--screen", options->screen,
                        "Screen WIDTHxHEIGHT in pixels (default: the recording's)");
    command
        ->add_option("--grid", options->grid,
                     "The object grid, COLUMNSxROWS (STI Amazon collages: 14x6) for behaviour and agreement")
        ->capture_default_str();
    command->add_flag("--agreement", options->agreement,
                      "Compare the viewers of each stimulus pairwise (every metric, averaged)");
    command
        ->add_option("--transitions", options->transitions,
                     "The transition matrix between grid cells or AOI ids (\"no AOI\" is -1)")
        ->check(CLI::IsMember({"grid", "aoi"}));
    command->add_flag("--transition-repeats", options->transitionRepeats,
                      "Count immediate refixations as transitions (the diagonal)");
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(runStats(*options), printStats); });
}

} // namespace

void registerScanpathCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand("scanpath", "Gaze scanpaths: import, compare, summarize");
    command->require_subcommand(1);
    registerCompare(*command, exitCode);
    registerStats(*command, exitCode);
    registerScanpathPredictCommand(*command, exitCode);
    registerScanpathCorrelateCommand(*command, exitCode);
}

} // namespace attnscope::cli
