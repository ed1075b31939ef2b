// SPDX-License-Identifier: Apache-2.0
// llama.cpp's tokenizer test vectors: X.gguf.inp (strings separated by lines "__ggml_vocab_test__") and
// X.gguf.out (one line of ids per string). Tests only.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace attnscope::test {

struct VocabVectors {
    std::vector<std::string> inputs;
    std::vector<std::vector<int32_t>> ids;
};

inline VocabVectors readVocabVectors(const std::string& ggufPath) {
    VocabVectors vectors;
    std::ifstream in(ggufPath + ".inp", std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str(), separator = "\n__ggml_vocab_test__\n";
    std::size_t start = 0;
    for (std::size_t at = text.find(separator); at != std::string::npos; at = text.find(separator, start)) {
        vectors.inputs.push_back(text.substr(start, at - start));
        start = at + separator.size();
    }
    std::ifstream out(ggufPath + ".out");
    std::string line;
    while (std::getline(out, line)) {
        std::istringstream ids(line);
        std::vector<int32_t> row;
        for (int32_t id; ids >> id;)
            row.push_back(id);
        vectors.ids.push_back(std::move(row));
    }
    return vectors;
}

} // namespace attnscope::test
