// SPDX-License-Identifier: Apache-2.0
// One entry point for every gaze format: detection by extension and by a table's header.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "text_fields.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace attnscope::scanpath {

Expected<TableFormat> detectTableFormat(std::string_view content, const std::string& fileName) {
    std::string_view header;
    text::forEachLine(content, [&](int, std::string_view line) {
        if (text::trim(line).empty() || line.front() == '#')
            return true;
        header = line;
        return false;
    });
    // Column names as words: split on any delimiter a table may use.
    std::vector<std::string> columns;
    std::string word;
    for (const char c : header) {
        if (c == '\t' || c == ',' || c == ';' || c == ' ' || c == '"') {
            if (!word.empty())
                columns.push_back(std::move(word));
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty())
        columns.push_back(std::move(word));
    const auto has = [&](const std::string& name) {
        return std::find(columns.begin(), columns.end(), name) != columns.end();
    };
    for (TableFormat format : {multimatchTableFormat(), dataViewerTableFormat(), pygazeTableFormat()})
        if (has(format.x) && has(format.y))
            return format;
    std::string listed;
    for (std::size_t i = 0; i < columns.size() && i < 12; ++i)
        listed += (i ? ", " : "") + text::quoted(columns[i]);
    return Status::invalidArgument(
               "no known fixation columns (start_x/start_y, CURRENT_FIX_X/CURRENT_FIX_Y or "
               "X/Y) in the header: " +
               (listed.empty() ? std::string("(empty)") : listed) + "; name the columns explicitly")
        .inFile(fileName)
        .atField("header");
}

Expected<GazeRecording> readGaze(const std::string& path, const GazeReadOptions& options) {
    GazeFormat format = options.format;
    if (format == GazeFormat::Auto) {
        std::string extension = std::filesystem::path(path).extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        format = extension == ".asc"    ? GazeFormat::EyeLinkAsc
                 : extension == ".json" ? GazeFormat::StiAmazon
                                        : GazeFormat::Table;
    }
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    GazeRecording recording;
    switch (format) {
    case GazeFormat::EyeLinkAsc: {
        auto asc = parseEyeLinkAsc(*content, path, options.eye);
        if (!asc)
            return asc.status();
        recording.format = "eyelink-asc";
        recording.scanpaths = std::move(asc->scanpaths);
        recording.areas = std::move(asc->interestAreas);
        return recording;
    }
    case GazeFormat::StiAmazon: {
        auto images = parseStiAmazon(*content, path);
        if (!images)
            return images.status();
        recording.format = "sti-amazon";
        for (StiImage& image : *images)
            for (Scanpath& scanpath : image.scanpaths) {
                recording.scanpaths.push_back(std::move(scanpath));
                recording.areas.push_back(image.targets);
            }
        return recording;
    }
    case GazeFormat::Auto:
    case GazeFormat::Table:
        break;
    }
    Expected<TableFormat> tableFormat =
        options.table ? Expected<TableFormat>(*options.table) : detectTableFormat(*content, path);
    if (!tableFormat)
        return tableFormat.status();
    auto table = parseFixationTable(*content, *tableFormat, path);
    if (!table)
        return table.status();
    recording.format = "table";
    recording.scanpaths = std::move(table->scanpaths);
    recording.areas.resize(recording.scanpaths.size());
    recording.skippedRows = table->skippedRows;
    return recording;
}

} // namespace attnscope::scanpath
