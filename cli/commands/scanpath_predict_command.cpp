// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli scanpath predict MODEL --text-file F`: word relevance from the model's attention, the
// text-mode predicted reading scanpath, and (with --human) the correlation with human reading times.
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "../number_text.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/reading_correlation.h"
#include "attnscope/analyses/reading_relevance.h"
#include "attnscope/scanpath/scanpath_io.h"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

using namespace attnscope::scanpath;

struct PredictOptions {
    ModelInput input;
    std::string method = "received", merge = "sum";
    int layer = -1;
    double skipQuantile = 0.2, minDuration = 100.0, maxDuration = 500.0;
    std::string human, humanColumn = "TRT", humanWordColumn;
    bool keepEdges = false;
    std::string scanpathOut;
};

/// ρ, its p-value, r and n between relevance and a human measure over words (edges dropped unless kept).
nlohmann::json correlate(const std::vector<double>& relevance, const WordMeasures& human, bool keepEdges) {
    const analyses::WordCorrelation c = analyses::correlateWords(relevance, human.values, keepEdges);
    const auto number = [](double v) {
        return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    };
    return {{"words", c.compared},
            {"edges_excluded", !keepEdges},
            {"spearman", number(c.spearman)},
            {"spearman_p", number(c.spearmanP)},
            {"pearson", number(c.pearson)},
            {"pearson_p", number(c.pearsonP)}};
}

Status writeScanpathTable(const std::string& path, const Scanpath& predicted,
                          const std::vector<WordSpan>& words) {
    std::ofstream file(path);
    if (!file)
        return Status::ioError("cannot write the predicted scanpath").inFile(path);
    file << "fixation\tword_index\tword\tstart_ms\tduration_ms\n";
    for (std::size_t k = 0; k < predicted.fixations.size(); ++k) {
        const Fixation& f = predicted.fixations[k];
        std::string word = words[static_cast<std::size_t>(f.word)].text;
        for (char& c : word)
            if (c == '\t')
                c = ' ';
        file << k + 1 << '\t' << f.word << '\t' << word << '\t' << f.startMs << '\t' << f.durationMs << '\n';
    }
    file.close();
    if (!file)
        return Status::ioError("writing the predicted scanpath failed").inFile(path);
    return Status::ok();
}

Expected<nlohmann::json> runPredict(const PredictOptions& options) {
    if (options.input.tokensOption && options.input.tokensOption->count() > 0)
        return Status::invalidArgument("a reading prediction needs text (its words), not token ids")
            .atField("--tokens");
    if (options.minDuration > options.maxDuration)
        return Status::invalidArgument("--min-duration is above --max-duration").atField("--min-duration");
    ATTNSCOPE_ASSIGN_OR_RETURN(ResolvedInput input, resolveModelInput(options.input, false));
    std::optional<WordMeasures> human;
    if (!options.human.empty()) {
        ATTNSCOPE_ASSIGN_OR_RETURN(WordMeasures measures, readWordMeasures(options.human, options.humanColumn,
                                                                           options.humanWordColumn));
        human = std::move(measures);
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.input.model, loadOptions(options.input.weights)));
    analyses::ReadingRelevanceRequest request;
    request.method = options.method == "rollout"         ? analyses::RelevanceMethod::Rollout
                     : options.method == "flow"          ? analyses::RelevanceMethod::Flow
                     : options.method == "received-mean" ? analyses::RelevanceMethod::ReceivedMean
                                                         : analyses::RelevanceMethod::Received;
    request.layer = options.layer;
    request.merge = options.merge == "max"     ? MergeFunction::Max
                    : options.merge == "mean"  ? MergeFunction::Mean
                    : options.merge == "first" ? MergeFunction::First
                                               : MergeFunction::Sum;
    // --max-tokens may have cut the text: its words end where the last kept token does.
    std::string text = input.text;
    if (!input.offsets.empty() && input.offsets.back().second > 0)
        text.resize(
            std::min<std::size_t>(text.size(), static_cast<std::size_t>(input.offsets.back().second)));
    if (request.method == analyses::RelevanceMethod::Flow &&
        input.tokens.size() > static_cast<std::size_t>(analyses::kFlowSlowTokens))
        std::cerr << "note: attention flow over " << input.tokens.size() << " tokens solves about "
                  << input.tokens.size() * input.tokens.size()
                  << " max-flow problems; this can take a while (Ctrl+C stops it)\n";
    TerminalProgress progress;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        analyses::ReadingRelevance relevance,
        analyses::readingRelevance(*model, input.tokens, input.offsets, text, request, progress.progress()));
    if (human && human->values.size() != relevance.words.size())
        return Status::invalidArgument("has " + std::to_string(human->values.size()) +
                                       " words; the text has " + std::to_string(relevance.words.size()) +
                                       " (whitespace-separated): one row per word, in reading order")
            .inFile(options.human);

    ReadingPredictionConfig predictionConfig;
    predictionConfig.skipQuantile = options.skipQuantile;
    predictionConfig.minDurationMs = options.minDuration;
    predictionConfig.maxDurationMs = options.maxDuration;
    const Scanpath predicted = predictReading(relevance.wordRelevance, predictionConfig);
    if (!options.scanpathOut.empty())
        ATTNSCOPE_TRY(writeScanpathTable(options.scanpathOut, predicted, relevance.words));

    nlohmann::json document = analyses::readingRelevanceToJson(relevance);
    document["model"] = options.input.model;
    document["parameters"]["skip_quantile"] = options.skipQuantile;
    document["parameters"]["duration_ms"] = {options.minDuration, options.maxDuration};
    nlohmann::json fixations = nlohmann::json::array();
    for (const Fixation& f : predicted.fixations)
        fixations.push_back({{"word", f.word}, {"start_ms", f.startMs}, {"duration_ms", f.durationMs}});
    document["predicted_scanpath"] = fixations;
    if (!options.scanpathOut.empty())
        document["scanpath_file"] = options.scanpathOut;
    if (human) {
        document["human"] = correlate(relevance.wordRelevance, *human, options.keepEdges);
        document["human"]["file"] = options.human;
        document["human"]["column"] = options.humanColumn;
    }
    return document;
}

