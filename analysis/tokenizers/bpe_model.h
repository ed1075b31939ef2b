// SPDX-License-Identifier: Apache-2.0
// Byte-level BPE: GPT-2's byte-to-unicode alphabet and rank-ordered merges (internal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnscope::tokenizers {

/// GPT-2's reversible map from bytes to printable code points (as UTF-8 strings), and back.
class ByteAlphabet {
public:
    ByteAlphabet();
    const std::string& encode(unsigned char byte) const { return m_forward[byte]; }
    /// Maps a token's surface string back to bytes; false when it holds a character outside the alphabet.
    bool decode(std::string_view symbols, std::string& bytes) const;

private:
    std::string m_forward[256];
    std::unordered_map<uint32_t, unsigned char> m_backward; ///< code point -> byte
};

/// One BPE symbol after merging: its surface string and the byte span of the input it covers.
struct BpeSymbol {
    std::string text;
    int64_t begin = 0;
    int64_t end = 0;
};

/// The merge table. Thread-safety: immutable after loading; merge() is const.
class BpeMerges {
public:
    void add(std::string left, std::string right, int rank);
    std::size_t size() const { return m_ranks.size(); }

    /// Applies merges lowest rank first to `symbols` (one per byte initially) until none applies.
    void merge(std::vector<BpeSymbol>& symbols) const;

private:
    int rankOf(const std::string& left, const std::string& right) const;
    std::unordered_map<std::string, int>
        m_ranks; ///< key: left + ' ' + right (byte-level text has no raw space)
};

} // namespace attnscope::tokenizers
