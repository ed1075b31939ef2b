// SPDX-License-Identifier: Apache-2.0
// llama2.c checkpoints: a header of 7 int32 values, then fp32 weights in a fixed order.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/model/mapped_file.h"
#include "attnscope/model/tensor_info.h"

#include <memory>
#include <string>
#include <vector>

namespace attnscope::model {

/// The legacy llama2.c header (karpathy/llama2.c run.c `Config`).
struct Llama2cConfig {
    int32_t dim = 0;
    int32_t hiddenDim = 0;
    int32_t layers = 0;
    int32_t heads = 0;
    int32_t kvHeads = 0;
    int32_t vocabSize = 0; ///< always positive here; the file's sign says whether the classifier is shared
    int32_t seqLen = 0;
    bool sharedClassifier = true; ///< a negative vocab_size in the file means a separate wcls follows

    int32_t headDim() const { return dim / heads; }
    int32_t kvDim() const { return kvHeads * headDim(); }
};

/// Parses and validates the header against the file size: the weights the header implies must fill
/// the file exactly. Errors name the header field.
Expected<Llama2cConfig> parseLlama2cHeader(const std::byte* data, uint64_t size, uint64_t fileSize,
                                           const std::string& name);

/// A mapped checkpoint. Tensors, all F32, named as in run.c: token_embedding_table [vocab, dim],
/// rms_att_weight [L, dim], wq [L, dim, dim], wk [L, kv_dim, dim], wv [L, kv_dim, dim], wo [L, dim, dim],
/// rms_ffn_weight [L, dim], w1 [L, hidden, dim], w2 [L, dim, hidden], w3 [L, hidden, dim],
/// rms_final_weight [dim], freq_cis_real [seq_len, head_dim/2], freq_cis_imag [seq_len, head_dim/2],
/// and wcls [vocab, dim] (the embedding table itself when shared).
struct Llama2cCheckpoint {
    Llama2cConfig config;
    std::vector<TensorInfo> tensors;
    std::shared_ptr<MappedFile> file;
    const TensorInfo* find(const std::string& name) const;
};

Expected<Llama2cCheckpoint> readLlama2c(const std::string& path);

} // namespace attnscope::model
