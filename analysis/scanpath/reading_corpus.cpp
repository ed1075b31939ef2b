// SPDX-License-Identifier: Apache-2.0
// Word-level reading reports: Provo, GECO and MECO presets, encodings, and the average over participants.
#include "attnscope/scanpath/reading_corpus.h"

#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "single_byte_encodings.h"
#include "text_fields.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace attnscope::scanpath {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

CorpusMeasure measure(std::string name, std::string column, MissingMeasure missing, bool optional = true) {
    return {std::move(name), std::move(column), missing, optional};
}

/// Appends code point `c` as UTF-8.
void appendUtf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

/// A word as displayed, without the padding spaces and no-break spaces around it (GECO pads words).
std::string trimWord(std::string_view word) {
    bool changed = true;
    while (changed && !word.empty()) {
        changed = false;
        if (word.front() == ' ' || word.front() == '\t') {
            word.remove_prefix(1);
            changed = true;
        } else if (word.substr(0, 2) == "\xC2\xA0") {
            word.remove_prefix(2);
            changed = true;
        }
        if (word.empty())
            break;
        if (word.back() == ' ' || word.back() == '\t') {
            word.remove_suffix(1);
            changed = true;
        } else if (word.size() >= 2 && word.substr(word.size() - 2) == "\xC2\xA0") {
            word.remove_suffix(2);
            changed = true;
        }
    }
    return std::string(word);
}

/// A word's rows: its text and each participant's values (one per measure).
struct WordRows {
    std::string text;
    std::map<std::string, std::vector<double>> byParticipant;
};

struct UnitRows {
    std::string id;
    std::map<double, WordRows> words; ///< by word index
};

/// The mean of the finite values; NaN when there are none.
double finiteMean(const std::vector<double>& values) {
    double sum = 0.0;
    int count = 0;
    for (const double v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++count;
        }
    return count > 0 ? sum / count : kNaN;
}

} // namespace

ReadingCorpusFormat provoCorpusFormat() {
    ReadingCorpusFormat f;
    f.name = "provo";
    f.participant = "Participant_ID";
    f.textColumns = {"Text_ID"};
    f.sentence = "Sentence_Number";
    f.wordIndex = "Word_Number";
    f.word = "Word";
    f.measures = {measure("TRT", "IA_DWELL_TIME", MissingMeasure::Zero, false),
                  measure("FFD", "IA_FIRST_FIXATION_DURATION", MissingMeasure::Skip),
                  measure("GD", "IA_FIRST_RUN_DWELL_TIME", MissingMeasure::Skip),
                  measure("GPT", "IA_REGRESSION_PATH_DURATION", MissingMeasure::Skip),
                  measure("nFix", "IA_FIXATION_COUNT", MissingMeasure::Zero),
                  measure("skip", "IA_SKIP", MissingMeasure::Skip)};
    return f;
}

ReadingCorpusFormat gecoCorpusFormat() {
    ReadingCorpusFormat f;
    f.name = "geco";
    f.participant = "PP_NR";
    f.textColumns = {"PART", "TRIAL"};
    f.wordIndex = "WORD_ID_WITHIN_TRIAL";
    f.word = "WORD";
    f.measures = {measure("TRT", "WORD_TOTAL_READING_TIME", MissingMeasure::Zero, false),
                  measure("FFD", "WORD_FIRST_FIXATION_DURATION", MissingMeasure::Skip),
                  measure("GD", "WORD_GAZE_DURATION", MissingMeasure::Skip),
                  measure("GPT", "WORD_GO_PAST_TIME", MissingMeasure::Skip),
                  measure("nFix", "WORD_FIXATION_COUNT", MissingMeasure::Zero),
                  measure("skip", "WORD_SKIP", MissingMeasure::Skip)};
    return f;
}

ReadingCorpusFormat mecoCorpusFormat() {
    ReadingCorpusFormat f;
    f.name = "meco";
    f.participant = "uniform_id";
    f.textColumns = {"lang", "trialid"};
    f.wordIndex = "ianum";
    f.word = "ia";
    f.measures = {measure("TRT", "dur", MissingMeasure::Zero, false),
                  measure("FFD", "firstfix.dur", MissingMeasure::Skip),
                  measure("GD", "firstrun.dur", MissingMeasure::Skip),
                  measure("nFix", "nfix", MissingMeasure::Zero),
                  measure("skip", "skip", MissingMeasure::Skip)};
    return f;
}