std::string number(const nlohmann::json& value, int precision = 4) {
    return numberText(value, precision);
}

void printPredict(const nlohmann::json& document) {
    const auto& words = document["words"];
    std::cout << words.size() << " words, relevance by "
              << document["parameters"]["method"].get<std::string>() << " attention at layer "
              << document["parameters"]["layer"] << "\n";
    // The most relevant words, then the predicted reading order.
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t w = 0; w < words.size(); ++w)
        if (!words[w]["relevance"].is_null())
            ranked.emplace_back(words[w]["relevance"].get<double>(), w);
    std::sort(ranked.rbegin(), ranked.rend());
    std::cout << "most relevant:";
    for (std::size_t k = 0; k < ranked.size() && k < 10; ++k)
        std::cout << " " << words[ranked[k].second]["word"].get<std::string>() << " ("
                  << number(ranked[k].first, 3) << ")";
    const auto& fixations = document["predicted_scanpath"];
    std::cout << "\npredicted scanpath: " << fixations.size() << " fixations, "
              << words.size() - fixations.size() << " words skipped\n";
    if (document.contains("human")) {
        const auto& h = document["human"];
        std::cout << "against " << h["column"].get<std::string>() << " (" << h["words"] << " words"
                  << (h["edges_excluded"].get<bool>() ? ", first and last excluded" : "") << "): Spearman "
                  << number(h["spearman"]) << " (p " << number(h["spearman_p"], 3) << "), Pearson "
                  << number(h["pearson"]) << " (p " << number(h["pearson_p"], 3) << ")\n";
    }
    if (document.contains("scanpath_file"))
        std::cout << "scanpath: " << document["scanpath_file"].get<std::string>() << "\n";
}

} // namespace

void registerScanpathPredictCommand(CLI::App& parent, int& exitCode) {
    CLI::App* command = parent.add_subcommand(
        "predict",
        "Word relevance from a model's attention, a predicted reading scanpath, and its correlation "
        "with human reading times");
    auto options = std::make_shared<PredictOptions>();
    auto output = std::make_shared<JsonOutput>();
    addModelInputOptions(*command, options->input, "--text");
    command
        ->add_option(
            "--method", options->method,
            "received (column mass in the kernel), received-mean (per row that sees the word: fairer "
            "to late words in causal models), rollout (full maps; up to 1024 tokens) or flow (attention "
            "flow, max-flow through full maps; up to 256 tokens, slow past 64)")
        ->check(CLI::IsMember({"received", "received-mean", "rollout", "flow"}))
        ->capture_default_str();
    command->add_option("--layer", options->layer, "The layer read or rolled out to (-1: the last)")
        ->check(CLI::Range(-1, 100000))
        ->capture_default_str();
    command->add_option("--merge", options->merge, "Subwords to words: sum, max, mean or first")
        ->check(CLI::IsMember({"sum", "max", "mean", "first"}))
        ->capture_default_str();
    command
        ->add_option("--skip-quantile", options->skipQuantile,
                     "Words below this relevance quantile are skipped")
        ->check(between(0, 1))
        ->capture_default_str();
    command
        ->add_option("--min-duration", options->minDuration,
                     "Predicted duration of the least relevant word (ms)")
        ->check(atLeast(0))
        ->capture_default_str();
    command
        ->add_option("--max-duration", options->maxDuration,
                     "Predicted duration of the most relevant word (ms)")
        ->check(atLeast(0))
        ->capture_default_str();
    command
        ->add_option("--human", options->human,
                     "A word-level reading table (one row per word of the text, in order) to correlate with")
        ->check(CLI::ExistingFile);
    command->add_option("--human-column", options->humanColumn, "The human measure's column (e.g. TRT)")
        ->capture_default_str();
    command->add_option("--human-word-column", options->humanWordColumn,
                        "The human table's word column (reported)");
    command->add_flag("--keep-edges", options->keepEdges, "Correlate the first and last words too");
    command->add_option("--scanpath-out", options->scanpathOut,
                        "Write the predicted scanpath as a TSV table");
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(runPredict(*options), printPredict); });
}

} // namespace attnscope::cli
