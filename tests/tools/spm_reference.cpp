// SPDX-License-Identifier: Apache-2.0
// Reference ids from libsentencepiece, in its own process: Debian's libsentencepiece carries its own
// protobuf-lite, which cannot share a process with LibTorch's libprotobuf.
// Usage: spm_reference MODEL.model STRINGS.json  ->  prints a JSON array of id arrays (with BOS).
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: spm_reference MODEL.model STRINGS.json\n";
        return 2;
    }
    sentencepiece::SentencePieceProcessor processor;
    if (const auto status = processor.Load(argv[1]); !status.ok()) {
        std::cerr << argv[1] << ": " << status.ToString() << "\n";
        return 1;
    }
    std::ifstream file(argv[2]);
    const auto strings = nlohmann::json::parse(file, nullptr, false);
    if (strings.is_discarded() || !strings.is_array()) {
        std::cerr << argv[2] << ": expected a JSON array of strings\n";
        return 1;
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& text : strings) {
        std::vector<int> ids;
        if (!processor.Encode(text.get<std::string>(), &ids).ok())
            return 1;
        ids.insert(ids.begin(), processor.bos_id());
        out.push_back(ids);
    }
    std::cout << out.dump() << "\n";
    return 0;
}
