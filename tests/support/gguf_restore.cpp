// SPDX-License-Identifier: Apache-2.0
#include "gguf_restore.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace attnscope::test {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
constexpr int kHole = -1; // a U+FFFD of the damaged file: one or more lost bytes (or the character itself)
constexpr int kControlToken = 3; // llama.cpp's LLAMA_TOKEN_TYPE_CONTROL
constexpr uint64_t kLongestString = 1 << 16;

bool isContinuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

/// Length of the well-formed UTF-8 sequence at `at`, or the length of its maximal ill-formed subpart
/// as a negative number.
int sequenceAt(std::string_view bytes, std::size_t at) {
    const auto lead = static_cast<unsigned char>(bytes[at]);
    if (lead < 0x80)
        return 1;
    int length = 0;
    unsigned char low = 0x80, high = 0xBF; // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return -1;
    }
    int valid = 1;
    for (; valid < length && at + valid < bytes.size(); ++valid) {
        const auto byte = static_cast<unsigned char>(bytes[at + valid]);
        const bool allowed = valid == 1 ? byte >= low && byte <= high : isContinuation(byte);
        if (!allowed)
            break;
    }
    return valid == length ? length : -valid;
}

std::vector<int> segmentsOf(std::string_view damaged) {
    std::vector<int> segments;
    segments.reserve(damaged.size());
    for (std::size_t i = 0; i < damaged.size();) {
        if (damaged.substr(i, 3) == kReplacement) {
            segments.push_back(kHole);
            i += 3;
        } else {
            segments.push_back(static_cast<unsigned char>(damaged[i++]));
        }
    }
    return segments;
}

template <typename T>
T load(const std::string& bytes) {
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
}

std::string hex(const std::string& bytes) {
    std::ostringstream text;
    text << std::hex;
    for (unsigned char byte : bytes)
        text << (byte < 16 ? "0" : "") << static_cast<int>(byte);
    return text.str();
}

std::size_t scalarSize(uint32_t type) {
    switch (type) {
    case 0:
    case 1:
    case 7:
        return 1; // u8, i8, bool
    case 2:
    case 3:
        return 2; // u16, i16
    case 4:
    case 5:
    case 6:
        return 4; // u32, i32, f32
    case 10:
    case 11:
    case 12:
        return 8; // u64, i64, f64
    default:
        return 0; // string (8), array (9), unknown
    }
}

class Restorer {
public:
    Restorer(std::string_view damaged, const std::map<std::string, FloatCandidates>& floatArrays)
        : m_seg(segmentsOf(damaged)), m_floatArrays(floatArrays) {}

    GgufRestoration run() {
        GgufRestoration result;
        try {
            if (takeLiteral(4, "magic") != "GGUF")
                fail("not a GGUF file");
            takeLiteral(4, "version");
            m_tensorCount = load<uint64_t>(takeLiteral(8, "tensor count"));
            const auto kvCount = load<uint64_t>(takeLiteral(8, "metadata count"));
            for (uint64_t kv = 0; kv < kvCount; ++kv) {
                const auto keyLength = load<uint64_t>(takeLiteral(8, "metadata key length"));
                const std::string key = takeText(keyLength, "metadata key");
                const auto type = load<uint32_t>(takeLiteral(4, key + " type"));
                value(key, type, kv + 1 == kvCount);
            }
            // Tensor infos, padding and data: restored only when nothing there was lost.
            takeLiteral(m_seg.size() - m_pos, "tensor infos and data");
        } catch (const std::runtime_error& error) {
            result.error = error.what();
            return result;
        }
        result.bytes = std::move(m_out);
        result.restored = std::move(m_notes);
        return result;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error(why + " (at damaged byte segment " + std::to_string(m_pos) + ")");
    }

    bool literalAt(std::size_t at, std::size_t n) const {
        if (at + n > m_seg.size())
            return false;
        for (std::size_t i = at; i < at + n; ++i)
            if (m_seg[i] == kHole)
                return false;
        return true;
    }

    std::string literalBytes(std::size_t at, std::size_t n) const {
        std::string bytes(n, '\0');
        for (std::size_t i = 0; i < n; ++i)
            bytes[i] = static_cast<char>(m_seg[at + i]);
        return bytes;
    }

