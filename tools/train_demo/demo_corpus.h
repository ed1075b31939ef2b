// SPDX-License-Identifier: Apache-2.0
// The demo model's training data: English fortunes from Debian's `fortunes` package, and synthetic
// documents that make attention mechanisms emerge (copying, key -> value retrieval).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace attnscope::demo {

/// Fortunes read from a fortune directory (files of entries separated by lines holding "%"),
/// split deterministically into training and held-out sets.
struct FortuneCorpus {
    std::vector<std::string> training;
    std::vector<std::string> heldOut;
};

/// Reads every fortune file in `directory` (skipping .dat indexes and the offensive "off/" tree);
/// about one fortune in twenty goes to the held-out set, chosen by a hash of its text.
Expected<FortuneCorpus> readFortunes(const std::string& directory);

/// One needle-in-a-haystack prompt: the prompt text ends right before the answer.
struct NeedlePrompt {
    std::string prompt;
    std::string answer; ///< the digits the model must produce next
    std::string key;    ///< the name the question asks about
    /// Byte range of the needle's value inside the prompt (for retrieval-head checks).
    std::size_t valueBegin = 0, valueEnd = 0;
};

/// A training document: ids (beginning with BOS) and per-token loss weights (0 = not scored).
struct Document {
    std::vector<int32_t> ids;
    std::vector<float> weights;
};

/// Makes documents of exactly `length` tokens. Deterministic for a given seed.
class DocumentFactory {
public:
    DocumentFactory(const tokenizers::Tokenizer& tokenizer, std::vector<std::string> fortunes, int32_t bos,
                    uint64_t seed);

    /// Fortunes joined by blank lines.
    Document text(int length);
    /// Haystack of fortunes with 1-4 "secret number" needles and questions answered at the end. With
    /// setTwoHopShare(s), a share s of them also says that another name has the same number as one
    /// of the needles, and asks for that name first (two retrievals, one on top of the other).
    Document needle(int length);
    /// A random token span repeated until the document is full, after a short text prefix; the first
    /// copy is not scored (it cannot be predicted).
    Document repeatedRandom(int length);
    /// BOS, then one short random span (8-32 tokens) repeated until the document is full: the densest
    /// copying signal, for the first steps (induction heads form from it within minutes).
    Document simpleRepeat(int length);
    /// Fortunes in which one earlier stretch of text is repeated verbatim.
    Document textWithRepeat(int length);

    /// A prompt of about `haystackTokens` tokens with one needle at relative `depth` in [0, 1].
    NeedlePrompt needlePrompt(int haystackTokens, double depth);

    std::mt19937_64& random() { return m_random; }
    /// Random spans draw from the first `count` regular tokens only (0 = all).
    void setCopyVocabulary(int count) { m_copyVocabulary = count; }
    /// Share of needle documents with a two-hop question (0 = none, and no random draw for it).
    void setTwoHopShare(double share) { m_twoHopShare = share; }

private:
    std::vector<int32_t> encode(const std::string& text) const;
    /// Token ids random copy spans draw from.
    std::uniform_int_distribution<int32_t> copyTokens() const;
    /// Fortune text of about `tokens` tokens, as whole fortunes separated by blank lines.
    std::vector<std::string> haystack(int tokens);
    std::string randomName();
    std::string randomDigits(int count);
    Document finish(std::vector<int32_t> ids, std::vector<float> weights, int length);

    const tokenizers::Tokenizer& m_tokenizer;
    std::vector<std::string> m_fortunes;
    std::vector<int> m_fortuneTokens; ///< token count of each fortune
    int32_t m_bos;
    int m_copyVocabulary = 0;
    double m_twoHopShare = 0.0;
    std::mt19937_64 m_random;
};

/// The needle sentence and the question, shared by training data and samples.
std::string needleSentence(const std::string& key, const std::string& value);
std::string needleQuestion(const std::string& key);
/// "ALIAS has the same secret number as KEY." (two-hop needles).
std::string aliasSentence(const std::string& alias, const std::string& key);

} // namespace attnscope::demo
