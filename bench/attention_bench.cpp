// SPDX-License-Identifier: Apache-2.0
// The CPU attention entry point with and without in-kernel statistics, in one run, so their ratio is
// meaningful. Counters follow the FlashAttention FLOP convention (4 * N^2 * d per head, halved when
// causal). The kernels issue adds the PERFORMANCE.md configurations and the LibTorch baseline.
#include "attnscope/kernels/attention.h"

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

using namespace attnscope::kernels;

namespace {

void runAttention(benchmark::State& state, bool withStatistics) {
    const int length = static_cast<int>(state.range(0));
    const int headDim = 64, queryHeads = 4, kvHeads = 1;
    std::mt19937 generator(7);
    std::normal_distribution<float> normal;
    auto randomTensor = [&](int heads) {
        std::vector<float> values(static_cast<std::size_t>(heads) * length * headDim);
        for (float& value : values)
            value = normal(generator);
        return values;
    };
    const auto q = randomTensor(queryHeads), k = randomTensor(kvHeads), v = randomTensor(kvHeads);
    std::vector<float> out(q.size());

    AttentionDims dims;
    dims.queryHeads = queryHeads;
    dims.kvHeads = kvHeads;
    dims.queryLength = dims.keyLength = length;
    dims.headDim = headDim;
    dims.causal = true;
    auto view = [&](const std::vector<float>& data, int heads) {
        return TensorView{data.data(),
                          DType::F32,
                          {static_cast<int64_t>(heads) * length * headDim,
                           static_cast<int64_t>(length) * headDim, headDim, 1}};
    };
    OutputView outView{out.data(),
                       {static_cast<int64_t>(queryHeads) * length * headDim,
                        static_cast<int64_t>(length) * headDim, headDim, 1}};
    ProbeRequest request{withStatistics, withStatistics};
    ProbeResult result;
    for (auto _ : state) {
        KernelStatus status = attention(dims, view(q, queryHeads), view(k, kvHeads), view(v, kvHeads),
                                        outView, request, result);
        if (!status.ok())
            state.SkipWithError(status.message.c_str());
        benchmark::DoNotOptimize(out.data());
    }
    const double flops = 4.0 * length * static_cast<double>(length) * headDim * queryHeads / 2.0;
    state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_AttentionPlain(benchmark::State& state) {
    runAttention(state, false);
}
void BM_AttentionStatistics(benchmark::State& state) {
    runAttention(state, true);
}

} // namespace

BENCHMARK(BM_AttentionPlain)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AttentionStatistics)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