    std::string takeLiteral(std::size_t n, const std::string& what) {
        if (!literalAt(m_pos, n))
            fail(what + ": bytes lost");
        std::string bytes = literalBytes(m_pos, n);
        m_pos += n;
        m_out += bytes;
        return bytes;
    }

    /// Where `n` bytes of UTF-8 text starting at `at` end: inside text a U+FFFD is the character itself.
    std::optional<std::size_t> textEnd(std::size_t at, uint64_t n, std::string* text = nullptr) const {
        uint64_t bytes = 0;
        std::size_t i = at;
        for (; bytes < n && i < m_seg.size(); ++i) {
            bytes += m_seg[i] == kHole ? 3 : 1;
            if (text)
                *text += m_seg[i] == kHole ? std::string(kReplacement)
                                           : std::string(1, static_cast<char>(m_seg[i]));
        }
        if (bytes != n)
            return std::nullopt;
        return i;
    }

    std::string takeText(uint64_t n, const std::string& what) {
        std::string text;
        const auto end = textEnd(m_pos, n, &text);
        if (!end)
            fail(what + ": a string of " + std::to_string(n) + " bytes does not end on a character");
        m_pos = *end;
        m_out += text;
        return text;
    }

    /// Every way to fill the lost bytes of an n-byte number at `at`, each lost byte one of 0x80..0xFF
    /// (a byte below 0x80 always survives the conversion).
    std::vector<std::string> candidates(std::size_t at, std::size_t n) const {
        if (at + n > m_seg.size())
            return {};
        std::vector<std::size_t> holes;
        for (std::size_t i = 0; i < n; ++i)
            if (m_seg[at + i] == kHole)
                holes.push_back(i);
        if (holes.size() > 2)
            return {}; // 128^3 and more: not decidable by trial
        std::vector<std::string> all{std::string(n, '\0')};
        for (std::size_t i = 0; i < n; ++i)
            if (m_seg[at + i] != kHole)
                all[0][i] = static_cast<char>(m_seg[at + i]);
        for (std::size_t hole : holes) {
            std::vector<std::string> next;
            for (const std::string& partial : all)
                for (int byte = 0x80; byte <= 0xFF; ++byte) {
                    next.push_back(partial);
                    next.back()[hole] = static_cast<char>(byte);
                }
            all = std::move(next);
        }
        return all;
    }

    /// A plausible string of n bytes at `at`: well-formed UTF-8 without NUL, and, when `more` strings
    /// follow, a next length that is itself plausible.
    bool plausibleString(std::size_t at, uint64_t n, bool more) const {
        if (n > kLongestString)
            return false;
        std::string text;
        const auto end = textEnd(at, n, &text);
        if (!end || text.find('\0') != std::string::npos || mangleAsText(text) != text)
            return false;
        if (!more)
            return true;
        if (literalAt(*end, 8))
            return load<uint64_t>(literalBytes(*end, 8)) <= kLongestString;
        // The next length lost bytes too: some reading of it must give a plausible string.
        for (const std::string& candidate : candidates(*end, 8))
            if (plausibleString(*end + 8, load<uint64_t>(candidate), false))
                return true;
        return false;
    }

    /// The length of the string whose u64 length starts at `at`, if the structure decides it.
    std::optional<uint64_t> stringLengthAt(std::size_t at, bool more) const {
        if (literalAt(at, 8))
            return load<uint64_t>(literalBytes(at, 8));
        std::optional<uint64_t> found;
        for (const std::string& candidate : candidates(at, 8)) {
            const auto n = load<uint64_t>(candidate);
            if (!plausibleString(at + 8, n, more))
                continue;
            if (found)
                return std::nullopt; // two readings: undecided
            found = n;
        }
        return found;
    }

