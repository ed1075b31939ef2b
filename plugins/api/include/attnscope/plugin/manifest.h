// SPDX-License-Identifier: Apache-2.0
// Plugin manifests: identity, family and the parameter schema the studio builds controls from.
#pragma once

#include "attnscope/core/expected.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::plugin {

enum class Family { Calibration, Sharing, SparsePrefill, KvPolicy };

/// "calibration", "sharing", "sparse_prefill", "kv_policy".
const char* familyName(Family family);

enum class ParameterType { Bool, Int, Float, String, Enum };

/// One tunable parameter. Numeric ranges are inclusive; `choices` is filled for Enum.
struct ParameterSpec {
    std::string name;
    ParameterType type = ParameterType::Float;
    std::string description;
    std::optional<double> minimum;
    std::optional<double> maximum;
    std::vector<std::string> choices;
    /// Default as JSON text ("0.1", "true", "\"sink\"").
    std::string defaultJson;
};

/// A parsed, validated manifest.
struct Manifest {
    std::string id;            ///< reverse-DNS-like identifier, [a-z0-9._-]+
    std::string version;       ///< semantic version of the plugin
    std::string compatVersion; ///< oldest version whose stored runs this one reproduces
    Family family = Family::Calibration;
    std::string name;
    std::string description;
    std::vector<std::string> requirements; ///< "requires": capabilities, e.g. "cuda"
    std::vector<std::string> dependencies; ///< other plugin ids
    std::vector<ParameterSpec> parameters;
};

/// Parses and validates a manifest. `source` names where it came from (a file or a library) and
/// prefixes every error, whose field names the offending key ("parameters[1].minimum").
Expected<Manifest> parseManifest(std::string_view json, std::string_view source);

} // namespace attnscope::plugin
