// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli bench attention --heads 32 --kv-heads 8 --dim 128 --len 4096 [--causal]
//      [--dtype f32|bf16|f16] [--device cpu|cuda] [--modes plain,stats,full,torch] [--repeats N]
//      [--threads T] [--json [OUT]]`
// Measures this machine: every mode in the same run, so the ratios between them are meaningful.
#include "commands.h"

#include "../json_output.h"
#include "attnscope/runtime/attention_benchmark.h"

#include <cstdio>
#include <iostream>

namespace attnscope::cli {

namespace {

struct BenchOptions {
    runtime::AttentionBenchConfig config;
    std::string dtype = "f32";
    std::string device = "cpu";
    std::string modes = "plain,stats,full,torch";
};

std::vector<std::string> splitCommas(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty())
            parts.push_back(part);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return parts;
}

Expected<nlohmann::json> execute(BenchOptions options) {
    runtime::AttentionBenchConfig& c = options.config;
    c.dtype = options.dtype == "bf16"  ? kernels::DType::BF16
              : options.dtype == "f16" ? kernels::DType::F16
                                       : kernels::DType::F32;
    c.backend = options.device == "cuda" ? kernels::Backend::Cuda : kernels::Backend::Cpu;
    c.modes = splitCommas(options.modes);
    if (c.backend == kernels::Backend::Cuda)
        std::erase(c.modes, std::string("torch")); // the LibTorch baseline here is CPU-only
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<runtime::AttentionBenchMode> modes,
                               runtime::benchmarkAttention(c));
    nlohmann::json document;
    document["config"] = {{"batch", c.batch},
                          {"heads", c.heads},
                          {"kv_heads", c.kvHeads},
                          {"dim", c.headDim},
                          {"len", c.length},
                          {"causal", c.causal},
                          {"dtype", options.dtype},
                          {"device", options.device},
                          {"repeats", c.repeats},
                          {"threads", kernels::cpuThreads()},
                          {"flops", runtime::attentionFlops(c)}};
    document["modes"] = nlohmann::json::object();
    double plain = 0;
    for (const auto& mode : modes) {
        document["modes"][mode.name] = {{"median_s", mode.medianSeconds},
                                        {"gflops", mode.gflops},
                                        {"peak_extra_bytes", mode.peakExtraBytes}};
        if (mode.name == "plain")
            plain = mode.medianSeconds;
    }
    if (plain > 0)
        for (const auto& mode : modes)
            document["modes"][mode.name]["time_vs_plain"] = mode.medianSeconds / plain;
    return document;
}

void printText(const nlohmann::json& d) {
    const auto& c = d["config"];
    std::printf("attention: B=%d H=%d Hkv=%d d=%d N=%d %s %s on %s, %d threads\n", c["batch"].get<int>(),
                c["heads"].get<int>(), c["kv_heads"].get<int>(), c["dim"].get<int>(), c["len"].get<int>(),
                c["causal"].get<bool>() ? "causal" : "full", c["dtype"].get<std::string>().c_str(),
                c["device"].get<std::string>().c_str(), c["threads"].get<int>());
    std::printf("  %-6s %12s %10s %10s %16s\n", "mode", "median (ms)", "GFLOP/s", "x plain",
                "peak extra (MiB)");
    for (const auto& [name, mode] : d["modes"].items())
        std::printf("  %-6s %12.2f %10.1f %10.2f %16.1f\n", name.c_str(),
                    mode["median_s"].get<double>() * 1e3, mode["gflops"].get<double>(),
                    mode.value("time_vs_plain", 0.0),
                    mode["peak_extra_bytes"].get<double>() / (1024.0 * 1024.0));
}

} // namespace

void registerBenchCommand(CLI::App& app, int& exitCode) {
    CLI::App* bench = app.add_subcommand("bench", "Measure this machine");
    bench->require_subcommand(1);
    CLI::App* command = bench->add_subcommand(
        "attention", "The attention kernel: plain, one-pass statistics, full statistics, LibTorch baseline");
    auto options = std::make_shared<BenchOptions>();
    auto output = std::make_shared<JsonOutput>();
    runtime::AttentionBenchConfig& c = options->config;
    command->add_option("--batch", c.batch, "Batch size")->capture_default_str();
    command->add_option("--heads", c.heads, "Query heads")->capture_default_str();
    command->add_option("--kv-heads", c.kvHeads, "Key/value heads")->capture_default_str();
    command->add_option("--dim", c.headDim, "Head dimension")->capture_default_str();
    command->add_option("--len", c.length, "Tokens (queries = keys)")->capture_default_str();
    c.causal = false;
    command->add_flag("--causal", c.causal, "Causal mask (FLOPs halved)");
    command->add_option("--dtype", options->dtype, "Input type")
        ->check(CLI::IsMember({"f32", "bf16", "f16"}))
        ->capture_default_str();
    command->add_option("--device", options->device, "Backend")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    command->add_option("--modes", options->modes, "Comma-separated: plain, stats, full, torch")
        ->capture_default_str();
    command->add_option("--repeats", c.repeats, "Timed runs per mode (median reported)")
        ->capture_default_str();
    command->add_option("--threads", c.threads, "CPU worker threads (0 = one per core)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    output->addOption(*command);
    command->callback(
        [options, output, &exitCode] { exitCode = output->finish(execute(*options), printText); });
}

} // namespace attnscope::cli
