// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/coco_search.h"

#include "attnscope/core/json_parse.h"

#include <cmath>

namespace attnscope::scanpath {

namespace {

using nlohmann::json;

/// The finite numbers of list `key` of `trial`, or a ParseError naming `field`.
Status numbersAt(const json& trial, const char* key, const std::string& field, std::vector<double>& out) {
    const json& list = trial[key];
    if (!list.is_array())
        return Status::parseError("expected a list of numbers").atField(field);
    out.clear();
    for (std::size_t k = 0; k < list.size(); ++k) {
        if (!list[k].is_number() || !std::isfinite(list[k].get<double>()))
            return Status::parseError("expected a finite number")
                .atField(field + "[" + std::to_string(k) + "]");
        out.push_back(list[k].get<double>());
    }
    return Status::ok();
}

/// A string field, or a number written as text (COCO-Search18's subjects are numbers).
Status textAt(const json& trial, const char* key, const std::string& field, std::string& out) {
    if (!trial.contains(key))
        return Status::ok();
    const json& value = trial[key];
    if (value.is_string())
        out = value.get<std::string>();
    else if (value.is_number_unsigned())
        out = std::to_string(value.get<unsigned long long>());
    else if (value.is_number_integer())
        out = std::to_string(value.get<long long>());
    else
        return Status::parseError("expected a string or an integer").atField(field);
    return Status::ok();
}

Status trialFrom(const json& entry, const std::string& at, SearchTrial& trial) {
    if (!entry.is_object())
        return Status::parseError("expected an object").atField(at);
    for (const char* key : {"name", "X", "Y"})
        if (!entry.contains(key))
            return Status::parseError("missing").atField(at + "." + key);
    if (!entry["name"].is_string())
        return Status::parseError("expected the image's name").atField(at + ".name");
    Scanpath& path = trial.scanpath;
    path.stimulusId = entry["name"].get<std::string>();
    ATTNSCOPE_TRY(textAt(entry, "subject", at + ".subject", path.subjectId));
    ATTNSCOPE_TRY(textAt(entry, "task", at + ".task", trial.task));
    ATTNSCOPE_TRY(textAt(entry, "condition", at + ".condition", trial.condition));
    path.trialId = trial.task + "/" + trial.condition;
    // COCO-Search18 showed every image at 1680 × 1050 (Chen et al. 2021): the positions are in that frame.
    path.screenWidth = kCocoSearchWidth;
    path.screenHeight = kCocoSearchHeight;
    std::vector<double> xs, ys, ts;
    ATTNSCOPE_TRY(numbersAt(entry, "X", at + ".X", xs));
    ATTNSCOPE_TRY(numbersAt(entry, "Y", at + ".Y", ys));
    if (ys.size() != xs.size())
        return Status::parseError("has " + std::to_string(ys.size()) + " values; X has " +
                                  std::to_string(xs.size()))
            .atField(at + ".Y");
    if (entry.contains("T")) {
        ATTNSCOPE_TRY(numbersAt(entry, "T", at + ".T", ts));
        if (ts.size() != xs.size())
            return Status::parseError("has " + std::to_string(ts.size()) + " values; X has " +
                                      std::to_string(xs.size()))
                .atField(at + ".T");
        for (std::size_t k = 0; k < ts.size(); ++k)
            if (ts[k] < 0.0)
                return Status::parseError("a negative duration")
                    .atField(at + ".T[" + std::to_string(k) + "]");
    }
    double start = 0.0;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        Fixation f;
        f.x = xs[k];
        f.y = ys[k];
        if (!ts.empty()) {
            f.startMs = start; // from the trial's first fixation: the file has no clock
            f.durationMs = ts[k];
            start += ts[k];
            if (!std::isfinite(start))
                return Status::parseError("the durations add up past any clock")
                    .atField(at + ".T[" + std::to_string(k) + "]");
        }
        path.fixations.push_back(f);
    }
    if (entry.contains("bbox")) {
        std::vector<double> box;
        ATTNSCOPE_TRY(numbersAt(entry, "bbox", at + ".bbox", box));
        if (box.size() != 4 || box[2] < 0.0 || box[3] < 0.0)
            return Status::parseError("expected [x, y, width, height] with a non-negative size")
                .atField(at + ".bbox");
        AoiBox target;
        target.left = box[0];
        target.top = box[1];
        target.right = box[0] + box[2];
        target.bottom = box[1] + box[3];
        target.label = trial.task;
        trial.target.push_back(target);
    }
    return Status::ok();
}

} // namespace

bool looksLikeCocoSearch(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3); // a byte-order mark, which the JSON parser skips too
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && text[first] == '[';
}

Expected<std::vector<SearchTrial>> parseCocoSearch(std::string_view content, const std::string& fileName) {
    bool tooDeep = false;
    const json document = parseJsonText(content, &tooDeep);
    if (document.is_discarded())
        return Status::parseError(tooDeep ? "nested too deeply" : "not valid JSON").inFile(fileName);
    if (!document.is_array())
        return Status::parseError("expected a list of trials").inFile(fileName);
    std::vector<SearchTrial> trials;
    for (std::size_t i = 0; i < document.size(); ++i) {
        SearchTrial trial;
        if (Status s = trialFrom(document[i], "[" + std::to_string(i) + "]", trial); !s.isOk())
            return std::move(s).inFile(fileName);
        trials.push_back(std::move(trial));
    }
    if (trials.empty())
        return Status::parseError("no trials").inFile(fileName);
    return trials;
}

} // namespace attnscope::scanpath