Expected<ReadingCorpusFormat> readingCorpusFormatByName(std::string_view name) {
    if (name == "provo")
        return provoCorpusFormat();
    if (name == "geco")
        return gecoCorpusFormat();
    if (name == "meco")
        return mecoCorpusFormat();
    return Status::invalidArgument("unknown reading corpus format '" + std::string(name) +
                                   "' (provo, geco or meco; or name the columns)")
        .atField("format");
}

Expected<ReadingCorpusFormat> detectReadingCorpusFormat(std::string_view content,
                                                        const std::string& fileName) {
    const std::vector<std::string> header = tableHeaderColumns(content);
    const std::set<std::string> columns(header.begin(), header.end());
    for (const ReadingCorpusFormat& format : {provoCorpusFormat(), gecoCorpusFormat(), mecoCorpusFormat()})
        if (columns.count(format.participant) && columns.count(format.wordIndex) &&
            columns.count(format.measures.front().column))
            return format;
    return Status::parseError("the header names no known word-level report (Provo's Participant_ID and "
                              "IA_DWELL_TIME, GECO's PP_NR and WORD_TOTAL_READING_TIME, MECO's uniform_id "
                              "and dur); name the columns")
        .inFile(fileName);
}

Expected<ReadingCorpusFormat> readingCorpusFormatFor(std::string_view name, std::string_view text,
                                                     const std::string& fileName) {
    return name == "auto" ? detectReadingCorpusFormat(text, fileName) : readingCorpusFormatByName(name);
}

Status setRowFilter(ReadingCorpusFormat& format, std::string_view columnEqualsValue) {
    const std::size_t equals = columnEqualsValue.find('=');
    if (equals == std::string_view::npos || equals == 0)
        return Status::invalidArgument("expected COLUMN=VALUE, found '" + std::string(columnEqualsValue) +
                                       "'")
            .atField("filter");
    format.filterColumn = std::string(columnEqualsValue.substr(0, equals));
    format.filterValue = std::string(columnEqualsValue.substr(equals + 1));
    return Status::ok();
}

Expected<TextEncoding> textEncodingByName(std::string_view name) {
    if (name == "auto")
        return TextEncoding::Auto;
    if (name == "utf8" || name == "utf-8")
        return TextEncoding::Utf8;
    if (name == "cp1252" || name == "windows-1252")
        return TextEncoding::Cp1252;
    if (name == "macroman" || name == "mac_roman")
        return TextEncoding::MacRoman;
    return Status::invalidArgument("unknown encoding '" + std::string(name) +
                                   "' (auto, utf8, cp1252 or macroman)")
        .atField("encoding");
}

const char* textEncodingName(TextEncoding encoding) {
    switch (encoding) {
    case TextEncoding::Auto:
        return "auto";
    case TextEncoding::Utf8:
        return "utf8";
    case TextEncoding::Cp1252:
        return "cp1252";
    case TextEncoding::MacRoman:
        return "macroman";
    }
    return "auto";
}

Expected<std::string> decodeToUtf8(std::string_view bytes, TextEncoding encoding, TextEncoding* used) {
    // The tokenizers' validation: the same rules (no overlong forms, no surrogates) as the text read later.
    const Status utf8 = tokenizers::validateUtf8(bytes);
    if (encoding == TextEncoding::Auto)
        encoding = utf8.isOk() ? TextEncoding::Utf8 : TextEncoding::Cp1252;
    if (used)
        *used = encoding;
    if (encoding == TextEncoding::Utf8) {
        if (!utf8.isOk())
            return Status::parseError(utf8.message() + " (give the encoding: cp1252 or macroman)")
                .atField("encoding");
        return std::string(bytes);
    }
    const auto& table = encoding == TextEncoding::MacRoman ? text::kMacRoman : text::kCp1252;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        appendUtf8(out, byte < 0x80 ? byte : table[byte - 0x80]);
    }
    return out;
}

int ReadingCorpus::measureIndex(std::string_view name) const {
    for (std::size_t i = 0; i < measures.size(); ++i)
        if (measures[i] == name)
            return static_cast<int>(i);
    return -1;
}

