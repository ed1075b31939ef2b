// SPDX-License-Identifier: Apache-2.0
// The STI Amazon book-cover visual-search set (Amazon.json).
#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/scanpath_io.h"

namespace attnscope::scanpath {

namespace {

using nlohmann::json;

/// A finite number at `value`, or a ParseError naming `field`.
Status numberAt(const json& value, const std::string& field, double& out) {
    if (!value.is_number())
        return Status::parseError("expected a number").atField(field);
    out = value.get<double>();
    if (!std::isfinite(out))
        return Status::parseError("expected a finite number").atField(field);
    return Status::ok();
}

Status boxFrom(const json& box, const std::string& field, AoiBox& out) {
    if (!box.is_object())
        return Status::parseError("expected an object {xmin, xmax, ymin, ymax}").atField(field);
    for (const auto& [key, target] : {std::pair<const char*, double*>{"xmin", &out.left},
                                      {"xmax", &out.right},
                                      {"ymin", &out.top},
                                      {"ymax", &out.bottom}}) {
        if (!box.contains(key))
            return Status::parseError("missing").atField(field + "." + key);
        if (Status s = numberAt(box[key], field + "." + key, *target); !s.isOk())
            return s;
    }
    if (out.right < out.left || out.bottom < out.top)
        return Status::parseError("the box's max is below its min").atField(field);
    return Status::ok();
}

Status imageFrom(const std::string& name, const json& entry, StiImage& image) {
    image.image = name;
    if (!entry.is_object())
        return Status::parseError("expected an object").atField(name);
    if (!entry.contains("size") || !entry["size"].is_object())
        return Status::parseError("missing or not an object").atField(name + ".size");
    const json& size = entry["size"];
    for (const auto& [key, target] :
         {std::pair<const char*, double*>{"width", &image.width}, {"height", &image.height}}) {
        const std::string field = name + ".size." + key;
        if (!size.contains(key))
            return Status::parseError("missing").atField(field);
        if (Status s = numberAt(size[key], field, *target); !s.isOk())
            return s;
        if (*target <= 0.0)
            return Status::parseError("must be positive").atField(field);
    }
    if (entry.contains("ground_truth")) {
        const json& truth = entry["ground_truth"];
        const std::string field = name + ".ground_truth";
        if (truth.is_object()) {
            AoiBox box;
            if (Status s = boxFrom(truth, field, box); !s.isOk())
                return s;
            image.targets.push_back(box);
        } else if (truth.is_array()) {
            for (std::size_t i = 0; i < truth.size(); ++i) {
                AoiBox box;
                box.id = static_cast<int>(i);
                if (Status s = boxFrom(truth[i], field + "[" + std::to_string(i) + "]", box); !s.isOk())
                    return s;
                image.targets.push_back(box);
            }
        } else {
            return Status::parseError("expected a box or a list of boxes").atField(field);
        }
    }
    if (!entry.contains("fixations") || !entry["fixations"].is_object())
        return Status::parseError("missing or not an object of participants").atField(name + ".fixations");
    for (const auto& [participant, points] : entry["fixations"].items()) {
        const std::string field = name + ".fixations." + participant;
        if (!points.is_array())
            return Status::parseError("expected a list of [x, y]").atField(field);
        Scanpath path;
        path.stimulusId = name;
        path.subjectId = participant;
        path.trialId = name;
        path.screenWidth = image.width;
        path.screenHeight = image.height;
        for (std::size_t k = 0; k < points.size(); ++k) {
            const std::string at = field + "[" + std::to_string(k) + "]";
            if (!points[k].is_array() || points[k].size() < 2)
                return Status::parseError("expected [x, y]").atField(at);
            Fixation f;
            if (Status s = numberAt(points[k][0], at + "[0]", f.x); !s.isOk())
                return s;
            if (Status s = numberAt(points[k][1], at + "[1]", f.y); !s.isOk())
                return s;
            path.fixations.push_back(f);
        }
        image.scanpaths.push_back(std::move(path));
    }
    return Status::ok();
}

} // namespace

Expected<std::vector<StiImage>> parseStiAmazon(std::string_view content, const std::string& fileName) {
    bool tooDeep = false;
    const json document = parseJsonText(content, &tooDeep);
    if (document.is_discarded())
        return Status::parseError(tooDeep ? "nested too deeply" : "not valid JSON").inFile(fileName);
    if (!document.is_object())
        return Status::parseError("expected an object of images").inFile(fileName);
    std::vector<StiImage> images;
    for (const auto& [name, entry] : document.items()) {
        StiImage image;
        if (Status s = imageFrom(name, entry, image); !s.isOk())
            return std::move(s).inFile(fileName);
        images.push_back(std::move(image));
    }
    if (images.empty())
        return Status::parseError("no images").inFile(fileName);
    return images;
}

Expected<std::vector<StiImage>> readStiAmazon(const std::string& path) {
    auto content = readWholeFile(path);
    if (!content)
        return content.status();
    return parseStiAmazon(*content, path);
}

} // namespace attnscope::scanpath