    /// Where an array of `count` elements of `type` starting at `at` ends, if it can be walked.
    std::optional<std::size_t> arrayEnd(std::size_t at, uint32_t type, uint64_t count) const {
        if (type != 8) {
            const std::size_t size = scalarSize(type);
            if (size == 0 || count > m_seg.size() / size)
                return std::nullopt;
            return at + count * size; // assumes one lost byte per U+FFFD in the elements
        }
        for (uint64_t i = 0; i < count; ++i) {
            const auto length = stringLengthAt(at, i + 1 < count);
            if (!length)
                return std::nullopt;
            const auto end = textEnd(at + 8, *length);
            if (!end)
                return std::nullopt;
            at = *end;
        }
        return at;
    }

    /// Whether the next metadata entry (or, after the last one, the tensor infos or padding) starts at `at`.
    bool entryStartsAt(std::size_t at, bool afterLast) const {
        if (afterLast) {
            if (m_tensorCount > 0)
                return literalAt(at, 8) && load<uint64_t>(literalBytes(at, 8)) <= 256;
            for (std::size_t i = at; i < m_seg.size(); ++i)
                if (m_seg[i] != 0)
                    return false;
            return at <= m_seg.size();
        }
        if (!literalAt(at, 8))
            return false;
        const auto keyLength = load<uint64_t>(literalBytes(at, 8));
        if (keyLength == 0 || keyLength > 256 || !literalAt(at + 8, keyLength + 4))
            return false;
        const std::string key = literalBytes(at + 8, keyLength);
        for (char c : key)
            if (c <= ' ' || c > '~')
                return false;
        return key.find('.') != std::string::npos &&
               load<uint32_t>(literalBytes(at + 8 + keyLength, 4)) <= 12;
    }

    void value(const std::string& key, uint32_t type, bool last) {
        if (type == 8) {
            const auto length = stringLengthAt(m_pos, false);
            if (!length)
                fail(key + ": string length lost");
            noteIfLost(m_pos, 8,
                       key + ": string length " + std::to_string(*length) + " (from the structure)");
            m_out += std::string(reinterpret_cast<const char*>(&*length), 8);
            m_pos += 8;
            takeText(*length, key);
        } else if (type == 9) {
            array(key, last);
        } else {
            scalar(key, type);
        }
    }

    void noteIfLost(std::size_t at, std::size_t n, const std::string& note) {
        if (!literalAt(at, n))
            m_notes.push_back(note);
    }

    void array(const std::string& key, bool last) {
        const auto type = load<uint32_t>(takeLiteral(4, key + " element type"));
        uint64_t count = 0;
        if (literalAt(m_pos, 8)) {
            count = load<uint64_t>(literalBytes(m_pos, 8));
        } else {
            std::optional<uint64_t> found;
            for (const std::string& candidate : candidates(m_pos, 8)) {
                const auto n = load<uint64_t>(candidate);
                const auto end = arrayEnd(m_pos + 8, type, n);
                if (!end || !entryStartsAt(*end, last))
                    continue;
                if (found)
                    fail(key + ": array count lost, and more than one count fits");
                found = n;
            }
            if (!found)
                fail(key + ": array count lost, and no count fits");
            count = *found;
            m_notes.push_back(key + ": array count " + std::to_string(count) + " (from the structure)");
        }
        m_out += std::string(reinterpret_cast<const char*>(&count), 8);
        m_pos += 8;
        if (type == 8) {
            int lengths = 0;
            for (uint64_t i = 0; i < count; ++i) {
                const auto length = stringLengthAt(m_pos, i + 1 < count);
                if (!length)
                    fail(key + "[" + std::to_string(i) +
                         "]: string length lost and not decided by the structure");
                lengths += literalAt(m_pos, 8) ? 0 : 1;
                m_out += std::string(reinterpret_cast<const char*>(&*length), 8);
                m_pos += 8;
                takeText(*length, key + "[" + std::to_string(i) + "]");
            }
            if (lengths > 0)
                m_notes.push_back(key + ": " + std::to_string(lengths) +
                                  " string lengths (from the structure)");
            return;
        }
        const std::size_t size = scalarSize(type);
        if (size == 0)
            fail(key + ": unknown element type " + std::to_string(type));
        const auto hints = m_floatArrays.find(key);
        int fromCandidates = 0;
        for (uint64_t i = 0; i < count; ++i) {
            if (literalAt(m_pos, size)) {
                const std::string bytes = takeLiteral(size, key);
                if (key == "tokenizer.ggml.token_type" && size == 4)
                    m_tokenTypes.push_back(load<int32_t>(bytes));
                continue;
            }
            if (hints == m_floatArrays.end() || type != 6)
                fail(key + "[" + std::to_string(i) + "]: bytes lost and no candidate values given");
            floatElement(key, i, hints->second);
            ++fromCandidates;
        }
        if (fromCandidates > 0)
            m_notes.push_back(key + ": " + std::to_string(fromCandidates) +
                              " elements from the candidate values, consistent with their surviving bytes");
    }

