// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/tobii_pro_lab.h"

#include "text_fields.h"

#include <cmath>
#include <map>
#include <tuple>

namespace attnscope::scanpath {

namespace {

/// The column whose name is `name`, alone or followed by a " [unit]" suffix; -1 when absent. `unit`
/// receives the suffix's text ("" without one).
int findColumn(const std::vector<std::string>& header, std::string_view name, std::string* unit = nullptr) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        const std::string& column = header[i];
        if (column == name || (column.size() > name.size() + 3 && column.compare(0, name.size(), name) == 0 &&
                               column.compare(name.size(), 2, " [") == 0 && column.back() == ']')) {
            if (unit)
                *unit = column.size() > name.size()
                            ? column.substr(name.size() + 2, column.size() - name.size() - 3)
                            : std::string();
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::vector<std::string> headerOf(std::string_view content) {
    std::vector<std::string> header;
    text::forEachLine(text::withoutBom(content), [&](int, std::string_view line) {
        if (text::trim(line).empty())
            return true;
        if (auto fields = text::splitFields(line, '\t'))
            header = std::move(*fields);
        return false;
    });
    return header;
}

} // namespace

bool isTobiiProLabExport(std::string_view text) {
    const std::vector<std::string> header = headerOf(text);
    return findColumn(header, "Eye movement type index") >= 0 && findColumn(header, "Fixation point X") >= 0;
}

Expected<TobiiRecording> parseTobiiProLab(std::string_view content, const std::string& fileName) {
    TobiiRecording recording;
    std::vector<std::string> header;
    int type = -1, index = -1, x = -1, y = -1, participant = -1, name = -1, stimulus = -1, duration = -1,
        timestamp = -1;
    double timestampToMs = 1e-3;
    std::vector<int> aoiColumns;
    // (participant, recording, stimulus) → scanpath; (scanpath, fixation index) → fixation.
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> scanpathIndex;
    std::map<std::pair<std::size_t, long long>, std::size_t> fixationIndex;
    Status failure;
    text::forEachLine(text::withoutBom(content), [&](int number, std::string_view line) {
        const std::string where = "line " + std::to_string(number);
        if (text::trim(line).empty())
            return true;
        auto fields = text::splitFields(line, '\t');
        if (!fields) {
            failure = Status::parseError("unterminated quote").atField(where);
            return false;
        }
        if (header.empty()) {
            header = std::move(*fields);
            type = findColumn(header, "Eye movement type");
            index = findColumn(header, "Eye movement type index");
            x = findColumn(header, "Fixation point X");
            y = findColumn(header, "Fixation point Y");
            participant = findColumn(header, "Participant name");
            name = findColumn(header, "Recording name");
            stimulus = findColumn(header, "Presented Stimulus name");
            std::string durationUnit, timestampUnit;
            duration = findColumn(header, "Gaze event duration", &durationUnit);
            timestamp = findColumn(header, "Recording timestamp", &timestampUnit);
            if (timestampUnit == "ms")
                timestampToMs = 1.0;
            // μs as Greek mu (U+03BC) or micro sign (U+00B5), or plain "us".
            else if (!timestampUnit.empty() && timestampUnit != "\xCE\xBCs" && timestampUnit != "\xC2\xB5s" &&
                     timestampUnit != "us") {
                failure = Status::parseError("unknown unit '" + timestampUnit + "' of Recording timestamp")
                              .atField(where);
                return false;
            }
            if (!durationUnit.empty() && durationUnit != "ms") {
                failure = Status::parseError("unknown unit '" + durationUnit + "' of Gaze event duration")
                              .atField(where);
                return false;
            }
            std::string missing;
            for (const auto& [column, label] :
                 {std::pair{type, "Eye movement type"}, std::pair{index, "Eye movement type index"},
                  std::pair{x, "Fixation point X"}, std::pair{y, "Fixation point Y"}})
                if (column < 0)
                    missing += (missing.empty() ? "" : ", ") + std::string(label);
            if (!missing.empty()) {
                failure = Status::parseError("the header lacks Tobii Pro Lab's " + missing).atField(where);
                return false;
            }
            for (std::size_t i = 0; i < header.size(); ++i) {
                const std::string& column = header[i];
                if (column.rfind("AOI hit [", 0) == 0 && column.back() == ']') {
                    aoiColumns.push_back(static_cast<int>(i));
                    std::string aoi = column.substr(9, column.size() - 10);
                    // "media - AOI": the AOI's name follows the last " - ".
                    if (const std::size_t dash = aoi.rfind(" - "); dash != std::string::npos)
                        aoi = aoi.substr(dash + 3);
                    recording.aoiNames.push_back(aoi);
                }
            }
            return true;
        }
        ++recording.sampleRows;
        const auto field = [&](int column) -> std::string {
            return column >= 0 && static_cast<std::size_t>(column) < fields->size()
                       ? (*fields)[static_cast<std::size_t>(column)]
                       : std::string();
        };
        if (field(type) != "Fixation")
            return true;
        const auto fixationNumber = text::parseNumber(field(index));
        if (!fixationNumber || !std::isfinite(*fixationNumber) || std::abs(*fixationNumber) > 1e15 ||
            *fixationNumber != std::floor(*fixationNumber)) {
            failure = Status::parseError("expected a fixation index, found " + text::quoted(field(index)))
                          .atField(where + ", column Eye movement type index");
            return false;
        }
        const auto key = std::make_tuple(field(participant), field(name), field(stimulus));
        auto [found, inserted] = scanpathIndex.try_emplace(key, recording.scanpaths.size());
        if (inserted) {
            Scanpath path;
            std::tie(path.subjectId, path.trialId, path.stimulusId) = key;
            recording.scanpaths.push_back(std::move(path));
        }
        const std::size_t scanpath = found->second;
        const auto fixationKey = std::make_pair(scanpath, static_cast<long long>(*fixationNumber));
        const auto number_ = [&](int column, const char* label) -> std::optional<double> {
            if (column < 0)
                return std::nan("");
            const auto value = text::parseNumber(field(column));
            if (!value)
                failure = Status::parseError("expected a number, found " + text::quoted(field(column)))
                              .atField(where + ", column " + label);
            return value;
        };
        const auto aoiHit = [&] {
            for (std::size_t a = 0; a < aoiColumns.size(); ++a)
                if (text::trim(field(aoiColumns[a])) == "1")
                    return static_cast<int>(a);
            return -1;
        };
        const auto px = number_(x, "Fixation point X");
        const auto py = number_(y, "Fixation point Y");
        const auto ms = number_(duration, "Gaze event duration");
        const auto at = number_(timestamp, "Recording timestamp");
        if (!px || !py || !ms || !at)
            return false;
        std::vector<Fixation>& fixations = recording.scanpaths[scanpath].fixations;
        auto existing = fixationIndex.find(fixationKey);
        if (existing == fixationIndex.end()) {
            Fixation fixation;
            fixation.x = *px;
            fixation.y = *py;
            fixation.durationMs = *ms;
            fixation.startMs = *at * timestampToMs;
            if (std::isfinite(fixation.x) && std::isfinite(fixation.y))
                fixation.aoi = aoiHit();
            fixationIndex.emplace(fixationKey, fixations.size());
            fixations.push_back(fixation);
        } else if (Fixation& fixation = fixations[existing->second];
                   !std::isfinite(fixation.x) && std::isfinite(*px) && std::isfinite(*py)) {
            // Some samples of a fixation lack its point (the first sample, the sensor rows of mobile
            // glasses): the point and the AOI come from the first row that has one.
            fixation.x = *px;
            fixation.y = *py;
            fixation.aoi = aoiHit();
        }
        return true;
    });
    if (!failure.isOk())
        return std::move(failure).inFile(fileName);
    if (header.empty())
        return Status::parseError("the export is empty: no header line").inFile(fileName);
    // Fixations without any position are left out (their samples never carried one).
    for (Scanpath& path : recording.scanpaths)
        std::erase_if(path.fixations,
                      [](const Fixation& f) { return !std::isfinite(f.x) || !std::isfinite(f.y); });
    return recording;
}

} // namespace attnscope::scanpath
