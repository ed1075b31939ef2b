// SPDX-License-Identifier: Apache-2.0
// SentencePiece .model files, read directly from their protobuf encoding (ModelProto): the pieces with
// scores and types, the model type and the normalizer. BPE models with identity normalization (Llama 2,
// Mistral, Phi-3) and unigram models with any normalizer (spm_unigram.h); other kinds are refused by name.
#include "attnscope/tokenizers/tokenizer.h"

#include "attnscope/core/read_file.h"

#include "spm_bpe.h"
#include "spm_unigram.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace attnscope::tokenizers {

namespace {

/// A bounds-checked reader of protobuf wire format.
class WireReader {
public:
    WireReader(std::string_view data) : m_data(data) {}
    bool done() const { return m_position >= m_data.size(); }

    bool varint(uint64_t& value) {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_position >= m_data.size())
                return false;
            const auto byte = static_cast<unsigned char>(m_data[m_position++]);
            value |= static_cast<uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0)
                return true;
        }
        return false;
    }

    /// Reads a field key; false at the end or on malformed input.
    bool key(uint32_t& field, uint32_t& wireType) {
        uint64_t raw;
        if (!varint(raw))
            return false;
        field = static_cast<uint32_t>(raw >> 3);
        wireType = static_cast<uint32_t>(raw & 7);
        return true;
    }

    bool bytes(std::string_view& value) {
        uint64_t length;
        if (!varint(length) || length > m_data.size() - m_position)
            return false;
        value = m_data.substr(m_position, length);
        m_position += length;
        return true;
    }

    bool fixed32(uint32_t& value) {
        if (m_data.size() - m_position < 4)
            return false;
        std::memcpy(&value, m_data.data() + m_position, 4);
        m_position += 4;
        return true;
    }

    bool skip(uint32_t wireType) {
        uint64_t ignored;
        std::string_view view;
        uint32_t word;
        switch (wireType) {
        case 0:
            return varint(ignored);
        case 1:
            return fixed32(word) && fixed32(word);
        case 2:
            return bytes(view);
        case 5:
            return fixed32(word);
        default:
            return false;
        }
    }

private:
    std::string_view m_data;
    std::size_t m_position = 0;
};

struct Piece {
    std::string text;
    float score = 0;
    int type = 1; // NORMAL
};

bool parsePiece(std::string_view message, Piece& piece) {
    WireReader reader(message);
    uint32_t field, wireType;
    while (!reader.done()) {
        if (!reader.key(field, wireType))
            return false;
        if (field == 1 && wireType == 2) {
            std::string_view text;
            if (!reader.bytes(text))
                return false;
            piece.text = std::string(text);
        } else if (field == 2 && wireType == 5) {
            uint32_t bits;
            if (!reader.fixed32(bits))
                return false;
            std::memcpy(&piece.score, &bits, 4);
        } else if (field == 3 && wireType == 0) {
            uint64_t type;
            if (!reader.varint(type))
                return false;
            piece.type = static_cast<int>(type);
        } else if (!reader.skip(wireType)) {
            return false;
        }
    }
    return true;
}

/// Finds varint field `wanted` (or string field) inside a sub-message; false when absent.
bool findVarint(std::string_view message, uint32_t wanted, uint64_t& value) {
    WireReader reader(message);
    uint32_t field, wireType;
    while (!reader.done() && reader.key(field, wireType)) {
        if (field == wanted && wireType == 0)
            return reader.varint(value);
        if (!reader.skip(wireType))
            return false;
    }
    return false;
}

bool findString(std::string_view message, uint32_t wanted, std::string_view& value) {
    WireReader reader(message);
    uint32_t field, wireType;
    while (!reader.done() && reader.key(field, wireType)) {
        if (field == wanted && wireType == 2)
            return reader.bytes(value);
        if (!reader.skip(wireType))
            return false;
    }
    return false;
}

