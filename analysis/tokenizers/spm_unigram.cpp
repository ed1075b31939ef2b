// SPDX-License-Identifier: Apache-2.0
#include "spm_unigram.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace attnscope::tokenizers {

namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81"; // U+2581, SentencePiece's visible space
constexpr float kUnknownPenalty = 10.0f;

/// The byte of a "<0xXX>" piece, or -1 when the text is not one (malformed pieces come from files).
int byteOfPiece(std::string_view text) {
    if (text.size() != 6 || !text.starts_with("<0x") || text.back() != '>')
        return -1;
    auto hex = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                      : -1;
    };
    const int high = hex(text[3]), low = hex(text[4]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

/// SentencePiece's OneCharLen: the length a UTF-8 lead byte announces (1 for stray bytes).
int oneCharLength(unsigned char lead) {
    return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[lead >> 4];
}

/// The precompiled character map: a darts-clone double array whose leaves point into a pool of
/// NUL-terminated replacement strings. Every index is bounds-checked: the map comes from a file.
class CharsMap {
public:
    Status load(const std::string& blob, const std::string& source) {
        m_units.clear();
        m_pool.clear();
        if (blob.empty())
            return Status::ok(); // identity: no rules
        uint32_t trieBytes = 0;
        if (blob.size() <= sizeof trieBytes)
            return broken(source, "shorter than its header");
        std::memcpy(&trieBytes, blob.data(), sizeof trieBytes);
        if (trieBytes >= blob.size() - sizeof trieBytes + 1 || trieBytes % 4 != 0)
            return broken(source, "trie size " + std::to_string(trieBytes) + " exceeds the blob");
        m_units.resize(trieBytes / 4);
        if (trieBytes > 0) // an empty trie holds no rules (found by fuzz_sentencepiece_model: memcpy to null)
            std::memcpy(m_units.data(), blob.data() + sizeof trieBytes, trieBytes);
        m_pool.assign(blob.data() + sizeof trieBytes + trieBytes, blob.size() - sizeof trieBytes - trieBytes);
        return Status::ok();
    }

    /// The longest rule matching a prefix of `input`: its length and replacement; false when none.
    bool longestMatch(std::string_view input, std::size_t& length, std::string_view& replacement) const {
        if (m_units.empty())
            return false;
        length = 0;
        uint32_t value = 0;
        std::size_t id = offset(m_units[0]);
        for (std::size_t i = 0; i < input.size(); ++i) {
            const auto c = static_cast<unsigned char>(input[i]);
            id ^= c;
            if (id >= m_units.size())
                break;
            const uint32_t unit = m_units[id];
            if (label(unit) != c)
                break;
            id ^= offset(unit);
            if (id >= m_units.size())
                break;
            if (hasLeaf(unit)) {
                length = i + 1;
                value = m_units[id] & ((1u << 31) - 1);
            }
        }
        if (length == 0 || value >= m_pool.size())
            return false;
        const std::size_t end = m_pool.find('\0', value);
        replacement = std::string_view(m_pool).substr(value, end == std::string::npos ? std::string::npos
                                                                                      : end - value);
        return true;
    }

private:
    static bool hasLeaf(uint32_t unit) { return ((unit >> 8) & 1) == 1; }
    static uint32_t label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
    static std::size_t offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }
    static Status broken(const std::string& source, const std::string& why) {
        return Status::parseError("broken precompiled character map: " + why)
            .inFile(source)
            .atField("normalizer_spec.precompiled_charsmap");
    }

    std::vector<uint32_t> m_units;
    std::string m_pool;
};

class SpmUnigramTokenizer final : public Tokenizer {
public:
    Status init(SpmUnigramModel model, const std::string& source) {
        m_model = std::move(model);
        ATTNSCOPE_TRY(m_charsMap.load(m_model.normalizer.precompiledCharsmap, source));
        float minScore = FLT_MAX;
        for (std::size_t id = 0; id < m_model.pieces.size(); ++id) {
            const SpmPiece& piece = m_model.pieces[id];
            const auto token = static_cast<int32_t>(id);
            if (piece.type == 1 || piece.type == 4 || piece.type == 5) { // normal, user-defined, unused
                m_lookup.emplace(piece.text, token);
                m_longestPiece = std::max(m_longestPiece, piece.text.size());
            }
            if (piece.type == 1) {
                minScore = std::min(minScore, piece.score);
                m_maxScore = std::max(m_maxScore, piece.score);
            }
            if (piece.type == 2 && m_unk < 0)
                m_unk = token;
            if (piece.type == 3 && piece.text == "<s>")
                m_bos = token;
            if (const int byte = byteOfPiece(piece.text); piece.type == 6 && byte >= 0)
                m_bytes[static_cast<std::size_t>(byte)] = token;
        }
        if (m_unk < 0)
            return Status::parseError("no piece of type UNKNOWN").inFile(source).atField("pieces");
        m_unknownScore = (minScore == FLT_MAX ? 0.0f : minScore) - kUnknownPenalty;
        return Status::ok();
    }

