// SPDX-License-Identifier: Apache-2.0
// Opening a 1 GiB safetensors file must map it, not read it: resident memory may grow by less than 10%
// of the file size until the weights are used. Counters: rss_growth_bytes, rss_growth_fraction (of the
// file size), and the same after touching every page ("touched"), which shows the mapping is real.
// The file is written to $TMPDIR (default /tmp) and removed afterwards.
#include "attnscope/model/safetensors.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

int64_t residentBytes() {
    std::ifstream statm("/proc/self/statm");
    int64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}

std::string writeLargeFile(int64_t bytes) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string path = std::string(tmp ? tmp : "/tmp") + "/attnscope_bench_1gib.safetensors";
    const int64_t floats = bytes / 4;
    std::string header = R"({"w":{"dtype":"F32","shape":[)" + std::to_string(floats) +
                         R"(],"data_offsets":[0,)" + std::to_string(floats * 4) + "]}}";
    while (header.size() % 8)
        header += ' ';
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    const uint64_t length = header.size();
    file.write(reinterpret_cast<const char*>(&length), 8);
    file << header;
    std::string chunk(1 << 20, '\1'); // non-zero, so the file has no holes
    for (int64_t written = 0; written < floats * 4; written += static_cast<int64_t>(chunk.size()))
        file.write(chunk.data(),
                   static_cast<std::streamsize>(std::min<int64_t>(chunk.size(), floats * 4 - written)));
    return path;
}

void BM_OpenSafetensors1GiB(benchmark::State& state) {
    const int64_t fileBytes = int64_t(1) << 30;
    const std::string path = writeLargeFile(fileBytes);
    for (auto _ : state) {
        state.PauseTiming();
        std::FILE* drop = std::fopen("/proc/sys/vm/drop_caches", "w"); // best effort (root only)
        if (drop) {
            std::fputs("1", drop);
            std::fclose(drop);
        }
        const int64_t before = residentBytes();
        state.ResumeTiming();
        auto weights = attnscope::model::readSafetensors(path);
        state.PauseTiming();
        if (!weights) {
            state.SkipWithError(weights.status().toString().c_str());
            break;
        }
        const int64_t opened = residentBytes();
        // Touch one byte per page: now the file must become resident.
        const auto& tensor = weights->tensors.front();
        int64_t checksum = 0;
        for (uint64_t offset = 0; offset < tensor.byteSize; offset += 4096)
            checksum += static_cast<int64_t>(tensor.data[offset]);
        benchmark::DoNotOptimize(checksum);
        const int64_t touched = residentBytes();
        state.counters["rss_growth_bytes"] = static_cast<double>(opened - before);
        state.counters["rss_growth_fraction"] =
            static_cast<double>(opened - before) / static_cast<double>(fileBytes);
        state.counters["touched_growth_fraction"] =
            static_cast<double>(touched - before) / static_cast<double>(fileBytes);
        state.ResumeTiming();
    }
    std::filesystem::remove(path);
}

} // namespace

BENCHMARK(BM_OpenSafetensors1GiB)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
