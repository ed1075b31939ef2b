// SPDX-License-Identifier: Apache-2.0
// `attnscope-cli tokenize MODEL (--text TEXT | --text-file F) [--no-special] [--json]`
#include "commands.h"

#include "../json_output.h"
#include "attnscope/core/read_file.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

struct TokenizeOptions {
    std::string model;
    std::string text, textFile;
    bool noSpecial = false;
};

} // namespace

void registerTokenizeCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand("tokenize", "Turn text into token ids, with character offsets");
    auto options = std::make_shared<TokenizeOptions>();
    auto output = std::make_shared<JsonOutput>();
    command
        ->add_option("MODEL", options->model,
                     "An HF directory, a tokenizer.json, a SentencePiece .model or a llama2.c tokenizer.bin")
        ->required();
    CLI::Option* text = command->add_option("--text", options->text, "The text to tokenize (UTF-8)");
    CLI::Option* textFile =
        command->add_option("--text-file", options->textFile, "A UTF-8 file to tokenize, byte for byte")
            ->excludes(text);
    command->add_flag("--no-special", options->noSpecial, "Add no special tokens (BOS/EOS/CLS/SEP)");
    output->addOption(*command);
    command->callback([options, output, text, textFile, &exitCode] {
        if (text->count() == 0 && textFile->count() == 0) {
            exitCode = output->fail(
                Status::invalidArgument("give the text: --text TEXT or --text-file F").atField("--text"));
            return;
        }
        if (textFile->count() > 0) {
            // Long inputs (past the command line's 128 kB per argument) come from a file, read as it is.
            auto contents = readWholeFile(options->textFile);
            if (!contents) {
                exitCode = output->fail(contents.status());
                return;
            }
            options->text = std::move(*contents);
        }
        auto tokenizer = tokenizers::loadTokenizer(options->model);
        if (!tokenizer) {
            exitCode = output->fail(tokenizer.status());
            return;
        }
        auto encoding = (*tokenizer)->encode(options->text, !options->noSpecial);
        if (!encoding) {
            exitCode = output->fail(encoding.status());
            return;
        }
        // Offsets are reported in characters (Unicode code points), as Python's str indices count them.
        const auto offsets = tokenizers::toCodePointOffsets(options->text, encoding->offsets);
        if (output->enabled()) {
            nlohmann::json spans = nlohmann::json::array();
            for (const auto& [start, end] : offsets)
                spans.push_back({start, end});
            exitCode = output->write({{"ids", encoding->ids}, {"offsets", spans}});
            return;
        }
        for (std::size_t i = 0; i < encoding->ids.size(); ++i)
            std::cout << encoding->ids[i] << "\t[" << offsets[i].first << ", " << offsets[i].second << ")\t"
                      << (*tokenizer)->tokenText(encoding->ids[i]) << "\n";
        exitCode = 0;
    });
}

} // namespace attnscope::cli
