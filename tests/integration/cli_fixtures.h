// SPDX-License-Identifier: Apache-2.0
// What the CLI tests share: the executable's path and small model files written for a test.
#pragma once

#include "../support/tiny_models.h"
#include "process.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace attnscope::test {

inline const std::string kCli = ATTNSCOPE_CLI_PATH;

/// A tiny llama2.c checkpoint (dim 8, 2 layers, 2 heads / 1 KV head, vocab 16, seq 4), zero weights.
inline std::string writeTinyLlama2c() {
    const auto path = std::filesystem::temp_directory_path() / "attnscope_cli_tiny_llama2c.bin";
    const int32_t header[7] = {8, 12, 2, 2, 1, 16, 4};
    const int64_t dim = 8, hidden = 12, layers = 2, kvDim = 4, vocab = 16, seq = 4, headDim = 4;
    const int64_t floats = vocab * dim +
                           layers * (2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden) + dim +
                           seq * headDim;
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(header), sizeof header);
    const std::vector<float> zeros(static_cast<std::size_t>(floats), 0.0f);
    file.write(reinterpret_cast<const char*>(zeros.data()), static_cast<std::streamsize>(zeros.size() * 4));
    return path.string();
}

/// A fresh `dir` holding `tiny` as a llama GGUF; returns the file's path.
inline std::string writeTinyGguf(const std::filesystem::path& dir, const TinyModel& tiny) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string gguf = (dir / "tiny.gguf").string();
    const Bytes bytes = writeLlamaGguf(tiny);
    std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return gguf;
}

/// Arguments to append to a command line and a text its refusal must contain.
struct Refusal {
    std::string arguments, expected;
};

/// Runs `command` with each refusal's arguments (stderr merged) and expects a failure naming it.
inline void expectRefusals(const std::string& command, const std::vector<Refusal>& refusals) {
    for (const Refusal& refusal : refusals) {
        const ProcessResult result = runProcess(command + refusal.arguments, true);
        EXPECT_NE(result.exitCode, 0) << refusal.arguments;
        EXPECT_NE(result.output.find(refusal.expected), std::string::npos) << refusal.arguments << "\n"
                                                                           << result.output;
    }
}

/// `evaluate MODEL --copying PROBE` for the tiny models in `dir` (a fresh folder holding makeTinyModel({}, 9)
/// as GGUF, and a probe of one token and a 5-token span repeated three times).
inline std::string tinyCopyingEvaluation(const std::filesystem::path& dir) {
    const std::string gguf = writeTinyGguf(dir, makeTinyModel({}, 9));
    const std::string probe = (dir / "copy.json").string();
    std::ofstream(probe)
        << R"({"ids": [1, 4, 9, 2, 6, 3, 4, 9, 2, 6, 3, 4, 9, 2, 6, 3], "span": 5, "repeats": 3})";
    return kCli + " evaluate " + gguf + " --copying " + probe;
}

} // namespace attnscope::test