    Expected<Encoding> encode(std::string_view text, bool addSpecialTokens) const override {
        ATTNSCOPE_TRY(validateUtf8(text));
        Encoding encoding;
        if (addSpecialTokens && m_bos >= 0) {
            encoding.ids.push_back(m_bos);
            encoding.offsets.emplace_back(0, 0);
        }
        std::string normalized;
        std::vector<int64_t> toOriginal;
        normalize(text, normalized, toOriginal);
        const std::vector<std::pair<int, int32_t>> path = viterbi(normalized); // (end, id), in order
        int begin = 0;
        bool previousUnknown = false;
        for (const auto& [end, id] : path) {
            const Span span{toOriginal[static_cast<std::size_t>(begin)],
                            toOriginal[static_cast<std::size_t>(end)]};
            const bool unknown = id == m_unk;
            if (unknown && m_model.byteFallback) {
                // Byte pieces of the unknown character; the last one carries its span (SentencePiece).
                for (int b = begin; b < end; ++b) {
                    const int32_t byte =
                        m_bytes[static_cast<unsigned char>(normalized[static_cast<std::size_t>(b)])];
                    encoding.ids.push_back(byte >= 0 ? byte : m_unk);
                    encoding.offsets.push_back(b + 1 == end ? span : Span{span.first, span.first});
                }
            } else if (unknown && previousUnknown) {
                encoding.offsets.back().second = span.second; // runs of unknown characters merge
            } else {
                encoding.ids.push_back(id);
                encoding.offsets.push_back(span);
            }
            previousUnknown = unknown;
            begin = end;
        }
        return encoding;
    }

