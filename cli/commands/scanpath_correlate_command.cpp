// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli scanpath correlate MODEL --corpus REPORT.csv`: a model's word relevance against human
// reading times over a word-level eye-tracking corpus (Provo, GECO, MECO or mapped columns).
#include "commands.h"

#include "../json_output.h"
#include "../model_input.h"
#include "../model_tokenizer.h"
#include "../number_text.h"
#include "../option_checks.h"
#include "../terminal_progress.h"
#include "attnscope/analyses/reading_correlation.h"
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/reading_corpus.h"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace attnscope::cli {

namespace {

using namespace attnscope::scanpath;

struct CorrelateOptions {
    std::string model, tokenizer, weights = "f32";
    std::string corpus, format = "auto", unit = "text", encoding = "auto", where;
    std::string participantColumn, textColumns, sentenceColumn, wordIndexColumn, wordColumn;
    std::vector<std::string> measureColumns; ///< NAME=COLUMN
    std::string measure = "TRT", method = "received", merge = "sum";
    int layer = -1, maxUnits = 0, minCompared = 3;
    bool keepEdges = false, words = false;
    std::string wordsOut;
};

std::vector<std::string> splitComma(const std::string& list) {
    std::vector<std::string> parts;
    std::stringstream stream(list);
    for (std::string part; std::getline(stream, part, ',');)
        if (!part.empty())
            parts.push_back(part);
    return parts;
}

/// The report's column layout: a preset (named or detected), with any column options laid over it.
Expected<ReadingCorpusFormat> corpusFormat(const CorrelateOptions& options, const std::string& header) {
    ReadingCorpusFormat format;
    const bool custom = options.format == "custom";
    if (!custom) {
        ATTNSCOPE_ASSIGN_OR_RETURN(format, readingCorpusFormatFor(options.format, header, options.corpus));
    }
    if (!options.participantColumn.empty())
        format.participant = options.participantColumn;
    if (!options.textColumns.empty())
        format.textColumns = splitComma(options.textColumns);
    if (!options.sentenceColumn.empty())
        format.sentence = options.sentenceColumn;
    if (!options.wordIndexColumn.empty())
        format.wordIndex = options.wordIndexColumn;
    if (!options.wordColumn.empty())
        format.word = options.wordColumn;
    if (!options.measureColumns.empty())
        format.measures.clear();
    for (const std::string& mapping : options.measureColumns) {
        const std::size_t equals = mapping.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == mapping.size())
            return Status::invalidArgument("expected NAME=COLUMN, found '" + mapping + "'")
                .atField("--measure-column");
        const std::string name = mapping.substr(0, equals);
        // Times and counts are zero where a word was not fixated; first-fixation measures are missing.
        const bool zero = name == "TRT" || name == "nFix";
        format.measures.push_back(
            {name, mapping.substr(equals + 1), zero ? MissingMeasure::Zero : MissingMeasure::Skip, false});
    }
    if (!options.where.empty())
        ATTNSCOPE_TRY(setRowFilter(format, options.where));
    if (custom && (format.participant.empty() || format.textColumns.empty() || format.wordIndex.empty() ||
                   format.word.empty() || format.measures.empty()))
        return Status::invalidArgument("--format custom needs --participant-column, --text-columns, "
                                       "--word-index-column, --word-column and --measure-column")
            .atField("--format");
    return format;
}

