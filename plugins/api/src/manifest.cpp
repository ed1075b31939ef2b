// SPDX-License-Identifier: Apache-2.0
#include "attnscope/plugin/manifest.h"

#include "attnscope/core/json_parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace attnscope::plugin {

namespace {

using Json = nlohmann::json;

const char* typeName(ParameterType type) {
    switch (type) {
    case ParameterType::Bool:
        return "bool";
    case ParameterType::Int:
        return "int";
    case ParameterType::Float:
        return "float";
    case ParameterType::String:
        return "string";
    case ParameterType::Enum:
        return "enum";
    }
    return "unknown";
}

/// Reads a required or optional string member; errors name the key.
Status readString(const Json& object, const char* key, bool required, std::string& out) {
    auto it = object.find(key);
    if (it == object.end())
        return required ? Status::parseError("missing required key").atField(key) : Status::ok();
    if (!it->is_string())
        return Status::parseError(std::string("expected a string, got ") + it->type_name()).atField(key);
    out = it->get<std::string>();
    return Status::ok();
}

Status readStringList(const Json& object, const char* key, std::vector<std::string>& out) {
    auto it = object.find(key);
    if (it == object.end())
        return Status::ok();
    if (!it->is_array())
        return Status::parseError(std::string("expected an array of strings, got ") + it->type_name())
            .atField(key);
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
            return Status::parseError("expected a string")
                .atField(std::string(key) + "[" + std::to_string(i) + "]");
        out.push_back((*it)[i].get<std::string>());
    }
    return Status::ok();
}

bool validId(const std::string& id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
}

bool validVersion(const std::string& version) {
    // MAJOR.MINOR.PATCH with decimal components.
    int dots = 0;
    bool digitSeen = false;
    for (char c : version) {
        if (c == '.') {
            if (!digitSeen)
                return false;
            ++dots;
            digitSeen = false;
        } else if (c >= '0' && c <= '9') {
            digitSeen = true;
        } else {
            return false;
        }
    }
    return dots == 2 && digitSeen;
}

Status readNumber(const Json& object, const char* key, std::optional<double>& out) {
    auto it = object.find(key);
    if (it == object.end())
        return Status::ok();
    if (!it->is_number())
        return Status::parseError(std::string("expected a number, got ") + it->type_name()).atField(key);
    out = it->get<double>();
    return Status::ok();
}

Status checkDefault(const ParameterSpec& spec, const Json& value) {
    switch (spec.type) {
    case ParameterType::Bool:
        if (!value.is_boolean())
            return Status::parseError("expected a boolean default for a bool parameter");
        return Status::ok();
    case ParameterType::Int:
        if (!value.is_number_integer())
            return Status::parseError("expected an integer default for an int parameter");
        break;
    case ParameterType::Float:
        if (!value.is_number())
            return Status::parseError("expected a number default for a float parameter");
        break;
    case ParameterType::String:
        if (!value.is_string())
            return Status::parseError("expected a string default for a string parameter");
        return Status::ok();
    case ParameterType::Enum:
        if (!value.is_string() || std::find(spec.choices.begin(), spec.choices.end(),
                                            value.get<std::string>()) == spec.choices.end())
            return Status::parseError("the default must be one of the parameter's choices");
        return Status::ok();
    }
    const double number = value.get<double>();
    if ((spec.minimum && number < *spec.minimum) || (spec.maximum && number > *spec.maximum))
        return Status::parseError("default " + value.dump() + " lies outside [minimum, maximum]");
    return Status::ok();
}

Status parseParameter(const Json& entry, ParameterSpec& spec) {
    if (!entry.is_object())
        return Status::parseError(std::string("expected an object, got ") + entry.type_name());
    ATTNSCOPE_TRY(readString(entry, "name", true, spec.name));
    if (!validId(spec.name))
        return Status::parseError("'" + spec.name + "' is not a valid name ([a-z0-9._-]+)").atField("name");
    std::string type;
    ATTNSCOPE_TRY(readString(entry, "type", true, type));
    bool known = false;
    for (ParameterType candidate : {ParameterType::Bool, ParameterType::Int, ParameterType::Float,
                                    ParameterType::String, ParameterType::Enum})
        if (type == typeName(candidate)) {
            spec.type = candidate;
            known = true;
        }
    if (!known)
        return Status::parseError("unknown type '" + type + "' (bool, int, float, string, enum)")
            .atField("type");
    ATTNSCOPE_TRY(readString(entry, "description", false, spec.description));
    ATTNSCOPE_TRY(readNumber(entry, "minimum", spec.minimum));
    ATTNSCOPE_TRY(readNumber(entry, "maximum", spec.maximum));
    if (spec.minimum && spec.maximum && *spec.minimum > *spec.maximum)
        return Status::parseError("minimum exceeds maximum").atField("minimum");
    ATTNSCOPE_TRY(readStringList(entry, "choices", spec.choices));
    if (spec.type == ParameterType::Enum && spec.choices.empty())
        return Status::parseError("an enum parameter needs a non-empty list of choices").atField("choices");
    auto value = entry.find("default");
    if (value == entry.end())
        return Status::parseError("missing required key").atField("default");
    ATTNSCOPE_TRY(checkDefault(spec, *value).atField("default"));
    spec.defaultJson = value->dump();
    return Status::ok();
}

