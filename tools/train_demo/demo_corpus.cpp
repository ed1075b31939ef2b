// SPDX-License-Identifier: Apache-2.0
#include "demo_corpus.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace attnscope::demo {

namespace {

uint64_t fnv1a(const std::string& text) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text)
        hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

/// Fortune files that are pictures rather than prose.
bool isArtFile(const std::string& name) {
    return name == "art" || name == "ascii-art";
}

constexpr std::array kNames = {
    "Alice",  "Bob",     "Carol",  "David",  "Emma",    "Frank",  "Grace",   "Henry",  "Irene",  "Jack",
    "Karen",  "Louis",   "Maria",  "Nathan", "Olivia",  "Peter",  "Quinn",   "Rachel", "Simon",  "Tina",
    "Victor", "Wendy",   "Xavier", "Yvonne", "Zachary", "Agnes",  "Bruno",   "Clara",  "Dennis", "Edith",
    "Felix",  "Gloria",  "Hugo",   "Ingrid", "Julian",  "Laura",  "Martin",  "Nora",   "Oscar",  "Paula",
    "Robert", "Sophie",  "Thomas", "Ursula", "Vincent", "Walter", "Beatrix", "Conrad", "Daphne", "Elliot",
    "Fiona",  "Gregory", "Helen",  "Isaac",  "Joanna",  "Kevin",  "Lydia",   "Miles",  "Naomi",  "Owen"};

} // namespace

std::string needleSentence(const std::string& key, const std::string& value) {
    return "The secret number of " + key + " is " + value + ".";
}

std::string needleQuestion(const std::string& key) {
    return "Question: What is the secret number of " + key + "?\nAnswer: The secret number of " + key +
           " is ";
}

std::string aliasSentence(const std::string& alias, const std::string& key) {
    return alias + " has the same secret number as " + key + ".";
}

Expected<FortuneCorpus> readFortunes(const std::string& directory) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error))
        return Status::notFound("no fortune directory (Debian package: fortunes)").inFile(directory);
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error))
        if (entry.is_regular_file() && !entry.is_symlink() && entry.path().extension() != ".dat" &&
            !isArtFile(entry.path().filename().string()))
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    FortuneCorpus corpus;
    for (const auto& file : files) {
        std::ifstream stream(file, std::ios::binary);
        std::string line, entry;
        auto flush = [&] {
            while (!entry.empty() && (entry.back() == '\n' || entry.back() == ' '))
                entry.pop_back();
            if (entry.size() >= 8 && tokenizers::validateUtf8(entry).isOk())
                (fnv1a(entry) % 20 == 0 ? corpus.heldOut : corpus.training).push_back(entry);
            entry.clear();
        };
        while (std::getline(stream, line)) {
            if (line == "%")
                flush();
            else
                entry += line + "\n";
        }
        flush();
    }
    if (corpus.training.empty() || corpus.heldOut.empty())
        return Status::notFound("no fortunes found (Debian package: fortunes)").inFile(directory);
    return corpus;
}

DocumentFactory::DocumentFactory(const tokenizers::Tokenizer& tokenizer, std::vector<std::string> fortunes,
                                 int32_t bos, uint64_t seed)
    : m_tokenizer(tokenizer), m_fortunes(std::move(fortunes)), m_bos(bos), m_random(seed) {
    m_fortuneTokens.reserve(m_fortunes.size());
    for (const std::string& fortune : m_fortunes)
        m_fortuneTokens.push_back(static_cast<int>(encode(fortune).size()) + 1);
}

std::vector<int32_t> DocumentFactory::encode(const std::string& text) const {
    auto encoding = m_tokenizer.encode(text, /*addSpecialTokens=*/false);
    return encoding ? encoding->ids : std::vector<int32_t>{};
}

std::vector<std::string> DocumentFactory::haystack(int tokens) {
    std::vector<std::string> pieces;
    std::uniform_int_distribution<std::size_t> pick(0, m_fortunes.size() - 1);
    int used = 0;
    for (int attempts = 0; used < tokens && attempts < 10000; ++attempts) {
        const std::size_t i = pick(m_random);
        if (used + m_fortuneTokens[i] > tokens && used > 0 && m_fortuneTokens[i] > 8)
            continue; // prefer fortunes that fit; short ones top up
        pieces.push_back(m_fortunes[i]);
        used += m_fortuneTokens[i];
    }
    return pieces;
}

std::string DocumentFactory::randomName() {
    std::uniform_int_distribution<std::size_t> pick(0, kNames.size() - 1);
    return kNames[pick(m_random)];
}

std::string DocumentFactory::randomDigits(int count) {
    std::uniform_int_distribution<int> digit(0, 9);
    std::string digits;
    for (int i = 0; i < count; ++i)
        digits += static_cast<char>('0' + digit(m_random));
    return digits;
}

