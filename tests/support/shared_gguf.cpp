// SPDX-License-Identifier: Apache-2.0
#include "shared_gguf.h"

#include "damaged_data.h"
#include "gguf_restore.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

namespace attnscope::test {

namespace {

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The piece scores of a llama2.c tokenizer.bin (int32 max length, then per piece: float score, int32
/// length, bytes).
std::vector<float> llama2cScores(const std::string& path) {
    const std::string bytes = readBytes(path);
    std::vector<float> scores;
    for (std::size_t at = 4; at + 8 <= bytes.size();) {
        float score = 0;
        int32_t length = 0;
        std::memcpy(&score, bytes.data() + at, 4);
        std::memcpy(&length, bytes.data() + at + 4, 4);
        if (length < 0)
            break;
        scores.push_back(score);
        at += 8 + static_cast<std::size_t>(length);
    }
    return scores;
}

} // namespace

SharedGguf readSharedGguf(const std::string& path, const std::string& sharedDataDir) {
    SharedGguf result;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        result.error = path + ": not found";
        return result;
    }
    if (!looksTextMangled(path)) {
        result.bytes = readBytes(path);
        return result;
    }
    const std::vector<float> llama2 = llama2cScores(
        (std::filesystem::path(sharedDataDir) / "tokenizers" / "llama2c-tokenizer.bin").string());
    const std::map<std::string, FloatCandidates> candidates{
        {"tokenizer.ggml.scores", [llama2](std::size_t index) {
             std::vector<float> values;
             if (index < llama2.size())
                 values.push_back(llama2[index]);
             values.insert(values.end(), {-1000.0f, -10000.0f});
             return values;
         }}};
    GgufRestoration restoration = restoreTextMangledGguf(readBytes(path), candidates);
    if (!restoration.error.empty()) {
        result.error = path + ": " + restoration.error;
        return result;
    }
    result.bytes = std::move(restoration.bytes);
    result.restored = true;
    result.restoredFields = std::move(restoration.restored);
    return result;
}

} // namespace attnscope::test
