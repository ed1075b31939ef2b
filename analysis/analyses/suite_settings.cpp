// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/suite_settings.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>
#include <utility>

namespace attnscope::analyses {

namespace {

using Json = nlohmann::json;

/// One key: how to read it from the options and how to check and set it.
struct Setting {
    std::string key;
    std::function<Json(const SuiteOptions&)> get;
    /// Checks `value` and sets it; the message says what the value must be (the caller names the key).
    std::function<Status(const Json&, SuiteOptions&)> set;
};

std::string rangeText(double low, double high) {
    Json bounds = Json::array({low, high});
    return bounds.dump(); // "[0.0,1.0]" reads as the interval
}

bool isInteger(const Json& value) {
    return value.is_number_integer() || (value.is_number_float() && std::isfinite(value.get<double>()) &&
                                         value.get<double>() == std::floor(value.get<double>()));
}

Status checkInt(const Json& value, long long low, long long high, long long& out) {
    if (!isInteger(value) || value.get<double>() < static_cast<double>(low) ||
        value.get<double>() > static_cast<double>(high))
        return Status::invalidArgument("must be an integer from " + std::to_string(low) + " to " +
                                       std::to_string(high) + ", not " + value.dump());
    out = value.is_number_float() ? static_cast<long long>(value.get<double>()) : value.get<long long>();
    return Status::ok();
}

Status checkDouble(const Json& value, double low, double high, double& out) {
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < low ||
        value.get<double>() > high)
        return Status::invalidArgument("must be a number in " + rangeText(low, high) + ", not " +
                                       value.dump());
    out = value.get<double>();
    return Status::ok();
}

template <typename Access>
Setting intSetting(std::string key, Access access, long long low, long long high) {
    return {std::move(key), [access](const SuiteOptions& o) { return Json(access(o)); },
            [access, low, high](const Json& value, SuiteOptions& o) {
                long long n = 0;
                ATTNSCOPE_TRY(checkInt(value, low, high, n));
                access(o) = static_cast<std::remove_reference_t<decltype(access(o))>>(n);
                return Status::ok();
            }};
}

template <typename Access>
Setting doubleSetting(std::string key, Access access, double low, double high) {
    return {std::move(key), [access](const SuiteOptions& o) { return Json(access(o)); },
            [access, low, high](const Json& value, SuiteOptions& o) {
                double x = 0;
                ATTNSCOPE_TRY(checkDouble(value, low, high, x));
                access(o) = x;
                return Status::ok();
            }};
}

template <typename Access>
Setting boolSetting(std::string key, Access access) {
    return {std::move(key), [access](const SuiteOptions& o) { return Json(access(o)); },
            [access](const Json& value, SuiteOptions& o) {
                if (!value.is_boolean())
                    return Status::invalidArgument("must be true or false, not " + value.dump());
                access(o) = value.get<bool>();
                return Status::ok();
            }};
}

template <typename Access>
Setting stringSetting(std::string key, Access access) {
    return {std::move(key), [access](const SuiteOptions& o) { return Json(access(o)); },
            [access](const Json& value, SuiteOptions& o) {
                if (!value.is_string())
                    return Status::invalidArgument("must be a string, not " + value.dump());
                access(o) = value.get<std::string>();
                return Status::ok();
            }};
}

/// A list whose every item `check` converts (or refuses, saying what it must be); `allowEmpty` false
/// refuses [] (what the command line cannot give, and what would leave nothing to compute).
template <typename T, typename Access, typename Check>
Setting listSetting(std::string key, Access access, const char* items, bool allowEmpty, Check check) {
    return {std::move(key), [access](const SuiteOptions& o) { return Json(access(o)); },
            [access, items, allowEmpty, check](const Json& value, SuiteOptions& o) {
                if (!value.is_array() || (!allowEmpty && value.empty()))
                    return Status::invalidArgument(
                        std::string(allowEmpty ? "must be a list of " : "must be a non-empty list of ") +
                        items + ", not " + value.dump());
                std::vector<T> list;
                for (const Json& item : value) {
                    T converted{};
                    ATTNSCOPE_TRY(check(item, converted));
                    list.push_back(std::move(converted));
                }
                access(o) = std::move(list);
                return Status::ok();
            }};
}

template <typename Access>
Setting intListSetting(std::string key, Access access, int low, int high) {
    return listSetting<int>(std::move(key), access, "integers", false,
                            [low, high](const Json& item, int& out) {
                                long long n = 0;
                                ATTNSCOPE_TRY(checkInt(item, low, high, n));
                                out = static_cast<int>(n);
                                return Status::ok();
                            });
}

template <typename Access>
Setting doubleListSetting(std::string key, Access access, double low, double high) {
    return listSetting<double>(
        std::move(key), access, "numbers", false,
        [low, high](const Json& item, double& out) { return checkDouble(item, low, high, out); });
}

/// Strings, possibly none (the generated prompts' needles, questions and answers are none by default).
template <typename Access>
Setting stringListSetting(std::string key, Access access) {
    return listSetting<std::string>(
        std::move(key), access, "strings", true, [](const Json& item, std::string& out) {
            if (!item.is_string())
                return Status::invalidArgument("must be a string, not " + item.dump());
            out = item.get<std::string>();
            return Status::ok();
        });
}

constexpr int kMaxInt = std::numeric_limits<int>::max();
/// Thresholds past this mean nothing (the command line refuses them too).
constexpr double kMaxThreshold = 1e9;

/// The table, in the analyze command's order of options. Ranges are the command's checks.
std::vector<Setting> makeSettings() {
    std::vector<Setting> s;
    s.push_back({"analyses", [](const SuiteOptions& o) { return Json(o.analyses); },
                 [](const Json& value, SuiteOptions& o) {
                     if (!value.is_string())
                         return Status::invalidArgument("must be a comma-separated string, not " +
                                                        value.dump());
                     auto named = suiteAnalyses(value.get<std::string>());
                     if (!named)
                         return Status::invalidArgument(named.status().message());
                     o.analyses = value.get<std::string>();
                     return Status::ok();
                 }});
    s.push_back(intSetting(
        "layers_per_block", [](auto& o) -> auto& { return o.similarity.layersPerBlock; }, 1, 1024));
    s.push_back(doubleSetting(
        "flex_gamma", [](auto& o) -> auto& { return o.sparsity.flexGamma; }, 0.0, 1.0));
    s.push_back(doubleSetting(
        "flex_tau", [](auto& o) -> auto& { return o.sparsity.flexTau; }, 0.0, kMaxThreshold));
    s.push_back(intSetting(
        "flex_min_budget", [](auto& o) -> auto& { return o.sparsity.flexMinBudget; }, 0, kMaxInt));
    s.push_back(doubleSetting(
        "anchor_theta", [](auto& o) -> auto& { return o.sparsity.anchorTheta; }, 0.0, kMaxThreshold));
    s.push_back(intSetting(
        "decode_rows", [](auto& o) -> auto& { return o.sparsity.decodeRows; }, 0, kMaxInt));
    s.push_back(intListSetting(
        "snap_capacities", [](auto& o) -> auto& { return o.sparsity.snapCapacities; }, 1, kMaxInt));
    s.push_back(boolSetting(
        "snap_max_pool", [](auto& o) -> auto& { return o.sparsity.snapMaxPool; }));
    s.push_back(intListSetting(
        "tokenselect_budgets", [](auto& o) -> auto& { return o.sparsity.tokenSelectBudgets; }, 1, kMaxInt));
    s.push_back(boolSetting(
        "tokenselect_modulo_kv", [](auto& o) -> auto& { return o.sparsity.tokenSelectModuloKvHead; }));
    s.push_back(intSetting(
        "razor_span", [](auto& o) -> auto& { return o.razorProbe.span; }, 0, kMaxInt));
    s.push_back(intSetting(
        "razor_repeats", [](auto& o) -> auto& { return o.razorProbe.repeats; }, 2, 64));
    s.push_back(doubleSetting(
        "induction_ratio", [](auto& o) -> auto& { return o.razor.inductionRatio; }, 0.0, 1.0));
    s.push_back(doubleSetting(
        "echo_ratio", [](auto& o) -> auto& { return o.razor.echoRatio; }, 0.0, 1.0));
    s.push_back(
        {"seed", [](const SuiteOptions& o) { return Json(o.seed); },
         [](const Json& value, SuiteOptions& o) {
             if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)) {
                 o.seed = value.is_number_unsigned() ? value.get<uint64_t>()
                                                     : static_cast<uint64_t>(value.get<int64_t>());
                 return Status::ok();
             }
             // 5.0 is 5, as for the other integers; 2^64 and above do not fit.
             if (!isInteger(value) || value.get<double>() < 0 ||
                 value.get<double>() >= 18446744073709551616.0)
                 return Status::invalidArgument("must be an integer from 0 to 2^64 - 1, not " + value.dump());
             o.seed = static_cast<uint64_t>(value.get<double>());
             return Status::ok();
         }});
    s.push_back(stringSetting(
        "haystack", [](auto& o) -> auto& { return o.haystack; }));
    s.push_back(stringListSetting(
        "needle", [](auto& o) -> auto& { return o.needleTexts; }));
    s.push_back(stringListSetting(
        "question", [](auto& o) -> auto& { return o.questions; }));
    s.push_back(stringListSetting(
        "answer", [](auto& o) -> auto& { return o.answers; }));
    s.push_back(intListSetting(
        "lengths", [](auto& o) -> auto& { return o.lengths; }, 1, kMaxInt));
    s.push_back(doubleListSetting(
        "depths", [](auto& o) -> auto& { return o.depths; }, 0.0, 1.0));
    s.push_back(intSetting(
        "duo_sink", [](auto& o) -> auto& { return o.duo.sinkTokens; }, 0, kMaxInt));
    s.push_back(intSetting(
        "duo_recent", [](auto& o) -> auto& { return o.duo.recentTokens; }, 0, kMaxInt));
    s.push_back(stringSetting(
        "duo_gates", [](auto& o) -> auto& { return o.duoGates; }));
    s.push_back(stringSetting(
        "needles", [](auto& o) -> auto& { return o.needles; }));
    s.push_back(intSetting(
        "sink_tokens", [](auto& o) -> auto& { return o.sinks.sinkTokens; }, 0, kMaxInt));
    s.push_back(intSetting(
        "window", [](auto& o) -> auto& { return o.sinks.window; }, 0, kMaxInt));
    s.push_back(doubleSetting(
        "act_threshold", [](auto& o) -> auto& { return o.sinks.actAbsolute; }, 0.0, 1.0));
    s.push_back({"act_alpha",
                 [](const SuiteOptions& o) {
                     return Json(o.sinks.actThreshold == ActThreshold::RelativeAlpha ? o.sinks.actAlpha
                                                                                     : 0.0);
                 },
                 [](const Json& value, SuiteOptions& o) {
                     double alpha = 0;
                     ATTNSCOPE_TRY(checkDouble(value, 0.0, kMaxThreshold, alpha));
                     // 0: the absolute threshold (the reference code); above: α/N (the paper).
                     o.sinks.actThreshold = alpha > 0 ? ActThreshold::RelativeAlpha : ActThreshold::Absolute;
                     if (alpha > 0)
                         o.sinks.actAlpha = alpha;
                     return Status::ok();
                 }});
    s.push_back({"act_first_sink",
                 [](const SuiteOptions& o) { return Json(actFirstSinkName(o.sinks.actFirstSink)); },
                 [](const Json& value, SuiteOptions& o) {
                     if (const auto rule = value.is_string() ? actFirstSinkFromName(value.get<std::string>())
                                                             : std::nullopt) {
                         o.sinks.actFirstSink = *rule;
                         return Status::ok();
                     }
                     return Status::invalidArgument(
                         "must be \"drop-first\", \"exclude-token0\" or \"keep-all\", not " + value.dump());
                 }});
    return s;
}