Expected<nlohmann::json> runCorrelate(const CorrelateOptions& options) {
    ATTNSCOPE_ASSIGN_OR_RETURN(TextEncoding encoding, textEncodingByName(options.encoding));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(options.corpus));
    ATTNSCOPE_ASSIGN_OR_RETURN(ReadingCorpusFormat format, corpusFormat(options, bytes));
    const ReadingUnitLevel level =
        options.unit == "sentence" ? ReadingUnitLevel::Sentence : ReadingUnitLevel::Text;
    ATTNSCOPE_ASSIGN_OR_RETURN(ReadingCorpus corpus,
                               parseReadingCorpus(bytes, format, level, encoding, options.corpus));
    bytes.clear();
    if (corpus.units.empty())
        return Status::invalidArgument("no reading units: every row was skipped or filtered out")
            .inFile(options.corpus);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                               tokenizerForModel(options.model, options.tokenizer));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> model,
                               runtime::Model::load(options.model, loadOptions(options.weights)));

    analyses::ReadingCorrelationRequest request;
    request.relevance.method = options.method == "rollout"         ? analyses::RelevanceMethod::Rollout
                               : options.method == "flow"          ? analyses::RelevanceMethod::Flow
                               : options.method == "received-mean" ? analyses::RelevanceMethod::ReceivedMean
                                                                   : analyses::RelevanceMethod::Received;
    request.relevance.layer = options.layer;
    request.relevance.merge = options.merge == "max"     ? MergeFunction::Max
                              : options.merge == "mean"  ? MergeFunction::Mean
                              : options.merge == "first" ? MergeFunction::First
                                                         : MergeFunction::Sum;
    request.measure = options.measure;
    request.keepEdges = options.keepEdges;
    request.maxUnits = options.maxUnits;
    request.minCompared = options.minCompared;
    TerminalProgress progress;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        analyses::ReadingCorrelation correlation,
        analyses::correlateReading(*model, *tokenizer, corpus, request, progress.progress()));
    if (!options.wordsOut.empty())
        ATTNSCOPE_TRY(analyses::writeReadingWordTable(options.wordsOut, correlation, corpus));
    nlohmann::json document = analyses::readingCorrelationDocument(correlation, corpus, options.model,
                                                                   options.corpus, options.words);
    if (!options.wordsOut.empty())
        document["words_file"] = options.wordsOut;
    return document;
}

std::string number(const nlohmann::json& value, int precision = 3) {
    return numberText(value, precision);
}

void printCorrelate(const nlohmann::json& document) {
    const auto& corpus = document["corpus"];
    const auto& parameters = document["parameters"];
    const auto& summary = document["summary"];
    std::cout << corpus["file"].get<std::string>() << ": " << corpus["format"].get<std::string>() << ", "
              << corpus["units"] << " " << corpus["unit"].get<std::string>() << "s, "
              << corpus["participants"] << " participants, " << corpus["rows"] << " rows ("
              << corpus["encoding"].get<std::string>() << ")\n";
    std::cout << "model relevance: " << parameters["method"].get<std::string>() << " attention at layer "
              << parameters["layer"] << ", subwords merged by " << parameters["merge"].get<std::string>()
              << "; human measure " << parameters["measure"].get<std::string>()
              << (parameters["edges_excluded"].get<bool>() ? "; first and last words excluded" : "") << "\n";
    const auto& units = document["units"];
    std::cout << std::left << std::setw(16) << "unit" << std::right << std::setw(7) << "words" << std::setw(9)
              << "compared" << std::setw(10) << "Spearman" << std::setw(10) << "p"
              << "\n";
    std::size_t shown = 0;
    for (const auto& unit : units) {
        if (shown++ == 20) {
            std::cout << "... " << units.size() - 20 << " more (--json lists all)\n";
            break;
        }
        // json's operator<< reads setw as its indent: print the numbers as numbers.
        std::cout << std::left << std::setw(16) << unit["id"].get<std::string>() << std::right << std::setw(7)
                  << unit["words"].get<int>() << std::setw(9) << unit["compared"].get<int>();
        if (!unit["skipped"].is_null())
            std::cout << "   skipped: " << unit["skipped"].get<std::string>() << "\n";
        else
            std::cout << std::setw(10) << number(unit["spearman"]) << std::setw(10)
                      << number(unit["spearman_p"]) << "\n";
    }
    const auto& pooled = summary["pooled"];
    std::cout << summary["units_compared"] << " units compared, " << summary["units_skipped"]
              << " skipped: Spearman " << number(summary["spearman_mean"]) << " ± "
              << number(summary["spearman_sd"]) << " per unit; pooled over " << pooled["compared"]
              << " words Spearman " << number(pooled["spearman"]) << " (p " << number(pooled["spearman_p"])
              << "), Pearson " << number(pooled["pearson"]) << " (p " << number(pooled["pearson_p"])
              << "); Fisher χ² " << number(summary["fisher"]["chi2"], 4) << " (df " << summary["fisher"]["df"]
              << "), p " << number(summary["fisher"]["p"]) << "\n";
    if (document.contains("words_file"))
        std::cout << "words: " << document["words_file"].get<std::string>() << "\n";
}

} // namespace

