// SPDX-License-Identifier: Apache-2.0
#include "bpe_model.h"

#include <climits>

namespace attnscope::tokenizers {

namespace {

std::string utf8(uint32_t code) {
    std::string out;
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
    return out;
}

} // namespace

ByteAlphabet::ByteAlphabet() {
    // Printable Latin-1 bytes keep their code point; the other 68 bytes map to 256, 257, ... in order.
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        const uint32_t code = printable ? static_cast<uint32_t>(b) : next++;
        m_forward[b] = utf8(code);
        m_backward[code] = static_cast<unsigned char>(b);
    }
}

bool ByteAlphabet::decode(std::string_view symbols, std::string& bytes) const {
    for (std::size_t i = 0; i < symbols.size();) {
        const auto lead = static_cast<unsigned char>(symbols[i]);
        uint32_t code;
        std::size_t length;
        if (lead < 0x80) {
            code = lead;
            length = 1;
        } else if ((lead & 0xE0) == 0xC0 && i + 1 < symbols.size()) {
            code = ((lead & 0x1F) << 6) | (static_cast<unsigned char>(symbols[i + 1]) & 0x3F);
            length = 2;
        } else {
            return false; // every alphabet character is at most U+0143: two bytes
        }
        auto it = m_backward.find(code);
        if (it == m_backward.end())
            return false;
        bytes += static_cast<char>(it->second);
        i += length;
    }
    return true;
}

void BpeMerges::add(std::string left, std::string right, int rank) {
    m_ranks.emplace(left + ' ' + right, rank); // the first occurrence of a duplicate merge wins, as in HF
}

int BpeMerges::rankOf(const std::string& left, const std::string& right) const {
    std::string key;
    key.reserve(left.size() + right.size() + 1);
    key.append(left).append(1, ' ').append(right);
    auto it = m_ranks.find(key);
    return it == m_ranks.end() ? INT_MAX : it->second;
}

void BpeMerges::merge(std::vector<BpeSymbol>& symbols) const {
    while (symbols.size() > 1) {
        int best = INT_MAX;
        std::size_t at = 0;
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            const int rank = rankOf(symbols[i].text, symbols[i + 1].text);
            if (rank < best) {
                best = rank;
                at = i;
            }
        }
        if (best == INT_MAX)
            return;
        // Merge every occurrence of the best pair, left to right (GPT-2's bpe(); equal to HF's result).
        const std::string left = symbols[at].text, right = symbols[at + 1].text;
        std::vector<BpeSymbol> merged;
        merged.reserve(symbols.size());
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            if (i + 1 < symbols.size() && symbols[i].text == left && symbols[i + 1].text == right) {
                merged.push_back({left + right, symbols[i].begin, symbols[i + 1].end});
                ++i;
            } else {
                merged.push_back(std::move(symbols[i]));
            }
        }
        symbols = std::move(merged);
    }
}

} // namespace attnscope::tokenizers