    Expected<std::string> decode(const std::vector<int32_t>& ids, bool skipSpecial) const override {
        std::string text;
        for (int32_t id : ids) {
            if (id < 0 || id >= vocabSize())
                return Status::invalidArgument("token id " + std::to_string(id) + " outside the vocabulary")
                    .atField("ids");
            const SpmPiece& piece = m_model.pieces[static_cast<std::size_t>(id)];
            if (piece.type == 3)
                continue; // control pieces have no surface
            if (piece.type == 2) {
                if (!skipSpecial)
                    text += " \xE2\x81\x87 "; // SentencePiece's unk surface " ⁇ "
                continue;
            }
            if (const int byte = byteOfPiece(piece.text); piece.type == 6 && byte >= 0) {
                text += static_cast<char>(byte);
                continue;
            }
            text += piece.text;
        }
        std::string out;
        for (std::size_t at = 0; at < text.size();) {
            if (text.compare(at, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
                out += ' ';
                at += kSpaceSymbol.size();
            } else
                out += text[at++];
        }
        if (m_model.normalizer.addDummyPrefix && !out.empty() && out.front() == ' ')
            out.erase(0, 1);
        return out;
    }

    int vocabSize() const override { return static_cast<int>(m_model.pieces.size()); }

    std::string tokenText(int32_t id) const override {
        return id >= 0 && id < vocabSize() ? m_model.pieces[static_cast<std::size_t>(id)].text
                                           : std::string();
    }

    std::string describe() const override {
        return "SentencePiece unigram, " + std::to_string(m_model.pieces.size()) + " pieces, normalizer " +
               m_model.normalizer.name;
    }

private:
    /// SentencePiece's Normalizer::Normalize: `toOriginal[k]` is the input byte that normalized byte k
    /// came from, with one entry past the end.
    void normalize(std::string_view input, std::string& out, std::vector<int64_t>& toOriginal) const {
        const SpmNormalizerSpec& spec = m_model.normalizer;
        int64_t consumed = 0;
        if (spec.removeExtraWhitespaces)
            while (!input.empty()) {
                const auto [piece, length] = normalizePrefix(input);
                if (piece != " ")
                    break;
                input.remove_prefix(length);
                consumed += static_cast<int64_t>(length);
            }
        if (input.empty()) {
            toOriginal.push_back(consumed);
            return;
        }
        auto appendSpace = [&] {
            if (spec.escapeWhitespaces) {
                out += kSpaceSymbol;
                toOriginal.insert(toOriginal.end(), kSpaceSymbol.size(), consumed);
            } else {
                out += ' ';
                toOriginal.push_back(consumed);
            }
        };
        if (spec.addDummyPrefix)
            appendSpace();
        bool previousSpace = spec.removeExtraWhitespaces;
        while (!input.empty()) {
            auto [piece, length] = normalizePrefix(input);
            while (previousSpace && !piece.empty() && piece.front() == ' ')
                piece.remove_prefix(1);
            if (!piece.empty()) {
                for (char c : piece) {
                    if (spec.escapeWhitespaces && c == ' ') {
                        out += kSpaceSymbol;
                        toOriginal.insert(toOriginal.end(), kSpaceSymbol.size(), consumed);
                    } else {
                        out += c;
                        toOriginal.push_back(consumed);
                    }
                }
                previousSpace = piece.back() == ' ';
            }
            consumed += static_cast<int64_t>(length);
            input.remove_prefix(length);
            if (!spec.removeExtraWhitespaces)
                previousSpace = false;
        }
        if (spec.removeExtraWhitespaces) {
            const std::string_view space = spec.escapeWhitespaces ? kSpaceSymbol : std::string_view(" ");
            while (out.size() >= space.size() && std::string_view(out).ends_with(space)) {
                const std::size_t length = out.size() - space.size();
                consumed = toOriginal[length];
                out.resize(length);
                toOriginal.resize(length);
            }
        }
        toOriginal.push_back(consumed);
    }

    /// The replacement of the longest rule at the start of `input`, or its first character unchanged.
    /// (The text was validated as UTF-8, so SentencePiece's U+FFFD branch for broken bytes is not needed.)
    std::pair<std::string_view, std::size_t> normalizePrefix(std::string_view input) const {
        std::size_t length = 0;
        std::string_view replacement;
        if (m_charsMap.longestMatch(input, length, replacement))
            return {replacement, length};
        length = std::min<std::size_t>(oneCharLength(static_cast<unsigned char>(input[0])), input.size());
        return {input.substr(0, length), length};
    }

    /// SentencePiece's EncodeOptimized: best path over byte positions, one character at a time.
    std::vector<std::pair<int, int32_t>> viterbi(const std::string& text) const {
        struct Best {
            int32_t id = -1;
            float score = 0;
            int start = -1;
        };
        const int size = static_cast<int>(text.size());
        std::vector<Best> best(static_cast<std::size_t>(size) + 1);
        for (int start = 0; start < size;) {
            const float here = best[static_cast<std::size_t>(start)].score;
            const int charLength =
                std::min(oneCharLength(static_cast<unsigned char>(text[static_cast<std::size_t>(start)])),
                         size - start);
            bool singleCharacterPiece = false;
            const int longest = std::min<int>(static_cast<int>(m_longestPiece), size - start);
            for (int length = 1; length <= longest; ++length) {
                const auto found = m_lookup.find(std::string_view(text).substr(
                    static_cast<std::size_t>(start), static_cast<std::size_t>(length)));
                if (found == m_lookup.end())
                    continue;
                const SpmPiece& piece = m_model.pieces[static_cast<std::size_t>(found->second)];
                if (piece.type == 5)
                    continue; // unused pieces never match
                const float score =
                    piece.type == 4 ? static_cast<float>(length) * m_maxScore - 0.1f : piece.score;
                Best& target = best[static_cast<std::size_t>(start + length)];
                if (target.start == -1 || here + score > target.score)
                    target = {found->second, here + score, start};
                if (length == charLength)
                    singleCharacterPiece = true;
            }
            if (!singleCharacterPiece) {
                Best& target = best[static_cast<std::size_t>(start + charLength)];
                if (target.start == -1 || here + m_unknownScore > target.score)
                    target = {m_unk, here + m_unknownScore, start};
            }
            start += charLength;
        }
        std::vector<std::pair<int, int32_t>> path;
        for (int end = size; end > 0; end = best[static_cast<std::size_t>(end)].start)
            path.emplace_back(end, best[static_cast<std::size_t>(end)].id);
        std::reverse(path.begin(), path.end());
        return path;
    }

    SpmUnigramModel m_model;
    CharsMap m_charsMap;
    std::unordered_map<std::string_view, int32_t> m_lookup; ///< views into m_model's piece texts
    std::size_t m_longestPiece = 0;
    float m_maxScore = FLT_MIN, m_unknownScore = 0; ///< FLT_MIN as SentencePiece starts it (its quirk)
    int32_t m_unk = -1, m_bos = -1;
    std::array<int32_t, 256> m_bytes = filledBytes();

    static std::array<int32_t, 256> filledBytes() {
        std::array<int32_t, 256> bytes;
        bytes.fill(-1);
        return bytes;
    }
};

} // namespace

Expected<std::unique_ptr<Tokenizer>> makeSpmUnigramTokenizer(SpmUnigramModel model,
                                                             const std::string& source) {
    auto tokenizer = std::make_unique<SpmUnigramTokenizer>();
    ATTNSCOPE_TRY(tokenizer->init(std::move(model), source));
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

} // namespace attnscope::tokenizers