const std::vector<Setting>& settings() {
    static const std::vector<Setting> table = makeSettings();
    return table;
}

} // namespace

nlohmann::json suiteSettingsToJson(const SuiteOptions& options) {
    Json out = Json::object();
    for (const Setting& setting : settings())
        out[setting.key] = setting.get(options);
    return out;
}

Status applySuiteSettings(const nlohmann::json& values, SuiteOptions& options, const std::string& source) {
    if (!values.is_object())
        return Status::invalidArgument("analysis settings must be a JSON object, not " +
                                       std::string(values.type_name()))
            .inFile(source);
    SuiteOptions changed = options;
    for (const auto& [key, value] : values.items()) {
        const Setting* setting = nullptr;
        for (const Setting& candidate : settings())
            if (candidate.key == key)
                setting = &candidate;
        if (!setting)
            return Status::invalidArgument(
                       "unknown analysis setting (known: " + Json(suiteSettingKeys()).dump() + ")")
                .inFile(source)
                .atField(key);
        Status status = setting->set(value, changed);
        if (!status.isOk())
            return std::move(status).inFile(source).atField(key);
    }
    options = std::move(changed);
    return Status::ok();
}

Expected<nlohmann::json> parseSuiteSettings(std::string_view text, const std::string& source) {
    bool tooDeep = false;
    Json json = parseJsonText(text, &tooDeep);
    if (json.is_discarded())
        return Status::parseError(tooDeep
                                      ? "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep"
                                      : "not valid JSON")
            .inFile(source);
    if (!json.is_object())
        return Status::invalidArgument("analysis settings must be a JSON object, not " +
                                       std::string(json.type_name()))
            .inFile(source);
    return json;
}

Expected<nlohmann::json> readSuiteSettingsFile(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
    return parseSuiteSettings(text, path);
}

const std::vector<std::string>& suiteSettingKeys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> list;
        for (const Setting& setting : settings())
            list.push_back(setting.key);
        return list;
    }();
    return keys;
}

} // namespace attnscope::analyses
