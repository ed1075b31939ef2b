// SPDX-License-Identifier: Apache-2.0
#include "sparse_attention_options.h"

#include "attnscope/analyses/sparse_interventions.h"
#include "option_checks.h"

namespace attnscope::cli {

void addSparseAttentionOptions(CLI::App& command, SparseAttentionOptions& options) {
    command
        .add_option("--streaming-window", options.streamingWindow,
                    "StreamingLLM attention in every layer, prefill and decoding: each token sees the first "
                    "--streaming-sinks tokens and its own last W tokens (itself included)")
        ->check(CLI::Range(1, 1 << 24));
    options.streamingParameters = {
        command
            .add_option("--streaming-sinks", options.streamingSinks,
                        "StreamingLLM: attention-sink tokens every token keeps seeing (0: a plain window)")
            ->check(CLI::Range(0, 1 << 24))
            ->capture_default_str()};
    command
        .add_option("--sparse-prefill", options.sparsePrefill,
                    "Run the prefill under a sparse method's masks (decoding stays dense): flexprefill")
        ->check(CLI::IsMember({"flexprefill"}));
    options.flexParameters = {
        command
            .add_option("--flex-gamma", options.flex.flexGamma,
                        "FlexPrefill: cumulative attention its budgets cover")
            ->check(between(0.0, 1.0))
            ->capture_default_str(),
        command
            .add_option("--flex-tau", options.flex.flexTau, "FlexPrefill: query-aware pattern threshold tau")
            ->check(between(0, 1e9))
            ->capture_default_str(),
        command.add_option("--flex-block", options.flex.flexBlock, "FlexPrefill: block size (tokens)")
            ->check(CLI::Range(1, 1 << 16))
            ->capture_default_str(),
        command
            .add_option("--flex-min-budget", options.flex.flexMinBudget, "FlexPrefill: min_budget (tokens)")
            ->check(CLI::Range(0, 1 << 24))
            ->capture_default_str(),
        command
            .add_option("--flex-max-budget", options.flex.flexMaxBudget,
                        "FlexPrefill: max_budget (tokens; 0: none)")
            ->check(CLI::Range(0, 1 << 24))
            ->capture_default_str()};
    command
        .add_option(
            "--kv-policy", options.kvPolicy,
            "After the prompt, keep only the keys a KV-cache policy selects (the prefill stays dense): "
            "snapkv")
        ->check(CLI::IsMember({"snapkv"}));
    options.snapParameters = {
        command.add_option("--snap-capacity", options.snapCapacity, "SnapKV: prompt keys kept per head")
            ->check(CLI::Range(1, 1 << 24))
            ->capture_default_str(),
        command
            .add_option("--snap-window", options.snapWindow,
                        "SnapKV: observation window (the prompt's last tokens, always kept)")
            ->check(CLI::Range(1, 1 << 24))
            ->capture_default_str(),
        command.add_option("--snap-kernel", options.snapKernel, "SnapKV: pooling kernel over the votes")
            ->check(CLI::Range(1, 1 << 16))
            ->capture_default_str(),
        command.add_flag("--snap-max-pool", options.snapMaxPool,
                         "SnapKV: max pooling (LongBench configs) instead of average (code default)")};
}

Status checkSparseAttentionSyntax(const SparseAttentionOptions& options) {
    auto refuseWithout = [](const std::vector<const CLI::Option*>& parameters, bool method,
                            const std::string& needed) {
        for (const CLI::Option* option : parameters)
            if (option && option->count() > 0 && !method)
                return Status::invalidArgument("applies to " + needed + ": give it too")
                    .atField(option->get_name());
        return Status::ok();
    };
    ATTNSCOPE_TRY(
        refuseWithout(options.streamingParameters, options.streamingWindow > 0, "--streaming-window"));
    ATTNSCOPE_TRY(refuseWithout(options.flexParameters, !options.sparsePrefill.empty(), "--sparse-prefill"));
    ATTNSCOPE_TRY(refuseWithout(options.snapParameters, !options.kvPolicy.empty(), "--kv-policy"));
    if (!options.sparsePrefill.empty() && options.flex.flexMaxBudget > 0 &&
        options.flex.flexMaxBudget < options.flex.flexMinBudget)
        return Status::invalidArgument("the maximum budget (" + std::to_string(options.flex.flexMaxBudget) +
                                       ") is below the minimum budget (" +
                                       std::to_string(options.flex.flexMinBudget) + ")")
            .atField("--flex-max-budget");
    if (!options.kvPolicy.empty() && options.snapWindow >= options.snapCapacity)
        return Status::invalidArgument("the observation window (" + std::to_string(options.snapWindow) +
                                       ") must be smaller than the capacity (" +
                                       std::to_string(options.snapCapacity) + ")")
            .atField("--snap-window");
    return Status::ok();
}

void applySparseAttention(const SparseAttentionOptions& options, runtime::Interventions& interventions) {
    if (options.streamingWindow > 0)
        interventions.streaming =
            runtime::StreamingAttention{options.streamingSinks, options.streamingWindow};
    if (options.sparsePrefill == "flexprefill")
        interventions.sparsePrefill = analyses::flexPrefillIntervention(options.flex);
    if (options.kvPolicy == "snapkv")
        interventions.kvSelection = analyses::snapKvIntervention(options.snapCapacity, options.snapWindow,
                                                                 options.snapKernel, options.snapMaxPool);
}

} // namespace attnscope::cli