/// A unigram model: the pieces, TrainerSpec.byte_fallback (35) and the NormalizerSpec: name (1),
/// precompiled_charsmap (2), add_dummy_prefix (3), remove_extra_whitespaces (4), escape_whitespaces (5).
Expected<std::unique_ptr<Tokenizer>> unigramTokenizer(std::vector<Piece> pieces, std::string_view trainer,
                                                      std::string_view normalizer, const std::string& path) {
    SpmUnigramModel model;
    for (Piece& piece : pieces)
        model.pieces.push_back({std::move(piece.text), piece.score, piece.type});
    uint64_t flag = 0;
    model.byteFallback = findVarint(trainer, 35, flag) && flag != 0;
    std::string_view text;
    if (findString(normalizer, 1, text))
        model.normalizer.name = std::string(text);
    if (findString(normalizer, 2, text))
        model.normalizer.precompiledCharsmap = std::string(text);
    if (findVarint(normalizer, 3, flag))
        model.normalizer.addDummyPrefix = flag != 0;
    if (findVarint(normalizer, 4, flag))
        model.normalizer.removeExtraWhitespaces = flag != 0;
    if (findVarint(normalizer, 5, flag))
        model.normalizer.escapeWhitespaces = flag != 0;
    uint64_t suffix = 0;
    if (findVarint(trainer, 24, suffix) && suffix != 0)
        return Status::unsupported("treat_whitespace_as_suffix")
            .inFile(path)
            .atField("trainer_spec.treat_whitespace_as_suffix");
    return makeSpmUnigramTokenizer(std::move(model), path);
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> loadSentencePieceModel(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string data, readWholeFile(path));
    return parseSentencePieceModel(data, path);
}

Expected<std::unique_ptr<Tokenizer>> parseSentencePieceModel(std::string_view data, const std::string& path) {
    // ModelProto: 1 = pieces (repeated message), 2 = trainer_spec, 3 = normalizer_spec.
    std::vector<Piece> pieces;
    std::string_view trainer, normalizer;
    WireReader reader(data);
    uint32_t field, wireType;
    while (!reader.done()) {
        if (!reader.key(field, wireType))
            return Status::parseError("malformed protobuf").inFile(path).atField("ModelProto");
        std::string_view message;
        if (wireType == 2 && (field == 1 || field == 2 || field == 3)) {
            if (!reader.bytes(message))
                return Status::parseError("truncated message").inFile(path).atField("ModelProto");
            if (field == 1) {
                Piece piece;
                if (!parsePiece(message, piece))
                    return Status::parseError("malformed piece")
                        .inFile(path)
                        .atField("pieces[" + std::to_string(pieces.size()) + "]");
                pieces.push_back(std::move(piece));
            } else if (field == 2) {
                trainer = message;
            } else {
                normalizer = message;
            }
        } else if (!reader.skip(wireType)) {
            return Status::parseError("malformed protobuf").inFile(path).atField("ModelProto");
        }
    }
    if (pieces.empty())
        return Status::parseError("not a SentencePiece model (no pieces)").inFile(path).atField("pieces");
    uint64_t modelType = 1; // TrainerSpec.model_type (field 3): 1 unigram (default), 2 BPE
    findVarint(trainer, 3, modelType);
    if (modelType == 1)
        return unigramTokenizer(std::move(pieces), trainer, normalizer, path);
    if (modelType != 2)
        return Status::unsupported(
                   "SentencePiece model type " + std::to_string(modelType) +
                   " (unigram, type 1, and BPE, type 2, are read; word and char models are not)")
            .inFile(path)
            .atField("trainer_spec.model_type");
    std::string_view normalization = "nmt_nfkc";
    findString(normalizer, 1, normalization); // NormalizerSpec.name
    if (normalization != "identity")
        return Status::unsupported("normalization '" + std::string(normalization) +
                                   "' (only identity is supported, as in Llama 2)")
            .inFile(path)
            .atField("normalizer_spec.name");

    SpmBpeVocabulary vocabulary;
    for (std::size_t id = 0; id < pieces.size(); ++id) {
        // The model stores "▁" (U+2581) for spaces; the tokenizer works on plain spaces.
        std::string text = pieces[id].text;
        for (std::size_t at = text.find("\xE2\x96\x81"); at != std::string::npos;
             at = text.find("\xE2\x96\x81", at))
            text.replace(at, 3, " ");
        vocabulary.pieces.push_back(std::move(text));
        vocabulary.scores.push_back(pieces[id].score);
        vocabulary.control.push_back(pieces[id].type == 2 || pieces[id].type == 3); // UNKNOWN, CONTROL
        if (pieces[id].text == "<unk>")
            vocabulary.unk = static_cast<int32_t>(id);
        if (pieces[id].text == "<s>")
            vocabulary.bos = static_cast<int32_t>(id);
        if (pieces[id].text == "</s>")
            vocabulary.eos = static_cast<int32_t>(id);
    }
    return makeSpmBpeTokenizer(std::move(vocabulary), path);
}

} // namespace attnscope::tokenizers