Document DocumentFactory::finish(std::vector<int32_t> ids, std::vector<float> weights, int length) {
    while (static_cast<int>(ids.size()) < length) {
        std::vector<int32_t> more = encode("\n\n" + m_fortunes[m_random() % m_fortunes.size()]);
        ids.insert(ids.end(), more.begin(), more.end());
        weights.resize(ids.size(), 1.0f);
    }
    ids.resize(length);
    weights.resize(length);
    return {std::move(ids), std::move(weights)};
}

Document DocumentFactory::text(int length) {
    std::vector<int32_t> ids{m_bos};
    std::string joined;
    for (const std::string& piece : haystack(length))
        joined += (joined.empty() ? "" : "\n\n") + piece;
    std::vector<int32_t> body = encode(joined);
    ids.insert(ids.end(), body.begin(), body.end());
    std::vector<float> weights(ids.size(), 1.0f);
    return finish(std::move(ids), std::move(weights), length);
}

Document DocumentFactory::needle(int length) {
    const int needles = 1 + static_cast<int>(m_random() % 4);
    std::vector<std::string> keys;
    std::set<std::string> used;
    while (static_cast<int>(keys.size()) < needles) {
        std::string name = randomName();
        if (used.insert(name).second)
            keys.push_back(name);
    }
    std::vector<std::string> values;
    for (int i = 0; i < needles; ++i)
        values.push_back(randomDigits(5));
    const int questions = 1 + static_cast<int>(m_random() % needles);
    // Two-hop: ALIAS shares the number of one needle; its question comes first.
    std::string alias;
    int aliasOf = -1;
    if (m_twoHopShare > 0.0 && std::uniform_real_distribution<double>(0.0, 1.0)(m_random) < m_twoHopShare) {
        while (alias.empty() || used.count(alias) > 0)
            alias = randomName();
        aliasOf = static_cast<int>(m_random() % static_cast<uint64_t>(needles));
    }
    const bool twoHop = aliasOf >= 0;
    // Roughly 17 tokens per needle and 30 per question and answer; the haystack takes the rest, and
    // a random share of it is left out so that questions come at varying positions.
    const int overhead = 20 * (needles + twoHop) + 34 * (questions + twoHop) + 8;
    std::uniform_real_distribution<double> share(0.3, 1.0);
    const int haystackTokens = std::max(16, static_cast<int>((length - overhead) * share(m_random)));
    std::vector<std::string> pieces = haystack(haystackTokens);
    for (int i = 0; i < needles; ++i) {
        const std::size_t at = m_random() % (pieces.size() + 1);
        pieces.insert(pieces.begin() + static_cast<std::ptrdiff_t>(at), needleSentence(keys[i], values[i]));
    }
    if (twoHop) {
        const std::size_t at = m_random() % (pieces.size() + 1);
        pieces.insert(pieces.begin() + static_cast<std::ptrdiff_t>(at), aliasSentence(alias, keys[aliasOf]));
    }
    // Needle and alias sentences are the pieces that say "secret number"; fortunes are the haystack.
    auto isHaystack = [](const std::string& piece) {
        return piece.find("secret number") == std::string::npos;
    };
    std::vector<int> order(needles);
    for (int i = 0; i < needles; ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), m_random);

    while (true) {
        std::vector<int32_t> ids{m_bos};
        std::vector<float> weights{0.0f};
        std::string body;
        for (const std::string& piece : pieces)
            body += (body.empty() ? "" : "\n\n") + piece;
        std::vector<int32_t> bodyIds = encode(body);
        ids.insert(ids.end(), bodyIds.begin(), bodyIds.end());
        weights.resize(ids.size(), 1.0f);
        for (int q = twoHop ? -1 : 0; q < questions; ++q) {
            const std::string& key = q < 0 ? alias : keys[order[q]];
            const std::string& value = q < 0 ? values[aliasOf] : values[order[q]];
            std::vector<int32_t> question = encode("\n\n" + needleQuestion(key));
            std::vector<int32_t> answer = encode(value + ".");
            ids.insert(ids.end(), question.begin(), question.end());
            weights.resize(ids.size(), 1.0f);
            ids.insert(ids.end(), answer.begin(), answer.end());
            weights.resize(ids.size(), 2.0f); // the answers are what this document teaches
        }
        if (static_cast<int>(ids.size()) <= length || std::none_of(pieces.begin(), pieces.end(), isHaystack))
            return finish(std::move(ids), std::move(weights), length);
        // Too long: drop one haystack fortune (never a needle or alias) and rebuild.
        for (std::size_t i = 0; i < pieces.size(); ++i)
            if (isHaystack(pieces[i])) {
                pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
    }
}