Expected<ReadingCorpus> parseReadingCorpus(std::string_view bytes, const ReadingCorpusFormat& format,
                                           ReadingUnitLevel level, TextEncoding encoding,
                                           const std::string& fileName) {
    TextEncoding used = TextEncoding::Utf8;
    auto decoded = decodeToUtf8(text::withoutBom(bytes), encoding, &used);
    if (!decoded) {
        Status status = decoded.status();
        return std::move(status).inFile(fileName);
    }
    if (level == ReadingUnitLevel::Sentence && format.sentence.empty())
        return Status::invalidArgument("the " + format.name +
                                       " format names no sentence column: read whole texts, or name the "
                                       "sentence column")
            .inFile(fileName)
            .atField("unit");

    ReadingCorpus corpus;
    corpus.format = format.name;
    corpus.encoding = textEncodingName(used);
    corpus.level = level;
    std::vector<UnitRows> units;
    std::map<std::string, std::size_t> unitIndex;
    std::set<std::string> participants;

    Status failure;
    char delimiter = 0;
    std::vector<std::string> header;
    int participantColumn = -1, sentenceColumn = -1, indexColumn = -1, wordColumn = -1, filterColumn = -1;
    std::vector<int> textColumns;
    std::vector<int> measureColumns;
    text::forEachLine(*decoded, [&](int number, std::string_view line) {
        const std::string where = "line " + std::to_string(number);
        if (text::trim(line).empty() || (header.empty() && line.front() == '#'))
            return true;
        if (header.empty()) {
            delimiter = text::detectDelimiter(line);
            auto fields = text::splitFields(line, delimiter);
            if (!fields) {
                failure = Status::parseError("unterminated quote in the header").atField(where);
                return false;
            }
            header = std::move(*fields);
            std::vector<std::string> missing;
            const auto find = [&](const std::string& name, bool required) {
                if (name.empty())
                    return -1;
                const auto it = std::find(header.begin(), header.end(), name);
                if (it == header.end()) {
                    if (required)
                        missing.push_back(name);
                    return -1;
                }
                return static_cast<int>(it - header.begin());
            };
            participantColumn = find(format.participant, true);
            for (const std::string& column : format.textColumns)
                textColumns.push_back(find(column, true));
            if (format.textColumns.empty())
                missing.push_back("(a text column)");
            sentenceColumn = find(format.sentence, level == ReadingUnitLevel::Sentence);
            indexColumn = find(format.wordIndex, true);
            wordColumn = find(format.word, true);
            filterColumn = find(format.filterColumn, true);
            for (const CorpusMeasure& m : format.measures) {
                const int column = find(m.column, !m.optional);
                if (column >= 0) {
                    measureColumns.push_back(column);
                    corpus.measures.push_back(m.name);
                }
            }
            if (format.measures.empty())
                missing.push_back("(a measure column)");
            if (!missing.empty()) {
                std::string names;
                for (const std::string& name : missing)
                    names += (names.empty() ? "" : ", ") + name;
                failure = Status::parseError("the header lacks the " + format.name + " column" +
                                             (missing.size() > 1 ? "s " : " ") + names)
                              .atField(where);
                return false;
            }
            return true;
        }
        auto fields = text::splitFields(line, delimiter);
        if (!fields || fields->size() < header.size()) {
            failure =
                Status::parseError(fields ? "has " + std::to_string(fields->size()) +
                                                " fields; the header has " + std::to_string(header.size())
                                          : std::string("unterminated quote"))
                    .atField(where);
            return false;
        }
        const auto field = [&](int column) -> const std::string& {
            return (*fields)[static_cast<std::size_t>(column)];
        };
        if (filterColumn >= 0 && field(filterColumn) != format.filterValue) {
            ++corpus.filteredRows;
            return true;
        }
        const std::string participant = field(participantColumn);
        std::string unit;
        for (const int column : textColumns)
            unit += (unit.empty() ? "" : "/") + field(column);
        const auto index = text::parseNumber(field(indexColumn));
        if (!index) {
            failure = Status::parseError("expected a word index, found " + text::quoted(field(indexColumn)))
                          .atField(where + ", column " + format.wordIndex);
            return false;
        }
        bool missingKey = participant.empty() || !std::isfinite(*index) ||
                          std::all_of(textColumns.begin(), textColumns.end(),
                                      [&](int column) { return field(column).empty(); });
        if (level == ReadingUnitLevel::Sentence) {
            const auto sentence = text::parseNumber(field(sentenceColumn));
            if (!sentence) {
                failure = Status::parseError("expected a sentence number, found " +
                                             text::quoted(field(sentenceColumn)))
                              .atField(where + ", column " + format.sentence);
                return false;
            }
            missingKey = missingKey || !std::isfinite(*sentence);
            if (std::isfinite(*sentence))
                unit += "/s" + field(sentenceColumn);
        }
        if (missingKey) {
            ++corpus.skippedRows;
            return true;
        }
        std::vector<double> values;
        for (std::size_t m = 0; m < measureColumns.size(); ++m) {
            const auto value = text::parseNumber(field(measureColumns[m]));
            if (!value) {
                failure =
                    Status::parseError("expected a number, found " + text::quoted(field(measureColumns[m])))
                        .atField(where + ", column " + header[static_cast<std::size_t>(measureColumns[m])]);
                return false;
            }
            values.push_back(*value);
        }
        auto [found, inserted] = unitIndex.try_emplace(unit, units.size());
        if (inserted)
            units.push_back({unit, {}});
        WordRows& word = units[found->second].words[*index];
        if (word.text.empty())
            word.text = trimWord(field(wordColumn));
        word.byParticipant.try_emplace(participant, std::move(values)); // a repeated row keeps the first
        participants.insert(participant);
        ++corpus.rows;
        return true;
    });
    if (!failure.isOk())
        return std::move(failure).inFile(fileName);
    if (header.empty())
        return Status::parseError("the table is empty: no header line").inFile(fileName);
    corpus.participants = static_cast<int>(participants.size());

    // Means over participants; relFix from each participant's share of the unit's total reading time.
    const int trt = corpus.measureIndex("TRT");
    const std::vector<MissingMeasure> missing = [&] {
        std::vector<MissingMeasure> kinds;
        for (const CorpusMeasure& m : format.measures)
            if (std::find(corpus.measures.begin(), corpus.measures.end(), m.name) != corpus.measures.end())
                kinds.push_back(m.missing);
        return kinds;
    }();
    const std::size_t measureCount = corpus.measures.size();
    if (trt >= 0)
        corpus.measures.insert(corpus.measures.begin() + trt + 1, "relFix");
    for (const UnitRows& rows : units) {
        ReadingUnit unit;
        unit.id = rows.id;
        unit.values.assign(corpus.measures.size(), {});
        std::map<std::string, double> unitTime; // per participant, Σ TRT over the unit
        std::set<std::string> readers;
        for (const auto& [index, word] : rows.words)
            for (const auto& [participant, values] : word.byParticipant) {
                readers.insert(participant);
                if (trt >= 0 && std::isfinite(values[static_cast<std::size_t>(trt)]))
                    unitTime[participant] += values[static_cast<std::size_t>(trt)];
            }
        unit.participants = static_cast<int>(readers.size());
        for (const auto& [index, word] : rows.words) {
            unit.words.push_back(word.text);
            unit.readers.push_back(static_cast<int>(word.byParticipant.size()));
            std::size_t out = 0;
            for (std::size_t m = 0; m < measureCount; ++m, ++out) {
                std::vector<double> values;
                for (const auto& [participant, row] : word.byParticipant)
                    values.push_back(std::isfinite(row[m]) || missing[m] == MissingMeasure::Skip ? row[m]
                                                                                                 : 0.0);
                unit.values[out].push_back(finiteMean(values));
                if (static_cast<int>(m) == trt) {
                    std::vector<double> shares;
                    for (const auto& [participant, row] : word.byParticipant) {
                        const double total = unitTime[participant];
                        if (total > 0.0)
                            shares.push_back(std::isfinite(row[m]) ? row[m] / total : 0.0);
                    }
                    unit.values[++out].push_back(finiteMean(shares));
                }
            }
        }
        corpus.units.push_back(std::move(unit));
    }
    return corpus;
}

Expected<ReadingCorpus> readReadingCorpus(const std::string& path, const ReadingCorpusFormat& format,
                                          ReadingUnitLevel level, TextEncoding encoding) {
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    return parseReadingCorpus(*content, format, level, encoding, path);
}

} // namespace attnscope::scanpath
