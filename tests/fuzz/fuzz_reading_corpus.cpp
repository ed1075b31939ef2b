// SPDX-License-Identifier: Apache-2.0
// Any byte string as a word-level reading report (Provo, GECO, MECO, each encoding, texts and
// sentences): refuse with a Status naming the file, or return units whose shapes agree and whose means
// are in range.
#include "attnscope/scanpath/reading_corpus.h"
#include "refusal_checks.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace attnscope::scanpath;

void check(const ReadingCorpus& corpus) {
    const int relFix = corpus.measureIndex("relFix");
    for (const ReadingUnit& unit : corpus.units) {
        if (unit.values.size() != corpus.measures.size() || unit.readers.size() != unit.words.size())
            __builtin_trap();
        for (const std::vector<double>& values : unit.values)
            if (values.size() != unit.words.size())
                __builtin_trap();
        for (std::size_t w = 0; w < unit.words.size(); ++w) {
            if (unit.readers[w] < 1 || unit.readers[w] > unit.participants)
                __builtin_trap();
            if (relFix >= 0) {
                const double share = unit.values[static_cast<std::size_t>(relFix)][w];
                // A share of a participant's time on the unit; negative times can push it outside [0, 1]
                // but never to infinity.
                if (std::isinf(share))
                    __builtin_trap();
            }
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const char* name : {"provo", "geco", "meco"})
        for (const TextEncoding encoding : {TextEncoding::Auto, TextEncoding::MacRoman})
            for (const ReadingUnitLevel level : {ReadingUnitLevel::Text, ReadingUnitLevel::Sentence}) {
                auto corpus =
                    parseReadingCorpus(bytes, *readingCorpusFormatByName(name), level, encoding, "fuzz.csv");
                if (!attnscope::fuzz::refused(corpus, "fuzz.csv"))
                    check(*corpus);
            }
    auto detected = detectReadingCorpusFormat(bytes, "fuzz.csv");
    (void)attnscope::fuzz::refused(detected, "fuzz.csv");
    return 0;
}
