// SPDX-License-Identifier: Apache-2.0
// Delimited fixation tables: multimatch TSV, Data Viewer fixation reports, PyGaze CSV, custom mappings.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "text_fields.h"

#include <map>
#include <tuple>

namespace attnscope::scanpath {

TableFormat multimatchTableFormat() {
    TableFormat format;
    format.x = "start_x";
    format.y = "start_y";
    format.duration = "duration";
    format.timeUnit = TimeUnit::Seconds;
    return format;
}

TableFormat dataViewerTableFormat() {
    TableFormat format;
    format.x = "CURRENT_FIX_X";
    format.y = "CURRENT_FIX_Y";
    format.duration = "CURRENT_FIX_DURATION";
    format.start = "CURRENT_FIX_START";
    format.participant = "RECORDING_SESSION_LABEL";
    format.trial = "TRIAL_INDEX";
    format.aoi = "CURRENT_FIX_INTEREST_AREA_ID";
    return format;
}

TableFormat pygazeTableFormat() {
    TableFormat format;
    format.x = "X";
    format.y = "Y";
    format.duration = "Duration";
    return format;
}

Expected<TableFormat> tableFormatByName(std::string_view name) {
    if (name == "multimatch")
        return multimatchTableFormat();
    if (name == "dataviewer")
        return dataViewerTableFormat();
    if (name == "pygaze")
        return pygazeTableFormat();
    return Status::invalidArgument("unknown table format '" + std::string(name) +
                                   "'; expected multimatch, dataviewer or pygaze")
        .atField("format");
}

std::vector<std::string> tableHeaderColumns(std::string_view content) {
    std::vector<std::string> columns;
    text::forEachLine(text::withoutBom(content), [&](int, std::string_view line) {
        if (text::trim(line).empty() || line.front() == '#')
            return true;
        if (auto fields = text::splitFields(line, text::detectDelimiter(line)))
            columns = std::move(*fields);
        return false;
    });
    return columns;
}

Expected<FixationTable> parseFixationTable(std::string_view content, const TableFormat& format,
                                           const std::string& fileName) {
    content = text::withoutBom(content);
    if (format.x.empty() || format.y.empty())
        return Status::invalidArgument("the table format names no x or y column").atField("format");
    const double toMs = format.timeUnit == TimeUnit::Seconds ? 1000.0 : 1.0;

    FixationTable table;
    Status failure;
    char delimiter = 0;
    std::vector<std::string> header;
    // Column index of each role, -1 when the format or the table has none.
    int xColumn = -1, yColumn = -1, durationColumn = -1, startColumn = -1, participantColumn = -1,
        stimulusColumn = -1, trialColumn = -1, aoiColumn = -1;
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> scanpathIndex;

    text::forEachLine(content, [&](int number, std::string_view line) {
        const std::string where = "line " + std::to_string(number);
        if (text::trim(line).empty() || (header.empty() && line.front() == '#'))
            return true; // blank lines, and comments before the header
        if (header.empty()) {
            delimiter = text::detectDelimiter(line);
            auto fields = text::splitFields(line, delimiter);
            if (!fields) {
                failure = Status::parseError("unterminated quote in the header").atField(where);
                return false;
            }
            header = std::move(*fields);
            const auto column = [&](const std::string& name, int& index, bool required) {
                if (name.empty())
                    return true;
                for (std::size_t i = 0; i < header.size(); ++i)
                    if (header[i] == name)
                        index = static_cast<int>(i);
                if (index < 0 && required) {
                    failure = Status::parseError("the header has no column '" + name + "'").atField(where);
                    return false;
                }
                return true;
            };
            // Position is required; the others are used when the table has them.
            return column(format.x, xColumn, true) && column(format.y, yColumn, true) &&
                   column(format.duration, durationColumn, false) &&
                   column(format.start, startColumn, false) &&
                   column(format.participant, participantColumn, false) &&
                   column(format.stimulus, stimulusColumn, false) &&
                   column(format.trial, trialColumn, false) && column(format.aoi, aoiColumn, false);
        }
        auto fields = text::splitFields(line, delimiter);
        if (!fields) {
            failure = Status::parseError("unterminated quote").atField(where);
            return false;
        }
        if (fields->size() < header.size()) {
            failure = Status::parseError("has " + std::to_string(fields->size()) +
                                         " fields; the header has " + std::to_string(header.size()))
                          .atField(where);
            return false;
        }
        const auto readNumber = [&](int column, double& value) {
            if (column < 0)
                return true;
            const auto parsed = text::parseNumber((*fields)[static_cast<std::size_t>(column)]);
            if (!parsed) {
                failure = Status::parseError("expected a number, found " +
                                             text::quoted((*fields)[static_cast<std::size_t>(column)]))
                              .atField(where + ", column " + header[static_cast<std::size_t>(column)]);
                return false;
            }
            value = *parsed;
            return true;
        };
        Fixation fixation;
        double aoi = kMissing;
        if (!readNumber(xColumn, fixation.x) || !readNumber(yColumn, fixation.y) ||
            !readNumber(durationColumn, fixation.durationMs) || !readNumber(startColumn, fixation.startMs) ||
            !readNumber(aoiColumn, aoi))
            return false;
        if (std::isnan(fixation.x) || std::isnan(fixation.y)) {
            ++table.skippedRows;
            return true;
        }
        if (fixation.durationMs < 0.0) {
            failure = Status::parseError("a fixation cannot last a negative time")
                          .atField(where + ", column " + header[static_cast<std::size_t>(durationColumn)]);
            return false;
        }
        fixation.durationMs *= toMs;
        fixation.startMs *= toMs;
        if (std::isfinite(aoi) && aoi >= 0.0 && aoi < 2e9)
            fixation.aoi = static_cast<int>(aoi);
        const auto text = [&](int column) {
            return column < 0 ? std::string() : (*fields)[static_cast<std::size_t>(column)];
        };
        const auto key = std::make_tuple(text(participantColumn), text(stimulusColumn), text(trialColumn));
        auto [found, inserted] = scanpathIndex.try_emplace(key, table.scanpaths.size());
        if (inserted) {
            Scanpath path;
            std::tie(path.subjectId, path.stimulusId, path.trialId) = key;
            path.screenWidth = format.screenWidth;
            path.screenHeight = format.screenHeight;
            table.scanpaths.push_back(std::move(path));
        }
        table.scanpaths[found->second].fixations.push_back(fixation);
        return true;
    });
    if (!failure.isOk())
        return std::move(failure).inFile(fileName);
    if (header.empty())
        return Status::parseError("the table is empty: no header line").inFile(fileName);
    return table;
}

Expected<WordMeasures> parseWordMeasures(std::string_view content, const std::string& measureColumn,
                                         const std::string& wordColumn, const std::string& fileName) {
    content = text::withoutBom(content);
    WordMeasures measures;
    Status failure;
    char delimiter = 0;
    std::vector<std::string> header;
    int measure = -1, word = -1;
    text::forEachLine(content, [&](int number, std::string_view line) {
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
            for (std::size_t i = 0; i < header.size(); ++i) {
                if (header[i] == measureColumn)
                    measure = static_cast<int>(i);
                if (!wordColumn.empty() && header[i] == wordColumn)
                    word = static_cast<int>(i);
            }
            if (measure < 0) {
                failure =
                    Status::parseError("the header has no column '" + measureColumn + "'").atField(where);
                return false;
            }
            return true;
        }
        auto fields = text::splitFields(line, delimiter);
        if (!fields || fields->size() < header.size()) {
            failure = Status::parseError(fields ? "has fewer fields than the header" : "unterminated quote")
                          .atField(where);
            return false;
        }
        const auto value = text::parseNumber((*fields)[static_cast<std::size_t>(measure)]);
        if (!value) {
            failure = Status::parseError("expected a number, found " +
                                         text::quoted((*fields)[static_cast<std::size_t>(measure)]))
                          .atField(where + ", column " + measureColumn);
            return false;
        }
        measures.values.push_back(*value);
        measures.words.push_back(word >= 0 ? (*fields)[static_cast<std::size_t>(word)] : std::string());
        return true;
    });
    if (!failure.isOk())
        return std::move(failure).inFile(fileName);
    if (header.empty())
        return Status::parseError("the table is empty: no header line").inFile(fileName);
    return measures;
}

Expected<WordMeasures> readWordMeasures(const std::string& path, const std::string& measureColumn,
                                        const std::string& wordColumn) {
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    return parseWordMeasures(*content, measureColumn, wordColumn, path);
}

Expected<FixationTable> readFixationTable(const std::string& path, const TableFormat& format) {
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    return parseFixationTable(*content, format, path);
}

} // namespace attnscope::scanpath
