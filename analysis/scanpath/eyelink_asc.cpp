// SPDX-License-Identifier: Apache-2.0
// EyeLink ASC (edf2asc output): EFIX events, START/END blocks, TRIALID, DISPLAY_COORDS and interest areas.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "text_fields.h"

#include <array>

namespace attnscope::scanpath {

namespace {

Eye eyeFrom(std::string_view field) {
    if (field == "L")
        return Eye::Left;
    if (field == "R")
        return Eye::Right;
    return Eye::Unknown;
}

/// The message words after "MSG <time> [offset]".
std::vector<std::string_view> messageWords(const std::vector<std::string_view>& fields) {
    std::size_t first = 2;
    // An optional integer offset sits between the time and the text.
    if (fields.size() > 3 && text::parseNumber(fields[2]).has_value() &&
        !std::isnan(*text::parseNumber(fields[2])))
        first = 3;
    return {fields.begin() + static_cast<std::ptrdiff_t>(std::min(first, fields.size())), fields.end()};
}

} // namespace

Expected<AscRecording> parseEyeLinkAsc(std::string_view content, const std::string& fileName, Eye eye) {
    AscRecording recording;
    Status failure;
    bool inBlock = false;
    Eye blockEye = eye;
    std::string trialId;
    double screenWidth = 0.0, screenHeight = 0.0;
    std::vector<AoiBox> areas;
    Scanpath current;

    const auto openBlock = [&] {
        inBlock = true;
        blockEye = eye;
        current = Scanpath{};
        areas.clear();
    };
    const auto closeBlock = [&] {
        current.trialId = trialId.empty() ? std::to_string(recording.scanpaths.size() + 1) : trialId;
        current.screenWidth = screenWidth;
        current.screenHeight = screenHeight;
        recording.scanpaths.push_back(std::move(current));
        recording.interestAreas.push_back(std::move(areas));
        current = Scanpath{};
        areas.clear();
        trialId.clear();
        inBlock = false;
    };

    text::forEachLine(content, [&](int number, std::string_view line) {
        const auto fields = text::splitWhitespace(line);
        if (fields.empty())
            return true;
        const std::string where = "line " + std::to_string(number);
        const std::string_view kind = fields[0];
        const auto numberAt = [&](std::size_t index, const char* name, double& value) {
            const auto parsed = text::parseNumber(fields[index]);
            if (!parsed) {
                failure = Status::parseError("expected a number, found " + text::quoted(fields[index]))
                              .atField(where + ", " + std::string(kind) + " " + name);
                return false;
            }
            value = *parsed;
            return true;
        };
        if (kind == "START") {
            if (inBlock)
                closeBlock(); // a block without END: keep what it had
            openBlock();
        } else if (kind == "END") {
            if (inBlock)
                closeBlock();
        } else if (kind == "EFIX") {
            // EFIX <eye> <start> <end> <duration> <x> <y> <pupil> [<xres> <yres>]
            if (fields.size() < 7) {
                failure = Status::parseError("an EFIX event needs eye, start, end, duration, x and y")
                              .atField(where);
                return false;
            }
            Fixation f;
            double end = 0.0;
            f.eye = eyeFrom(fields[1]);
            if (!numberAt(2, "start", f.startMs) || !numberAt(3, "end", end) ||
                !numberAt(4, "duration", f.durationMs) || !numberAt(5, "x", f.x) || !numberAt(6, "y", f.y))
                return false;
            if (f.durationMs < 0.0) {
                failure = Status::parseError("a fixation cannot last a negative time")
                              .atField(where + ", EFIX duration");
                return false;
            }
            if (!inBlock)
                openBlock();
            if (blockEye == Eye::Unknown)
                blockEye = f.eye;
            if (f.eye != blockEye || std::isnan(f.x) || std::isnan(f.y))
                return true;
            current.fixations.push_back(f);
        } else if (kind == "MSG" && fields.size() >= 3) {
            const auto words = messageWords(fields);
            if (words.size() >= 2 && words[0] == "TRIALID") {
                trialId = std::string(words[1]);
            } else if (words.size() >= 5 && words[0] == "DISPLAY_COORDS") {
                double left = 0, top = 0, right = 0, bottom = 0;
                const auto value = [&](std::size_t i, double& v) {
                    const auto parsed = text::parseNumber(words[i]);
                    if (!parsed || std::isnan(*parsed)) {
                        failure = Status::parseError("expected a number, found " + text::quoted(words[i]))
                                      .atField(where + ", DISPLAY_COORDS");
                        return false;
                    }
                    v = *parsed;
                    return true;
                };
                if (!value(1, left) || !value(2, top) || !value(3, right) || !value(4, bottom))
                    return false;
                screenWidth = right - left + 1.0;
                screenHeight = bottom - top + 1.0;
            } else if (words.size() >= 3 && words[0] == "!V" && words[1] == "IAREA" &&
                       words[2] == "RECTANGLE") {
                // !V IAREA RECTANGLE <id> <left> <top> <right> <bottom> [label]
                if (words.size() < 8) {
                    failure = Status::parseError("an interest area needs id, left, top, right and bottom")
                                  .atField(where + ", IAREA RECTANGLE");
                    return false;
                }
                AoiBox box;
                double id = 0;
                const std::array<double*, 5> targets{&id, &box.left, &box.top, &box.right, &box.bottom};
                for (std::size_t i = 0; i < targets.size(); ++i) {
                    const auto parsed = text::parseNumber(words[3 + i]);
                    if (!parsed || std::isnan(*parsed)) {
                        failure = Status::parseError("expected a number, found " + text::quoted(words[3 + i]))
                                      .atField(where + ", IAREA RECTANGLE");
                        return false;
                    }
                    *targets[i] = *parsed;
                }
                if (id < -1e9 || id > 1e9) {
                    failure = Status::parseError("interest area id out of range")
                                  .atField(where + ", IAREA RECTANGLE");
                    return false;
                }
                box.id = static_cast<int>(id);
                for (std::size_t i = 8; i < words.size(); ++i)
                    box.label += (box.label.empty() ? "" : " ") + std::string(words[i]);
                areas.push_back(std::move(box));
            }
        }
        return true;
    });
    if (!failure.isOk())
        return std::move(failure).inFile(fileName);
    if (inBlock)
        closeBlock();
    if (recording.scanpaths.empty())
        return Status::parseError(
                   "no EFIX events: is this an EyeLink ASC file with events (edf2asc without -s)?")
            .inFile(fileName);
    return recording;
}

Expected<AscRecording> readEyeLinkAsc(const std::string& path, Eye eye) {
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    return parseEyeLinkAsc(*content, path, eye);
}

} // namespace attnscope::scanpath
