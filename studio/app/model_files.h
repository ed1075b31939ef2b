// SPDX-License-Identifier: Apache-2.0
// Files the studio finds for the user: the bundled samples and a model's tokenizer.
#pragma once

#include <QString>

namespace attnscope::studio {

/// A bundled sample (installed beside the application, in /usr/share, or in the source tree); "" when none.
QString bundledSample(const QString& name);

/// The tokenizer of `modelPath`: the model's own (HF directory, GGUF), or for a llama2.c checkpoint (which
/// has none) the tokenizer.bin beside it. False with `refusal` set when there is none.
bool tokenizerPathFor(const QString& modelPath, QString& tokenizerPath, QString& refusal);

} // namespace attnscope::studio