std::uniform_int_distribution<int32_t> DocumentFactory::copyTokens() const {
    const int32_t firstRegular = m_bos + 2; // BOS and EOS come first in the demo vocabulary
    const int32_t last = m_copyVocabulary > 0
                             ? std::min(firstRegular + m_copyVocabulary, m_tokenizer.vocabSize()) - 1
                             : m_tokenizer.vocabSize() - 1;
    return std::uniform_int_distribution<int32_t>(firstRegular, last);
}

Document DocumentFactory::simpleRepeat(int length) {
    std::uniform_int_distribution<int32_t> token = copyTokens();
    std::uniform_int_distribution<int> spanLength(8, 32);
    std::vector<int32_t> span(static_cast<std::size_t>(spanLength(m_random)));
    for (int32_t& id : span)
        id = token(m_random);
    std::vector<int32_t> ids{m_bos};
    std::vector<float> weights{0.0f};
    for (int copy = 0; static_cast<int>(ids.size()) < length; ++copy) {
        ids.insert(ids.end(), span.begin(), span.end());
        weights.resize(ids.size(), copy == 0 ? 0.0f : 1.0f);
    }
    ids.resize(static_cast<std::size_t>(length));
    weights.resize(static_cast<std::size_t>(length));
    return {std::move(ids), std::move(weights)};
}

Document DocumentFactory::repeatedRandom(int length) {
    std::uniform_int_distribution<int32_t> token = copyTokens();
    std::uniform_int_distribution<int> prefixLength(0, 48);
    std::vector<int32_t> ids{m_bos};
    std::vector<float> weights{0.0f};
    // A third of the spans follow text, a third follow random tokens that never repeat (so copying
    // cannot rely on "everything after BOS repeats"), a third follow BOS directly.
    const uint64_t prefixKind = m_random() % 3;
    if (prefixKind == 1) {
        std::vector<int32_t> text = encode(m_fortunes[m_random() % m_fortunes.size()]);
        text.resize(std::min<std::size_t>(text.size(), static_cast<std::size_t>(prefixLength(m_random))));
        ids.insert(ids.end(), text.begin(), text.end());
        weights.resize(ids.size(), 1.0f);
    } else if (prefixKind == 2) {
        const int prefix = static_cast<int>(m_random() % static_cast<uint64_t>(std::max(1, length / 2)));
        for (int i = 0; i < prefix; ++i)
            ids.push_back(token(m_random));
        weights.resize(ids.size(), 0.0f);
    }
    // Log-uniform span lengths up to half the room left: copies from every distance the length allows.
    const int room = std::max(4, (length - static_cast<int>(ids.size())) / 2);
    std::uniform_real_distribution<double> logSpan(std::log(4.0), std::log(static_cast<double>(room)));
    const int span = std::min(room, static_cast<int>(std::exp(logSpan(m_random))));
    std::vector<int32_t> random(static_cast<std::size_t>(std::max(span, 1)));
    for (int32_t& id : random)
        id = token(m_random);
    for (int copy = 0; static_cast<int>(ids.size()) < length; ++copy) {
        ids.insert(ids.end(), random.begin(), random.end());
        weights.resize(ids.size(), copy == 0 ? 0.0f : 1.0f);
    }
    return finish(std::move(ids), std::move(weights), length);
}

Document DocumentFactory::textWithRepeat(int length) {
    Document doc = text(length);
    std::uniform_int_distribution<int> spanLength(16, 128);
    const int span = std::min(spanLength(m_random), length / 4);
    const int from = 1 + static_cast<int>(m_random() % static_cast<uint64_t>(length / 2 - span));
    const int to = from + span + static_cast<int>(m_random() % static_cast<uint64_t>(length / 2));
    std::vector<int32_t> copy(doc.ids.begin() + from, doc.ids.begin() + from + span);
    doc.ids.insert(doc.ids.begin() + std::min(to, length), copy.begin(), copy.end());
    doc.weights.insert(doc.weights.begin() + std::min(to, length), copy.size(), 1.0f);
    doc.ids.resize(length);
    doc.weights.resize(length);
    return doc;
}

NeedlePrompt DocumentFactory::needlePrompt(int haystackTokens, double depth) {
    NeedlePrompt prompt;
    prompt.key = randomName();
    prompt.answer = randomDigits(5);
    std::vector<std::string> pieces = haystack(haystackTokens);
    const auto at =
        static_cast<std::size_t>(std::clamp(depth, 0.0, 1.0) * static_cast<double>(pieces.size()));
    const std::string needle = needleSentence(prompt.key, prompt.answer);
    pieces.insert(pieces.begin() + static_cast<std::ptrdiff_t>(at), needle);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i == at) {
            prompt.valueBegin = prompt.prompt.size() + (i ? 2 : 0) + needle.find(prompt.answer);
            prompt.valueEnd = prompt.valueBegin + prompt.answer.size();
        }
        prompt.prompt += (i ? "\n\n" : "") + pieces[i];
    }
    prompt.prompt += "\n\n" + needleQuestion(prompt.key);
    return prompt;
}

} // namespace attnscope::demo
