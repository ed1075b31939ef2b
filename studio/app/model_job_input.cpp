// SPDX-License-Identifier: Apache-2.0
#include "model_job_input.h"

namespace attnscope::studio {

Expected<ModelJobInput> loadModelJobInput(const std::string& modelPath, const std::string& tokenizerPath,
                                          const std::string& text, const runtime::LoadOptions& load,
                                          std::size_t extraPositions) {
    ModelJobInput input;
    ATTNSCOPE_ASSIGN_OR_RETURN(input.tokenizer, tokenizers::loadTokenizer(tokenizerPath));
    ATTNSCOPE_ASSIGN_OR_RETURN(input.encoding, input.tokenizer->encode(text));
    ATTNSCOPE_ASSIGN_OR_RETURN(input.model, runtime::Model::load(modelPath, load));
    const int context = input.model->config().contextLength;
    const std::size_t positions = input.encoding.ids.size() + extraPositions;
    if (context > 0 && positions > static_cast<std::size_t>(context))
        return Status::invalidArgument(
            "the input has " + std::to_string(input.encoding.ids.size()) + " tokens" +
            (extraPositions > 0 ? " and needs " + std::to_string(extraPositions) + " more positions"
                                : std::string()) +
            "; the model's context is " + std::to_string(context));
    return input;
}

} // namespace attnscope::studio