void registerScanpathCorrelateCommand(CLI::App& parent, int& exitCode) {
    CLI::App* command = parent.add_subcommand(
        "correlate",
        "A model's word relevance against human reading times over a word-level eye-tracking corpus "
        "(Provo, GECO, MECO as CSV, or mapped columns): Spearman per text or sentence, pooled, and Fisher's "
        "combined p");
    auto options = std::make_shared<CorrelateOptions>();
    auto output = std::make_shared<JsonOutput>();
    command->add_option("MODEL", options->model, "An HF directory, a .gguf file or a llama2.c .bin")
        ->required();
    command
        ->add_option("--corpus", options->corpus, "The word-level report (one row per participant and word)")
        ->required()
        ->check(CLI::ExistingFile);
    command
        ->add_option("--format", options->format,
                     "auto (from the header), provo, geco, meco, or custom (name the columns)")
        ->check(CLI::IsMember({"auto", "provo", "geco", "meco", "custom"}))
        ->capture_default_str();
    command->add_option("--unit", options->unit, "Correlate per text or per sentence (where the report says)")
        ->check(CLI::IsMember({"text", "sentence"}))
        ->capture_default_str();
    command
        ->add_option("--encoding", options->encoding,
                     "auto (UTF-8 when valid, else cp1252), utf8, cp1252 or macroman (Provo's release)")
        ->check(CLI::IsMember({"auto", "utf8", "cp1252", "macroman"}))
        ->capture_default_str();
    command->add_option("--where", options->where,
                        "Keep only rows with COLUMN=VALUE (e.g. lang=en for MECO)");
    command->add_option("--participant-column", options->participantColumn,
                        "Override: the participant column");
    command->add_option("--text-columns", options->textColumns,
                        "Override: the columns naming a text, comma-separated");
    command->add_option("--sentence-column", options->sentenceColumn, "Override: the sentence-number column");
    command->add_option("--word-index-column", options->wordIndexColumn,
                        "Override: the word-position column");
    command->add_option("--word-column", options->wordColumn, "Override: the word column");
    command->add_option("--measure-column", options->measureColumns,
                        "Override: NAME=COLUMN, repeatable (TRT and nFix count a missing value as 0)");
    command
        ->add_option("--measure", options->measure,
                     "The human measure: TRT, relFix, FFD, GD, GPT, nFix, skip")
        ->capture_default_str();
    command
        ->add_option(
            "--method", options->method,
            "received, received-mean, rollout (≤ 1024 tokens per unit) or flow (≤ 256 tokens per unit)")
        ->check(CLI::IsMember({"received", "received-mean", "rollout", "flow"}))
        ->capture_default_str();
    command->add_option("--layer", options->layer, "The layer read or rolled out to (-1: the last)")
        ->check(CLI::Range(-1, 100000))
        ->capture_default_str();
    command->add_option("--merge", options->merge, "Subwords to words: sum, max, mean or first")
        ->check(CLI::IsMember({"sum", "max", "mean", "first"}))
        ->capture_default_str();
    command->add_flag("--keep-edges", options->keepEdges,
                      "Correlate the first and last words of each unit too");
    command->add_option("--max-units", options->maxUnits, "Compare at most this many units (0: all)")
        ->check(CLI::Range(0, 100000000))
        ->capture_default_str();
    command
        ->add_option("--min-words", options->minCompared,
                     "Units with fewer word pairs are reported, not compared")
        ->check(CLI::Range(3, 100000))
        ->capture_default_str();
    command->add_option("--tokenizer", options->tokenizer, "The tokenizer, when the model carries none");
    addWeightsOption(*command, options->weights);
    command->add_flag("--words", options->words, "With --json: each unit's words with both values");
    command->add_option("--words-out", options->wordsOut, "Write every word's model and human values as TSV");
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(runCorrelate(*options), printCorrelate); });
}

} // namespace attnscope::cli
