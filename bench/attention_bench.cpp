// SPDX-License-Identifier: Apache-2.0
// The CPU attention kernel on PERFORMANCE.md's configurations, with the statistics switched on one at a
// time, and the materialize-then-reduce LibTorch baseline ("torch") in the same run (via
// runtime::benchmarkAttention for that mode). Counters follow the FlashAttention FLOP convention
// (4 * N^2 * d per head, halved when causal). Run: attnscope_bench_attention --benchmark_format=json
#include "attnscope/kernels/attention.h"
#include "attnscope/runtime/attention_benchmark.h"

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

using namespace attnscope::kernels;

namespace {

struct Config {
    int heads, kvHeads, dim, length;
};

/// PERFORMANCE.md: config 2 (a Llama layer), 3 (longer), 4 (d = 64).
const Config kConfigs[] = {{32, 8, 128, 4096}, {8, 2, 128, 16384}, {16, 4, 64, 8192}, {8, 2, 128, 1024}};

enum Statistics { Plain, LseEntropy, Blocks, TopK, OnePass, ColumnMass, Diagonals, Full };
const char* const kNames[] = {"plain",    "lse_entropy", "blocks64",  "topk8",
                              "one_pass", "column_mass", "diagonals", "full"};

ProbeRequest requestFor(Statistics statistics) {
    ProbeRequest request;
    // "one_pass" and "full" as PERFORMANCE.md defines them (and attnscope-cli bench's stats/full);
    // top-k and diagonal sums are measured on their own.
    const bool onePass = statistics == OnePass || statistics == Full;
    request.rowLogSumExp = request.rowEntropy = statistics == LseEntropy || onePass;
    request.blockSize = statistics == Blocks || onePass ? 64 : 0;
    request.topK = statistics == TopK ? 8 : 0;
    request.columnMass = statistics == ColumnMass || statistics == Full;
    request.diagonalSums = statistics == Diagonals;
    return request;
}

void runAttention(benchmark::State& state) {
    const Config& c = kConfigs[state.range(0)];
    const auto statistics = static_cast<Statistics>(state.range(1));
    std::mt19937 generator(7);
    std::normal_distribution<float> normal;
    auto randomTensor = [&](int heads) {
        std::vector<float> values(static_cast<std::size_t>(heads) * c.length * c.dim);
        for (float& value : values)
            value = normal(generator);
        return values;
    };
    const auto q = randomTensor(c.heads), k = randomTensor(c.kvHeads), v = randomTensor(c.kvHeads);
    std::vector<float> out(q.size());
    AttentionDims dims;
    dims.queryHeads = c.heads;
    dims.kvHeads = c.kvHeads;
    dims.queryLength = dims.keyLength = c.length;
    dims.headDim = c.dim;
    dims.causal = true;
    auto view = [&](const std::vector<float>& data, int heads) {
        return TensorView{data.data(),
                          DType::F32,
                          {static_cast<int64_t>(heads) * c.length * c.dim,
                           static_cast<int64_t>(c.length) * c.dim, c.dim, 1}};
    };
    OutputView outView{
        out.data(),
        {static_cast<int64_t>(c.heads) * c.length * c.dim, static_cast<int64_t>(c.length) * c.dim, c.dim, 1}};
    const ProbeRequest request = requestFor(statistics);
    ProbeResult result;
    for (auto _ : state) {
        KernelStatus status = attention(dims, view(q, c.heads), view(k, c.kvHeads), view(v, c.kvHeads),
                                        outView, request, result);
        if (!status.ok())
            state.SkipWithError(status.message.c_str());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetLabel(std::string(kNames[statistics]) + " H" + std::to_string(c.heads) + "/" +
                   std::to_string(c.kvHeads) + " d" + std::to_string(c.dim) + " N" +
                   std::to_string(c.length));
    const double flops = 4.0 * c.length * static_cast<double>(c.length) * c.dim * c.heads / 2.0;
    state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

/// LibTorch's materialize-then-reduce at the same shape (fp32), through the same code the CLI uses.
void runTorchBaseline(benchmark::State& state) {
    const Config& c = kConfigs[state.range(0)];
    attnscope::runtime::AttentionBenchConfig config;
    config.heads = c.heads;
    config.kvHeads = c.kvHeads;
    config.headDim = c.dim;
    config.length = c.length;
    config.modes = {"torch"};
    config.repeats = 1;
    for (auto _ : state) {
        auto modes = attnscope::runtime::benchmarkAttention(config);
        if (!modes)
            state.SkipWithError(modes.status().toString().c_str());
    }
    state.SetLabel("torch (2 calls per iteration: warm-up + timed)");
}

void allStatistics(benchmark::internal::Benchmark* b) {
    for (int s = Plain; s <= Full; ++s)
        b->Args({3, s});
    for (int config : {0, 1, 2})
        for (int s : {Plain, OnePass, Full})
            b->Args({config, s});
}

} // namespace

BENCHMARK(runAttention)->Apply(allStatistics)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(runTorchBaseline)->Arg(3)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();
