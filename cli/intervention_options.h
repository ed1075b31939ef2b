// SPDX-License-Identifier: Apache-2.0
// The interventions options `evaluate` and `analyze` share: --mask-heads, --calibrate-heads, --act-beta
// and --share-layers, parsed into runtime::Interventions with errors that name the option.
#pragma once

#include "attnscope/analyses/sinks.h"
#include "attnscope/core/expected.h"
#include "attnscope/model/model_config.h"
#include "attnscope/runtime/interventions.h"
#include "sparse_attention_options.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace attnscope::cli {

struct InterventionOptions {
    std::vector<std::string> maskHeads;      ///< "L:H" each
    std::vector<std::string> calibrateHeads; ///< "L:H" or "L:*" each
    double actBeta = 0.4;
    std::vector<std::string> shareLayers;    ///< "FIRST-LAST" each
    const CLI::Option* betaOption = nullptr; ///< set by addInterventionOptions: was --act-beta given?

    bool any() const { return !maskHeads.empty() || !calibrateHeads.empty() || !shareLayers.empty(); }
};

/// ACT's sink rule as options (--act-threshold, --act-alpha, --act-first-sink), for the commands that
/// calibrate with it.
struct ActRuleOptions {
    double threshold = analyses::SinkParameters{}.actAbsolute;
    double alpha = 0; ///< > 0: the paper's relative threshold alpha / N instead
    std::string firstSink = "drop-first";
};

/// Adds the three options to `command`.
void addActRuleOptions(CLI::App& command, ActRuleOptions& options);

/// The sink rule the options describe.
analyses::SinkParameters actRuleFrom(const ActRuleOptions& options);

/// Adds the four options to `command`.
void addInterventionOptions(CLI::App& command, InterventionOptions& options);

/// Checks the options' syntax, so that a typo is reported before a model is loaded.
Status checkInterventionSyntax(const InterventionOptions& options);

/// The interventions on a model of `config`, calibrating with ACT's sink rule `rule` (threshold and
/// first-sink rule), with the sparse-attention methods of `sparse` when given; every error names the
/// option it comes from.
Expected<runtime::Interventions> resolveInterventions(const InterventionOptions& options,
                                                      const analyses::SinkParameters& rule,
                                                      const model::ModelConfig& config,
                                                      const SparseAttentionOptions* sparse = nullptr);

} // namespace attnscope::cli
