// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/reading_correlation.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

namespace attnscope::analyses {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json number(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

nlohmann::json correlationToJson(const WordCorrelation& c) {
    return {{"compared", c.compared},
            {"spearman", number(c.spearman)},
            {"spearman_p", number(c.spearmanP)},
            {"pearson", number(c.pearson)},
            {"pearson_p", number(c.pearsonP)}};
}

/// The unit's text: its words joined by single spaces, with each word's byte span.
std::pair<std::string, std::vector<scanpath::WordSpan>> unitText(const std::vector<std::string>& words) {
    std::string text;
    std::vector<scanpath::WordSpan> spans;
    for (const std::string& word : words) {
        if (!text.empty())
            text += ' ';
        spans.push_back({text.size(), text.size() + word.size(), word});
        text += word;
    }
    return {std::move(text), std::move(spans)};
}

} // namespace

WordCorrelation correlateWords(const std::vector<double>& model, const std::vector<double>& human,
                               bool keepEdges) {
    std::vector<double> x = model, y = human;
    const std::size_t n = std::min(x.size(), y.size());
    x.resize(n);
    y.resize(n);
    if (!keepEdges && n >= 2) {
        x = std::vector<double>(x.begin() + 1, x.end() - 1);
        y = std::vector<double>(y.begin() + 1, y.end() - 1);
    }
    WordCorrelation c;
    for (std::size_t i = 0; i < x.size(); ++i)
        c.compared += !std::isnan(x[i]) && !std::isnan(y[i]);
    c.spearman = scanpath::spearman(x, y);
    c.pearson = scanpath::pearson(x, y);
    const auto pairs = static_cast<std::size_t>(c.compared);
    c.spearmanP = std::isfinite(c.spearman) ? scanpath::correlationPValue(c.spearman, pairs) : kNaN;
    c.pearsonP = std::isfinite(c.pearson) ? scanpath::correlationPValue(c.pearson, pairs) : kNaN;
    return c;
}

Expected<ReadingCorrelation> correlateReading(const runtime::Model& model,
                                              const tokenizers::Tokenizer& tokenizer,
                                              const scanpath::ReadingCorpus& corpus,
                                              const ReadingCorrelationRequest& request,
                                              const Progress& progress) {
    const int measure = corpus.measureIndex(request.measure);
    if (measure < 0) {
        std::string names;
        for (const std::string& name : corpus.measures)
            names += (names.empty() ? "" : ", ") + name;
        return Status::invalidArgument("the corpus has no measure '" + request.measure + "' (it has " +
                                       names + ")")
            .atField("measure");
    }
    const model::ModelConfig& config = model.config();
    const int layer = request.relevance.layer < 0 ? config.layers - 1 : request.relevance.layer;
    if (layer < 0 || layer >= config.layers)
        return Status::invalidArgument("layer " + std::to_string(request.relevance.layer) +
                                       " is out of range: the model has " + std::to_string(config.layers) +
                                       " layers")
            .atField("layer");

    ReadingCorrelation result;
    result.request = request;
    result.layer = layer;
    const std::size_t unitCount =
        request.maxUnits > 0
            ? std::min<std::size_t>(corpus.units.size(), static_cast<std::size_t>(request.maxUnits))
            : corpus.units.size();
    std::vector<double> pooledModel, pooledHuman, rhos, pValues;
    for (std::size_t u = 0; u < unitCount; ++u) {
        ATTNSCOPE_TRY(progress.update(static_cast<float>(u) / static_cast<float>(unitCount)));
        const scanpath::ReadingUnit& unit = corpus.units[u];
        UnitCorrelation out;
        out.id = unit.id;
        out.human = unit.values[static_cast<std::size_t>(measure)];
        out.model.assign(unit.words.size(), kNaN);
        auto [text, spans] = unitText(unit.words);
        auto encoding = tokenizer.encode(text, /*addSpecialTokens=*/true);
        if (!encoding) {
            out.skipped = "the tokenizer refused the text: " + encoding.status().message();
            result.units.push_back(std::move(out));
            continue;
        }
        out.tokens = static_cast<int>(encoding->ids.size());
        if (config.contextLength > 0 && out.tokens > config.contextLength) {
            out.skipped = std::to_string(out.tokens) + " tokens is past the model's context of " +
                          std::to_string(config.contextLength);
            result.units.push_back(std::move(out));
            continue;
        }
        const Progress unitProgress =
            progress.subRange(static_cast<float>(u) / static_cast<float>(unitCount),
                              static_cast<float>(u + 1) / static_cast<float>(unitCount));
        auto relevance = readingRelevanceOfWords(model, encoding->ids, encoding->offsets, std::move(spans),
                                                 request.relevance, unitProgress);
        if (!relevance) {
            if (relevance.status().isCancelled())
                return relevance.status();
            out.skipped = relevance.status().message();
            result.units.push_back(std::move(out));
            continue;
        }
        out.model = relevance->wordRelevance;
        for (const double value : out.model)
            out.unalignedWords += std::isnan(value);
        out.correlation = correlateWords(out.model, out.human, request.keepEdges);
        if (out.correlation.compared < request.minCompared)
            out.skipped = std::to_string(out.correlation.compared) + " word pairs to compare (fewer than " +
                          std::to_string(request.minCompared) + ")";
        else if (!std::isfinite(out.correlation.spearman))
            out.skipped = "a constant series: no rank correlation";
        if (out.skipped.empty()) {
            ++result.unitsCompared;
            rhos.push_back(out.correlation.spearman);
            if (std::isfinite(out.correlation.spearmanP)) // fewer than 3 pairs have none
                pValues.push_back(out.correlation.spearmanP);
            // The pooled series takes the same words the unit compared (edges left out unless kept).
            const std::size_t size = out.model.size();
            const std::size_t first = request.keepEdges || size < 2 ? 0 : 1;
            const std::size_t end = request.keepEdges || size < 2 ? size : size - 1;
            for (std::size_t w = first; w < end; ++w) {
                pooledModel.push_back(out.model[w]);
                pooledHuman.push_back(out.human[w]);
            }
        }
        result.units.push_back(std::move(out));
    }
    ATTNSCOPE_TRY(progress.update(1.0f));

    result.meanSpearman = kNaN;
    result.sdSpearman = kNaN;
    if (!rhos.empty()) {
        double sum = 0.0;
        for (const double rho : rhos)
            sum += rho;
        result.meanSpearman = sum / static_cast<double>(rhos.size());
        if (rhos.size() > 1) {
            double squares = 0.0;
            for (const double rho : rhos)
                squares += (rho - result.meanSpearman) * (rho - result.meanSpearman);
            result.sdSpearman = std::sqrt(squares / static_cast<double>(rhos.size() - 1));
        }
    }
    result.pooled = correlateWords(pooledModel, pooledHuman, /*keepEdges=*/true);
    if (!pValues.empty()) {
        const auto [chi2, p] = scanpath::fisherCombined(pValues);
        result.fisherChi2 = chi2;
        result.fisherP = p;
        result.fisherDf = 2 * static_cast<int>(pValues.size());
    }
    return result;
}

nlohmann::json readingCorrelationToJson(const ReadingCorrelation& correlation,
                                        const scanpath::ReadingCorpus& corpus, bool includeWords) {
    static const char* merges[] = {"sum", "max", "mean", "first"};
    const ReadingCorrelationRequest& request = correlation.request;
    nlohmann::json units = nlohmann::json::array();
    for (std::size_t u = 0; u < correlation.units.size(); ++u) {
        const UnitCorrelation& unit = correlation.units[u];
        nlohmann::json entry = correlationToJson(unit.correlation);
        entry["id"] = unit.id;
        entry["words"] = corpus.units[u].words.size();
        entry["tokens"] = unit.tokens;
        entry["unaligned_words"] = unit.unalignedWords;
        entry["skipped"] = unit.skipped.empty() ? nlohmann::json() : nlohmann::json(unit.skipped);
        if (includeWords) {
            nlohmann::json words = nlohmann::json::array();
            for (std::size_t w = 0; w < unit.model.size(); ++w)
                words.push_back({{"word", corpus.units[u].words[w]},
                                 {"model", number(unit.model[w])},
                                 {"human", number(unit.human[w])}});
            entry["word_values"] = words;
        }
        units.push_back(entry);
    }
    nlohmann::json summary = correlationToJson(correlation.pooled);
    return {
        {"parameters",
         {{"method", relevanceMethodName(request.relevance.method)},
          {"layer", correlation.layer},
          {"merge", merges[static_cast<int>(request.relevance.merge)]},
          {"measure", request.measure},
          {"edges_excluded", !request.keepEdges},
          {"min_compared", request.minCompared}}},
        {"corpus",
         {{"format", corpus.format},
          {"encoding", corpus.encoding},
          {"unit", corpus.level == scanpath::ReadingUnitLevel::Sentence ? "sentence" : "text"},
          {"rows", corpus.rows},
          {"skipped_rows", corpus.skippedRows},
          {"filtered_rows", corpus.filteredRows},
          {"participants", corpus.participants},
          {"units", corpus.units.size()}}},
        {"summary",
         {{"units_compared", correlation.unitsCompared},
          {"units_skipped", correlation.units.size() - static_cast<std::size_t>(correlation.unitsCompared)},
          {"spearman_mean", number(correlation.meanSpearman)},
          {"spearman_sd", number(correlation.sdSpearman)},
          {"pooled", summary},
          {"fisher",
           {{"chi2", correlation.fisherChi2}, {"df", correlation.fisherDf}, {"p", correlation.fisherP}}}}},
        {"units", units}};
}

nlohmann::json readingCorrelationDocument(const ReadingCorrelation& correlation,
                                          const scanpath::ReadingCorpus& corpus, const std::string& modelPath,
                                          const std::string& corpusPath, bool includeWords) {
    nlohmann::json document = readingCorrelationToJson(correlation, corpus, includeWords);
    document["model"] = modelPath;
    document["corpus"]["file"] = corpusPath;
    return document;
}

Status writeReadingWordTable(const std::string& path, const ReadingCorrelation& correlation,
                             const scanpath::ReadingCorpus& corpus) {
    std::ofstream file(path);
    if (!file)
        return Status::ioError("cannot write the word table").inFile(path);
    file << "unit\tword_index\tword\tmodel\t" << correlation.request.measure << "\n";
    // Shortest round-trip form: relFix and relevance are small, and %f's six decimals would tie them.
    const auto cell = [](double v) {
        if (!std::isfinite(v))
            return std::string("NA");
        char buffer[32];
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
        return error == std::errc() ? std::string(buffer, end) : std::string("NA");
    };
    for (std::size_t u = 0; u < correlation.units.size(); ++u) {
        const UnitCorrelation& unit = correlation.units[u];
        for (std::size_t w = 0; w < unit.model.size(); ++w) {
            std::string word = corpus.units[u].words[w];
            for (char& c : word)
                if (c == '\t' || c == '\n' || c == '\r')
                    c = ' ';
            file << unit.id << '\t' << w << '\t' << word << '\t' << cell(unit.model[w]) << '\t'
                 << cell(unit.human[w]) << '\n';
        }
    }
    file.close();
    if (!file)
        return Status::ioError("writing the word table failed").inFile(path);
    return Status::ok();
}

} // namespace attnscope::analyses
