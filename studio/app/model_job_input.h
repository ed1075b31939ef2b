// SPDX-License-Identifier: Apache-2.0
// What a job on the open model and the input text starts from, loaded on the worker thread: the
// tokenizer, the text's encoding and the model, with the text refused when it does not fit the context.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <memory>
#include <string>

namespace attnscope::studio {

struct ModelJobInput {
    std::unique_ptr<tokenizers::Tokenizer> tokenizer;
    tokenizers::Encoding encoding;
    std::shared_ptr<runtime::Model> model;
};

/// Loads the tokenizer at `tokenizerPath` and the model at `modelPath`, and encodes `text`. Refuses a text
/// that, with `extraPositions` more positions (tokens a job will add), exceeds the model's context when
/// the model states one. Worker thread.
Expected<ModelJobInput> loadModelJobInput(const std::string& modelPath, const std::string& tokenizerPath,
                                          const std::string& text, const runtime::LoadOptions& load,
                                          std::size_t extraPositions = 0);

} // namespace attnscope::studio