    /// A float whose bytes were partly lost: the first candidate that converts to what the file holds.
    void floatElement(const std::string& key, uint64_t index, const FloatCandidates& hints) {
        for (float candidate : hints(index)) {
            const std::string bytes(reinterpret_cast<const char*>(&candidate), 4);
            const std::vector<int> expected = segmentsOf(mangleAsText(bytes));
            if (m_pos + expected.size() > m_seg.size() ||
                !std::equal(expected.begin(), expected.end(),
                            m_seg.begin() + static_cast<std::ptrdiff_t>(m_pos)))
                continue;
            m_pos += expected.size();
            m_out += bytes;
            return;
        }
        fail(key + "[" + std::to_string(index) + "]: no candidate value fits the surviving bytes");
    }

    void scalar(const std::string& key, uint32_t type) {
        const std::size_t size = scalarSize(type);
        if (size == 0)
            fail(key + ": unknown value type " + std::to_string(type));
        if (literalAt(m_pos, size)) {
            takeLiteral(size, key);
            return;
        }
        const std::vector<std::string> all = candidates(m_pos, size);
        if (all.empty())
            fail(key + ": too many bytes lost");
        std::string chosen;
        if (key.rfind("tokenizer.", 0) == 0) {
            const bool tokenId = key.size() > 9 && key.compare(key.size() - 9, 9, "_token_id") == 0;
            if (!tokenId || size != 4)
                fail(key + ": bytes lost in a value tokenizers read");
            for (const std::string& candidate : all) {
                const auto id = load<uint32_t>(candidate);
                if (id >= m_tokenTypes.size() || m_tokenTypes[id] != kControlToken)
                    continue;
                if (!chosen.empty())
                    fail(key + ": bytes lost, and more than one control token fits");
                chosen = candidate;
            }
            if (chosen.empty())
                fail(key + ": bytes lost, and no control token fits");
            m_notes.push_back(key + ": " + std::to_string(load<uint32_t>(chosen)) +
                              " (the only control token that fits)");
        } else {
            chosen = all.front();
            m_notes.push_back(key + ": value unknown, bytes set to " + hex(chosen) +
                              " (not read by tokenizers)");
        }
        m_pos += size;
        m_out += chosen;
    }

    std::vector<int> m_seg;
    const std::map<std::string, FloatCandidates>& m_floatArrays;
    std::size_t m_pos = 0;
    std::string m_out;
    std::vector<std::string> m_notes;
    uint64_t m_tensorCount = 0;
    std::vector<int32_t> m_tokenTypes;
};

} // namespace

std::string mangleAsText(std::string_view bytes) {
    std::string text;
    text.reserve(bytes.size());
    for (std::size_t at = 0; at < bytes.size();) {
        const int length = sequenceAt(bytes, at);
        if (length > 0) {
            text.append(bytes.substr(at, static_cast<std::size_t>(length)));
            at += static_cast<std::size_t>(length);
        } else {
            text.append(kReplacement);
            at += static_cast<std::size_t>(-length);
        }
    }
    return text;
}

GgufRestoration restoreTextMangledGguf(std::string_view damaged,
                                       const std::map<std::string, FloatCandidates>& floatArrays) {
    GgufRestoration result = Restorer(damaged, floatArrays).run();
    if (result.error.empty() && mangleAsText(result.bytes) != damaged) {
        result.error = "the restored file does not convert back to the damaged one";
        result.bytes.clear();
    }
    return result;
}

} // namespace attnscope::test
