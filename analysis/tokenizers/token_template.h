// SPDX-License-Identifier: Apache-2.0
// What the tokenizer.json tokenizers share: the post-processor's template and the check of ids to decode
// (internal header).
#pragma once

#include "attnscope/tokenizers/tokenizer.h"

#include <string>
#include <vector>

namespace attnscope::tokenizers {

/// One element of a TemplateProcessing "single" template: a special token id, or the input sequence.
struct TemplateItem {
    bool isSequence = false;
    int32_t id = 0;
};

/// `body` placed into `single` (special tokens cover nothing: offsets {0, 0}); `body` itself when the
/// template is empty.
inline Encoding applyTemplate(Encoding body, const std::vector<TemplateItem>& single) {
    if (single.empty())
        return body;
    Encoding out;
    for (const TemplateItem& item : single) {
        if (item.isSequence) {
            out.ids.insert(out.ids.end(), body.ids.begin(), body.ids.end());
            out.offsets.insert(out.offsets.end(), body.offsets.begin(), body.offsets.end());
        } else {
            out.ids.push_back(item.id);
            out.offsets.emplace_back(0, 0);
        }
    }
    return out;
}

/// Every special token of the template must name a vocabulary entry (a template id past the vocabulary
/// would reach the model's embedding: found by fuzz_tokenizer_json).
inline Status checkTemplateIds(const std::vector<TemplateItem>& single,
                               const std::vector<std::string>& idToToken) {
    for (const TemplateItem& item : single)
        if (!item.isSequence && (item.id < 0 || item.id >= static_cast<int32_t>(idToToken.size()) ||
                                 idToToken[static_cast<std::size_t>(item.id)].empty()))
            return Status::parseError("special token id " + std::to_string(item.id) +
                                      " is not in the vocabulary")
                .atField("post_processor");
    return Status::ok();
}

/// An id to decode must name a vocabulary entry.
inline Status checkDecodableId(int32_t id, const std::vector<std::string>& idToToken) {
    if (id < 0 || id >= static_cast<int32_t>(idToToken.size()) || idToToken[id].empty())
        return Status::invalidArgument("token id " + std::to_string(id) + " is not in the vocabulary")
            .atField("ids");
    return Status::ok();
}

} // namespace attnscope::tokenizers
