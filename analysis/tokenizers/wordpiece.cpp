// SPDX-License-Identifier: Apache-2.0
// WordPiece as BERT's tokenizer.json defines it. Normalization runs per code point, so every
// normalized character keeps the byte span of the original character it came from, and token offsets
// point into the caller's text even after lowercasing and accent stripping.
#include "wordpiece.h"

#include "token_template.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#if defined(ATTNSCOPE_HAS_ICU)
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#endif

namespace attnscope::tokenizers {

namespace {

using Json = nlohmann::json;

uint32_t decodeAt(std::string_view text, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    int length = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : 4;
    uint32_t code = length == 1 ? b0 : b0 & (0x7F >> length);
    for (int k = 1; k < length; ++k)
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += static_cast<std::size_t>(length);
    return code;
}

void appendUtf8(uint32_t code, std::string& out) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

/// BERT's character classes (tokenizers' bert normalizer and pre-tokenizer).
bool isWhitespace(uint32_t c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return true;
#if defined(ATTNSCOPE_HAS_ICU)
    return u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR;
#else
    return c == 0xA0 || c == 0x3000;
#endif
}

bool isControl(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r')
        return false;
#if defined(ATTNSCOPE_HAS_ICU)
    const int8_t type = u_charType(static_cast<UChar32>(c));
    return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR || type == U_PRIVATE_USE_CHAR ||
           type == U_UNASSIGNED;
#else
    return c < 0x20 || c == 0x7F;
#endif
}

bool isPunctuation(uint32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return true;
#if defined(ATTNSCOPE_HAS_ICU)
    const int8_t type = u_charType(static_cast<UChar32>(c));
    return type == U_CONNECTOR_PUNCTUATION || type == U_DASH_PUNCTUATION || type == U_START_PUNCTUATION ||
           type == U_END_PUNCTUATION || type == U_INITIAL_PUNCTUATION || type == U_FINAL_PUNCTUATION ||
           type == U_OTHER_PUNCTUATION;
#else
    return false;
#endif
}

bool isChinese(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B820 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/// A normalized character with the byte span of the original character.
struct Char {
    uint32_t code;
    int64_t begin, end;
};

struct BertNormalizer {
    bool cleanText = true, chineseChars = true, stripAccents = true, lowercase = true;

    std::vector<Char> apply(std::string_view text) const {
        std::vector<Char> out;
        for (std::size_t i = 0; i < text.size();) {
            const auto begin = static_cast<int64_t>(i);
            const uint32_t c = decodeAt(text, i);
            const auto end = static_cast<int64_t>(i);
            if (cleanText && (c == 0 || c == 0xFFFD || isControl(c)))
                continue;
            if (cleanText && isWhitespace(c)) {
                out.push_back({' ', begin, end});
                continue;
            }
            if (chineseChars && isChinese(c)) {
                out.push_back({' ', begin, begin});
                out.push_back({c, begin, end});
                out.push_back({' ', end, end});
                continue;
            }
            for (uint32_t mapped : caseAndAccents(c))
                out.push_back({mapped, begin, end});
        }
        return out;
    }

    /// Lowercases and strips accents (NFD, then drops combining marks) one code point at a time.
    std::vector<uint32_t> caseAndAccents(uint32_t c) const {
#if defined(ATTNSCOPE_HAS_ICU)
        std::vector<uint32_t> codes{c};
        if (stripAccents) {
            UErrorCode error = U_ZERO_ERROR;
            const UNormalizer2* nfd = unorm2_getNFDInstance(&error);
            UChar source[2], decomposed[16];
            int32_t length = 0;
            U16_APPEND_UNSAFE(source, length, static_cast<UChar32>(c));
            const int32_t count = unorm2_normalize(nfd, source, length, decomposed, 16, &error);
            if (U_SUCCESS(error)) {
                codes.clear();
                for (int32_t k = 0; k < count;) {
                    UChar32 code;
                    U16_NEXT(decomposed, k, count, code);
                    if (u_charType(code) != U_NON_SPACING_MARK)
                        codes.push_back(static_cast<uint32_t>(code));
                }
            }
        }
        if (lowercase)
            for (uint32_t& code : codes)
                code = static_cast<uint32_t>(u_tolower(static_cast<UChar32>(code)));
        return codes;
#else
        if (lowercase && c >= 'A' && c <= 'Z')
            return {c + 32};
        return {c};
#endif
    }
};

class WordPieceTokenizer final : public Tokenizer {
public:
    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::string> idToToken;
    std::vector<bool> isSpecial;
    std::string prefix = "##";
    int32_t unknown = -1;
    std::size_t maxWordChars = 100;
    BertNormalizer normalizer;
    bool normalize = true;
    std::vector<TemplateItem> singleTemplate;

    Expected<Encoding> encode(std::string_view text, bool addSpecialTokens) const override {
        ATTNSCOPE_TRY(validateUtf8(text));
        std::vector<Char> chars = normalize ? normalizer.apply(text) : plainChars(text);
        Encoding body;
        // BertPreTokenizer: split on whitespace; every punctuation character is a word of its own.
        std::size_t start = 0;
        auto flush = [&](std::size_t end) -> Status {
            if (end > start)
                ATTNSCOPE_TRY(encodeWord(chars, start, end, body));
            return Status::ok();
        };
        for (std::size_t i = 0; i < chars.size(); ++i) {
            if (isWhitespace(chars[i].code)) {
                ATTNSCOPE_TRY(flush(i));
                start = i + 1;
            } else if (isPunctuation(chars[i].code)) {
                ATTNSCOPE_TRY(flush(i));
                start = i;
                ATTNSCOPE_TRY(flush(i + 1));
                start = i + 1;
            }
        }
        ATTNSCOPE_TRY(flush(chars.size()));
        return addSpecialTokens ? applyTemplate(std::move(body), singleTemplate) : body;
    }

    Expected<std::string> decode(const std::vector<int32_t>& ids, bool skipSpecial) const override {
        std::string text;
        for (int32_t id : ids) {
            ATTNSCOPE_TRY(checkDecodableId(id, idToToken));
            if (skipSpecial && isSpecial[id])
                continue;
            const std::string& token = idToToken[id];
            if (token.rfind(prefix, 0) == 0)
                text += token.substr(prefix.size());
            else
                text += (text.empty() ? "" : " ") + token;
        }
        return text;
    }

    int vocabSize() const override { return static_cast<int>(idToToken.size()); }
    std::string tokenText(int32_t id) const override {
        return id >= 0 && id < static_cast<int32_t>(idToToken.size()) ? idToToken[id] : std::string();
    }
    std::string describe() const override { return "WordPiece, " + std::to_string(vocabSize()) + " tokens"; }

private:
    static std::vector<Char> plainChars(std::string_view text) {
        std::vector<Char> out;
        for (std::size_t i = 0; i < text.size();) {
            const auto begin = static_cast<int64_t>(i);
            const uint32_t c = decodeAt(text, i);
            out.push_back({c, begin, static_cast<int64_t>(i)});
        }
        return out;
    }

    /// Greedy longest-match-first over the characters [start, end); a word with no full cover is [UNK].
    Status encodeWord(const std::vector<Char>& chars, std::size_t start, std::size_t end,
                      Encoding& out) const {
        const Span whole{chars[start].begin, chars[end - 1].end};
        if (end - start > maxWordChars)
            return emitUnknown(whole, out);
        std::vector<std::string> prefixes(end - start + 1); // text of chars [start, start + k)
        for (std::size_t k = 0; k < end - start; ++k) {
            prefixes[k + 1] = prefixes[k];
            appendUtf8(chars[start + k].code, prefixes[k + 1]);
        }
        std::vector<std::pair<int32_t, Span>> pieces;
        for (std::size_t from = 0; from < end - start;) {
            std::size_t to = end - start;
            int32_t found = -1;
            for (; to > from; --to) {
                std::string candidate = prefixes[to].substr(prefixes[from].size());
                if (from > 0)
                    candidate = prefix + candidate;
                if (auto it = vocab.find(candidate); it != vocab.end()) {
                    found = it->second;
                    break;
                }
            }
            if (found < 0)
                return emitUnknown(whole, out);
            pieces.push_back({found, {chars[start + from].begin, chars[start + to - 1].end}});
            from = to;
        }
        for (const auto& [id, span] : pieces) {
            out.ids.push_back(id);
            out.offsets.push_back(span);
        }
        return Status::ok();
    }

    Status emitUnknown(const Span& span, Encoding& out) const {
        if (unknown < 0)
            return Status::invalidArgument(
                       "a word has no WordPiece cover and the vocabulary has no unknown token")
                .atField("model.unk_token");
        out.ids.push_back(unknown);
        out.offsets.push_back(span);
        return Status::ok();
    }
};

std::optional<int32_t> smallId(const Json& value) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > (1 << 24))
        return std::nullopt;
    return static_cast<int32_t>(value.get<int64_t>());
}

} // namespace

