// SPDX-License-Identifier: Apache-2.0
// Reference ids from libsentencepiece, in its own process: Debian's libsentencepiece carries its own
// protobuf-lite, which cannot share a process with LibTorch's libprotobuf.
// Usage:
//   spm_reference MODEL.model STRINGS.json             ->  a JSON array of id arrays (with BOS)
//   spm_reference MODEL.model STRINGS.json --offsets   ->  [{"ids": [...], "offsets": [[b, e], ...]}] (BOS
//                                                          first, [0, 0]; byte offsets of each piece)
//   spm_reference --train INPUT.txt PREFIX [TRAINER FLAGS...]  ->  trains PREFIX.model with libsentencepiece
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "--train") {
        std::string flags = std::string("--input=") + argv[2] + " --model_prefix=" + argv[3];
        for (int i = 4; i < argc; ++i)
            flags += std::string(" ") + argv[i];
        if (const auto status = sentencepiece::SentencePieceTrainer::Train(flags); !status.ok()) {
            std::cerr << "training failed: " << status.ToString() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc != 3 && !(argc == 4 && std::string(argv[3]) == "--offsets")) {
        std::cerr
            << "usage: spm_reference MODEL.model STRINGS.json [--offsets] | --train INPUT PREFIX [FLAGS]\n";
        return 2;
    }
    const bool offsets = argc == 4;
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
        if (!offsets) {
            std::vector<int> ids;
            if (!processor.Encode(text.get<std::string>(), &ids).ok())
                return 1;
            ids.insert(ids.begin(), processor.bos_id());
            out.push_back(ids);
            continue;
        }
        const auto pieces = processor.EncodeAsImmutableProto(text.get<std::string>());
        nlohmann::json ids = nlohmann::json::array({processor.bos_id()});
        nlohmann::json spans = nlohmann::json::array({nlohmann::json::array({0, 0})});
        for (int i = 0; i < pieces.pieces_size(); ++i) {
            ids.push_back(pieces.pieces(i).id());
            spans.push_back({pieces.pieces(i).begin(), pieces.pieces(i).end()});
        }
        out.push_back({{"ids", ids}, {"offsets", spans}});
    }
    std::cout << out.dump() << "\n";
    return 0;
}
