// SPDX-License-Identifier: Apache-2.0
// One entry point for every gaze format: detection by extension and by a table's header.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/coco_search.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "attnscope/scanpath/tobii_pro_lab.h"
#include "text_fields.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace attnscope::scanpath {

Expected<TableFormat> detectTableFormat(std::string_view content, const std::string& fileName) {
    // Split exactly as the parser will split it, so a preset chosen here finds its columns there.
    const std::vector<std::string> columns = tableHeaderColumns(content);
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
        // Each fixation in the interest area that contains it (the AOI alphabet's symbols). An EDF file
        // records one participant: its name is the subject.
        const std::string subject = std::filesystem::path(path).stem().string();
        for (std::size_t i = 0; i < recording.scanpaths.size(); ++i) {
            recording.scanpaths[i].subjectId = subject;
            for (Fixation& f : recording.scanpaths[i].fixations)
                f.aoi = aoiAt(recording.areas[i], f.x, f.y, OffAoi::None);
        }
        return recording;
    }
    case GazeFormat::StiAmazon: {
        if (looksLikeCocoSearch(*content)) {
            // A .json list is COCO-Search18's layout; STI's is an object of images.
            auto trials = parseCocoSearch(*content, path);
            if (!trials)
                return trials.status();
            recording.format = "coco-search18";
            for (SearchTrial& trial : *trials) {
                recording.scanpaths.push_back(std::move(trial.scanpath));
                recording.areas.push_back(std::move(trial.target));
            }
            return recording;
        }
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
    if (!options.table && isTobiiProLabExport(*content)) {
        auto tobii = parseTobiiProLab(*content, path);
        if (!tobii)
            return tobii.status();
        recording.format = "tobii-pro-lab";
        recording.scanpaths = std::move(tobii->scanpaths);
        recording.areas.resize(recording.scanpaths.size());
        return recording;
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