Expected<std::unique_ptr<Tokenizer>> wordPieceFromJson(const Json& root, const std::string& source) {
    auto tokenizer = std::make_unique<WordPieceTokenizer>();
    auto fail = [&source](Status status) {
        return std::move(status).inFile(source);
    };
    try {
        const Json& model = root.at("model");
        const Json& vocab = model.contains("vocab") ? model["vocab"] : Json();
        if (!vocab.is_object() || vocab.empty())
            return fail(
                Status::parseError("expected a non-empty object of token -> id").atField("model.vocab"));
        int32_t size = 0;
        for (const auto& [token, id] : vocab.items()) {
            const auto value = smallId(id);
            if (!value)
                return fail(Status::parseError("id of '" + token + "' is not an integer in [0, 2^24]")
                                .atField("model.vocab"));
            tokenizer->vocab.emplace(token, *value);
            size = std::max(size, *value + 1);
        }
        tokenizer->prefix = model.value("continuing_subword_prefix", std::string("##"));
        tokenizer->maxWordChars = model.value("max_input_chars_per_word", 100);
        const std::string unk = model.value("unk_token", std::string("[UNK]"));
        if (auto it = tokenizer->vocab.find(unk); it != tokenizer->vocab.end())
            tokenizer->unknown = it->second;

        const Json normalizer = root.value("normalizer", Json());
        if (normalizer.is_object()) {
            if (normalizer.value("type", "") != "BertNormalizer")
                return fail(Status::unsupported("normalizer '" + normalizer.value("type", "") +
                                                "' with WordPiece (supported: BertNormalizer)")
                                .atField("normalizer.type"));
            BertNormalizer& n = tokenizer->normalizer;
            n.cleanText = normalizer.value("clean_text", true);
            n.chineseChars = normalizer.value("handle_chinese_chars", true);
            n.lowercase = normalizer.value("lowercase", true);
            // strip_accents null follows lowercase, as in BERT.
            const Json strip = normalizer.value("strip_accents", Json());
            n.stripAccents = strip.is_boolean() ? strip.get<bool>() : n.lowercase;
        } else {
            tokenizer->normalize = false;
        }
        const Json pre = root.value("pre_tokenizer", Json());
        if (pre.is_object() && pre.value("type", "") != "BertPreTokenizer")
            return fail(Status::unsupported("pre-tokenizer '" + pre.value("type", "") +
                                            "' with WordPiece (supported: BertPreTokenizer)")
                            .atField("pre_tokenizer.type"));

        for (const Json& entry : root.value("added_tokens", Json::array())) {
            const auto id = smallId(entry.at("id"));
            if (!id)
                return fail(Status::parseError("ids must be integers in [0, 2^24]").atField("added_tokens"));
            tokenizer->vocab.emplace(entry.at("content").get<std::string>(), *id);
            size = std::max(size, *id + 1);
        }
        tokenizer->idToToken.assign(static_cast<std::size_t>(size), {});
        tokenizer->isSpecial.assign(static_cast<std::size_t>(size), false);
        for (const auto& [token, id] : tokenizer->vocab)
            tokenizer->idToToken[id] = token;
        for (const Json& entry : root.value("added_tokens", Json::array()))
            if (entry.value("special", false))
                tokenizer->isSpecial[*smallId(entry.at("id"))] = true;

        const Json post = root.value("post_processor", Json());
        if (post.is_object()) {
            const std::string type = post.value("type", "");
            if (type == "BertProcessing") { // "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]
                const auto cls = smallId(post.at("cls").at(1)), sep = smallId(post.at("sep").at(1));
                if (!cls || !sep)
                    return fail(Status::parseError("cls/sep ids must be integers").atField("post_processor"));
                tokenizer->singleTemplate = {{false, *cls}, {true, 0}, {false, *sep}};
            } else if (type == "TemplateProcessing") {
                const Json& specials = post.value("special_tokens", Json::object());
                for (const Json& item : post.value("single", Json::array())) {
                    if (item.contains("Sequence")) {
                        tokenizer->singleTemplate.push_back({true, 0});
                        continue;
                    }
                    const std::string name = item.at("SpecialToken").value("id", "");
                    const auto id =
                        specials.contains(name) ? smallId(specials[name].at("ids").at(0)) : std::nullopt;
                    if (!id)
                        return fail(
                            Status::parseError("template names special token '" + name + "' without ids")
                                .atField("post_processor.special_tokens"));
                    tokenizer->singleTemplate.push_back({false, *id});
                }
            } else {
                return fail(Status::unsupported("post-processor '" + type + "' with WordPiece")
                                .atField("post_processor.type"));
            }
        }
    } catch (const Json::exception& error) {
        return fail(Status::parseError(std::string("unexpected structure: ") + error.what()));
    }
    if (Status ids = checkTemplateIds(tokenizer->singleTemplate, tokenizer->idToToken); !ids.isOk())
        return fail(std::move(ids));
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

} // namespace attnscope::tokenizers