Status parseManifestObject(const Json& root, Manifest& manifest) {
    if (!root.is_object())
        return Status::parseError(std::string("the manifest must be a JSON object, got ") + root.type_name());
    ATTNSCOPE_TRY(readString(root, "id", true, manifest.id));
    if (!validId(manifest.id))
        return Status::parseError("'" + manifest.id + "' is not a valid id ([a-z0-9._-]+)").atField("id");
    ATTNSCOPE_TRY(readString(root, "version", true, manifest.version));
    if (!validVersion(manifest.version))
        return Status::parseError("'" + manifest.version + "' is not MAJOR.MINOR.PATCH").atField("version");
    manifest.compatVersion = manifest.version;
    ATTNSCOPE_TRY(readString(root, "compat_version", false, manifest.compatVersion));
    if (!validVersion(manifest.compatVersion))
        return Status::parseError("'" + manifest.compatVersion + "' is not MAJOR.MINOR.PATCH")
            .atField("compat_version");

    std::string family;
    ATTNSCOPE_TRY(readString(root, "family", true, family));
    bool known = false;
    for (Family candidate : {Family::Calibration, Family::Sharing, Family::SparsePrefill, Family::KvPolicy})
        if (family == familyName(candidate)) {
            manifest.family = candidate;
            known = true;
        }
    if (!known)
        return Status::parseError("unknown family '" + family +
                                  "' (calibration, sharing, sparse_prefill, kv_policy)")
            .atField("family");

    manifest.name = manifest.id;
    ATTNSCOPE_TRY(readString(root, "name", false, manifest.name));
    ATTNSCOPE_TRY(readString(root, "description", false, manifest.description));
    ATTNSCOPE_TRY(readStringList(root, "requires", manifest.requirements));
    ATTNSCOPE_TRY(readStringList(root, "dependencies", manifest.dependencies));

    auto parameters = root.find("parameters");
    if (parameters == root.end())
        return Status::ok();
    if (!parameters->is_array())
        return Status::parseError(std::string("expected an array, got ") + parameters->type_name())
            .atField("parameters");
    for (std::size_t i = 0; i < parameters->size(); ++i) {
        ParameterSpec spec;
        ATTNSCOPE_TRY(
            parseParameter((*parameters)[i], spec).atField("parameters[" + std::to_string(i) + "]"));
        for (const ParameterSpec& earlier : manifest.parameters)
            if (earlier.name == spec.name)
                return Status::parseError("duplicate parameter name '" + spec.name + "'")
                    .atField("parameters[" + std::to_string(i) + "].name");
        manifest.parameters.push_back(std::move(spec));
    }
    return Status::ok();
}

} // namespace

const char* familyName(Family family) {
    switch (family) {
    case Family::Calibration:
        return "calibration";
    case Family::Sharing:
        return "sharing";
    case Family::SparsePrefill:
        return "sparse_prefill";
    case Family::KvPolicy:
        return "kv_policy";
    }
    return "unknown";
}

Expected<Manifest> parseManifest(std::string_view json, std::string_view source) {
    // Parse without exceptions: a malformed manifest is input, not a bug.
    bool tooDeep = false;
    const Json root = parseJsonText(json, &tooDeep);
    if (root.is_discarded())
        return Status::parseError(tooDeep ? "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                                          : std::string("not valid JSON"))
            .inFile(source)
            .atField("manifest");
    Manifest manifest;
    Status status = parseManifestObject(root, manifest);
    if (!status.isOk())
        return std::move(status).inFile(source);
    return manifest;
}

} // namespace attnscope::plugin
