// SPDX-License-Identifier: Apache-2.0
#include "intervention_options.h"

#include "attnscope/analyses/act_calibration.h"
#include "option_checks.h"

#include <algorithm>
#include <map>

namespace attnscope::cli {

namespace {

/// The entries of a list option: CLI11 splits at commas, and "1:2, 3:0" in quotes leaves spaces.
std::vector<std::string> specs(const std::vector<std::string>& values) {
    std::vector<std::string> entries;
    for (const std::string& value : values)
        for (std::string& entry : runtime::splitSpecList(value))
            entries.push_back(std::move(entry));
    return entries;
}

/// The runtime names its own fields; the user typed options.
Status asOptionError(const Status& status) {
    static const std::map<std::string, std::string> kOptionOf = {
        {"masked_heads", "--mask-heads"},       {"calibration.heads", "--calibrate-heads"},
        {"calibration.keep", "--act-beta"},     {"calibration", "--calibrate-heads"},
        {"sharing", "--share-layers"},          {"streaming", "--streaming-window"},
        {"sparse_prefill", "--sparse-prefill"}, {"kv_selection", "--kv-policy"}};
    const auto option = kOptionOf.find(status.field());
    return Status::error(status.code(), status.message())
        .atField(option != kOptionOf.end() ? option->second : status.field());
}

} // namespace

void addInterventionOptions(CLI::App& command, InterventionOptions& options) {
    command
        .add_option("--mask-heads", options.maskHeads,
                    "Zero these heads' outputs (LAYER:HEAD, 0-based; repeatable or comma-separated) to "
                    "measure their effect")
        ->delimiter(',');
    command
        .add_option("--calibrate-heads", options.calibrateHeads,
                    "ACT attention calibration on these heads (LAYER:HEAD or LAYER:* for all of a layer; "
                    "repeatable or comma-separated): their sink keys (ACT's rule, --act-threshold/-alpha/"
                    "-first-sink) keep beta of their attention, the rest goes to the other keys")
        ->delimiter(',');
    options.betaOption =
        command
            .add_option("--act-beta", options.actBeta, "ACT's beta: the share of attention a sink key keeps")
            ->check(between(0.0, 1.0))
            ->capture_default_str();
    command
        .add_option("--share-layers", options.shareLayers,
                    "EchoAtt attention sharing, training-free: FIRST-LAST makes layers FIRST+1..LAST reuse "
                    "layer FIRST's attention probabilities (0-based; repeatable or comma-separated)")
        ->delimiter(',');
}

void addActRuleOptions(CLI::App& command, ActRuleOptions& options) {
    command
        .add_option("--act-threshold", options.threshold,
                    "ACT's absolute sink threshold on the mean received attention (code: 0.1)")
        ->check(between(0.0, 1.0))
        ->capture_default_str();
    command
        .add_option("--act-alpha", options.alpha, "Use the relative sink threshold alpha/N instead (paper)")
        ->check(positive())
        ->check(between(0, 1e9));
    command
        .add_option("--act-first-sink", options.firstSink,
                    "drop-first (reference code: token 0 stays uncalibrated), exclude-token0, keep-all")
        ->check(CLI::IsMember({"drop-first", "exclude-token0", "keep-all"}))
        ->capture_default_str();
}

analyses::SinkParameters actRuleFrom(const ActRuleOptions& options) {
    analyses::SinkParameters rule;
    rule.actAbsolute = options.threshold;
    if (options.alpha > 0) {
        rule.actThreshold = analyses::ActThreshold::RelativeAlpha;
        rule.actAlpha = options.alpha;
    }
    rule.actFirstSink =
        analyses::actFirstSinkFromName(options.firstSink).value_or(analyses::ActFirstSink::DropFirst);
    return rule;
}

Status checkInterventionSyntax(const InterventionOptions& options) {
    if (options.betaOption && options.betaOption->count() > 0 && options.calibrateHeads.empty())
        return Status::invalidArgument("beta applies to calibrated heads: give --calibrate-heads too")
            .atField("--act-beta");
    if (auto heads = runtime::parseHeadSpecs(specs(options.maskHeads), false); !heads)
        return std::move(heads).status().atField("--mask-heads");
    if (auto heads = runtime::parseHeadSpecs(specs(options.calibrateHeads), true); !heads)
        return std::move(heads).status().atField("--calibrate-heads");
    if (auto blocks = runtime::parseLayerBlocks(specs(options.shareLayers)); !blocks)
        return std::move(blocks).status().atField("--share-layers");
    return Status::ok();
}

Expected<runtime::Interventions> resolveInterventions(const InterventionOptions& options,
                                                      const analyses::SinkParameters& rule,
                                                      const model::ModelConfig& config,
                                                      const SparseAttentionOptions* sparse) {
    ATTNSCOPE_TRY(checkInterventionSyntax(options));
    runtime::Interventions interventions;
    interventions.maskedHeads = runtime::parseHeadSpecs(specs(options.maskHeads), false).value();
    if (!options.calibrateHeads.empty())
        interventions.calibration = analyses::actCalibration(
            runtime::expandWholeLayers(runtime::parseHeadSpecs(specs(options.calibrateHeads), true).value(),
                                       std::max(0, config.heads)),
            options.actBeta, rule);
    auto sharing = runtime::sharingFromBlocks(runtime::parseLayerBlocks(specs(options.shareLayers)).value());
    if (!sharing)
        return asOptionError(sharing.status());
    interventions.sharing = std::move(sharing).value();
    if (sparse) {
        ATTNSCOPE_TRY(checkSparseAttentionSyntax(*sparse));
        applySparseAttention(*sparse, interventions);
    }
    if (Status status = runtime::checkInterventions(config, interventions); !status.isOk())
        return asOptionError(status);
    return interventions;
}

} // namespace attnscope::cli
