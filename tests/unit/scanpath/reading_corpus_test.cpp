// SPDX-License-Identifier: Apache-2.0
// Word-level reading reports (SCANPATH.md §3.1, §3.5): the Provo, GECO and MECO presets on small tables in
// their published column layouts (the fuzz seeds), means and relFix by hand, encodings and refusals.
#include "attnscope/core/read_file.h"
#include "attnscope/scanpath/reading_corpus.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnscope;
using namespace attnscope::scanpath;

namespace {

std::string seed(const std::string& name) {
    auto content = readWholeFile(std::string(ATTNSCOPE_FUZZ_CORPUS_DIR) + "/reading_corpus/" + name);
    EXPECT_TRUE(content.hasValue()) << name;
    return content.hasValue() ? *content : std::string();
}

/// The unit's values of measure `name`.
const std::vector<double>& values(const ReadingCorpus& corpus, const ReadingUnit& unit, const char* name) {
    const int index = corpus.measureIndex(name);
    EXPECT_GE(index, 0) << name;
    return unit.values.at(static_cast<std::size_t>(index));
}

} // namespace

TEST(ReadingCorpus, ProvoTextsAverageParticipantsWithMissingTimesAsZero) {
    const auto corpus = parseReadingCorpus(seed("provo.csv"), provoCorpusFormat(), ReadingUnitLevel::Text,
                                           TextEncoding::Auto, "p.csv");
    ASSERT_TRUE(corpus.hasValue()) << corpus.status().toString();
    EXPECT_EQ(corpus->format, "provo");
    EXPECT_EQ(corpus->encoding, "cp1252"); // "Don\x92t" is not UTF-8
    EXPECT_EQ(corpus->measures,
              (std::vector<std::string>{"TRT", "relFix", "FFD", "GD", "GPT", "nFix", "skip"}));
    EXPECT_EQ(corpus->rows, 14);
    EXPECT_EQ(corpus->skippedRows, 0);
    EXPECT_EQ(corpus->participants, 2);
    ASSERT_EQ(corpus->units.size(), 2u);
    const ReadingUnit& text = corpus->units[0];
    EXPECT_EQ(text.id, "1");
    EXPECT_EQ(text.participants, 2);
    // Rows came out of order (Sub1 read word 4 before word 3): words follow Word_Number.
    EXPECT_EQ(text.words,
              (std::vector<std::string>{"There", "are", "now", "rumblings.", "Don\u2019t", "panic."}));
    EXPECT_EQ(text.readers, (std::vector<int>{2, 2, 2, 2, 2, 2}));
    // TRT: Sub1 200 0 150 250 300 100 (Σ 1000), Sub2 100 50 "." 350 200 800 (Σ 1500; "." = not read = 0).
    const std::vector<double> trt{150, 25, 75, 300, 250, 450};
    for (std::size_t w = 0; w < 6; ++w)
        EXPECT_DOUBLE_EQ(values(*corpus, text, "TRT")[w], trt[w]) << w;
    // relFix: each participant's share of their own time on the text, then the mean.
    EXPECT_NEAR(values(*corpus, text, "relFix")[0], (0.2 + 100.0 / 1500) / 2, 1e-12);
    EXPECT_NEAR(values(*corpus, text, "relFix")[2], (0.15 + 0.0) / 2, 1e-12);
    EXPECT_NEAR(values(*corpus, text, "relFix")[5], (0.1 + 800.0 / 1500) / 2, 1e-12);
    // FFD: a word a participant did not fixate has no first fixation; the mean is over those who did.
    EXPECT_DOUBLE_EQ(values(*corpus, text, "FFD")[1], 50);
    EXPECT_DOUBLE_EQ(values(*corpus, text, "FFD")[2], 150);
    EXPECT_DOUBLE_EQ(values(*corpus, text, "FFD")[4], 180);
    EXPECT_DOUBLE_EQ(values(*corpus, text, "nFix")[2], 0.5);
    EXPECT_EQ(corpus->units[1].words, (std::vector<std::string>{"Hello", "world"}));
    EXPECT_EQ(corpus->units[1].participants, 1);
}

TEST(ReadingCorpus, ProvoSentencesLeaveOutRowsWithoutASentenceNumber) {
    const auto corpus = parseReadingCorpus(seed("provo.csv"), provoCorpusFormat(), ReadingUnitLevel::Sentence,
                                           TextEncoding::MacRoman, "p.csv");
    ASSERT_TRUE(corpus.hasValue()) << corpus.status().toString();
    EXPECT_EQ(corpus->encoding, "macroman");
    ASSERT_EQ(corpus->units.size(), 3u);
    EXPECT_EQ(corpus->units[0].id, "1/s1");
    EXPECT_EQ(corpus->units[0].words.size(), 4u);
    EXPECT_EQ(corpus->units[1].id, "1/s2");
    EXPECT_EQ(corpus->units[1].words[0], "Don\u00EDt"); // 0x92 is í in MacRoman
    EXPECT_EQ(corpus->units[2].id, "2/s1");
    EXPECT_EQ(corpus->skippedRows, 1); // "world" has Sentence_Number NA
    // relFix is a share of the sentence now: Sub1 300 / 400, Sub2 200 / 1000.
    EXPECT_NEAR(values(*corpus, corpus->units[1], "relFix")[0], (0.75 + 0.2) / 2, 1e-12);
}

TEST(ReadingCorpus, GecoTrialsTrimDisplayPaddingAndKeepWordsWithSpaces) {
    const std::string geco = seed("geco.csv");
    const auto detected = detectReadingCorpusFormat(geco, "g.csv");
    ASSERT_TRUE(detected.hasValue());
    EXPECT_EQ(detected->name, "geco");
    const auto corpus =
        parseReadingCorpus(geco, *detected, ReadingUnitLevel::Text, TextEncoding::Auto, "g.csv");
    ASSERT_TRUE(corpus.hasValue()) << corpus.status().toString();
    EXPECT_EQ(corpus->encoding, "utf8");
    // GPT and nFix columns are absent: those optional measures are left out.
    EXPECT_EQ(corpus->measures, (std::vector<std::string>{"TRT", "relFix", "FFD", "GD", "skip"}));
    ASSERT_EQ(corpus->units.size(), 2u);
    EXPECT_EQ(corpus->units[0].id, "1/5");
    EXPECT_EQ(corpus->units[0].words, (std::vector<std::string>{"There", "pouf!\" ...he"}));
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "TRT")[1], 60); // "." and 120
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "FFD")[1], 90);
    EXPECT_EQ(corpus->units[1].id, "1/6");

    const auto sentences =
        parseReadingCorpus(geco, *detected, ReadingUnitLevel::Sentence, TextEncoding::Auto, "g.csv");
    ASSERT_FALSE(sentences.hasValue());
    EXPECT_EQ(sentences.status().file(), "g.csv");
    EXPECT_NE(sentences.status().message().find("no sentence column"), std::string::npos);
}

TEST(ReadingCorpus, MecoFilterKeepsOneLanguage) {
    ReadingCorpusFormat format = mecoCorpusFormat();
    format.filterColumn = "lang";
    format.filterValue = "en";
    const auto corpus =
        parseReadingCorpus(seed("meco.csv"), format, ReadingUnitLevel::Text, TextEncoding::Auto, "m.csv");
    ASSERT_TRUE(corpus.hasValue()) << corpus.status().toString();
    EXPECT_EQ(corpus->filteredRows, 1);
    EXPECT_EQ(corpus->participants, 2);
    ASSERT_EQ(corpus->units.size(), 1u);
    EXPECT_EQ(corpus->units[0].id, "en/1");
    EXPECT_EQ(corpus->units[0].words, (std::vector<std::string>{"The", "cat"}));
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "TRT")[1], 150);
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "FFD")[1], 150);
}

TEST(ReadingCorpus, AWordNobodyFixatedHasNoFirstFixationButZeroTime) {
    const std::string table =
        "uniform_id,lang,trialid,ianum,ia,dur,firstfix.dur\n"
        "a,en,1,1,One,200,200\na,en,1,2,two,NA,NA\nb,en,1,1,One,100,100\nb,en,1,2,two,.,.\n";
    const auto corpus =
        parseReadingCorpus(table, mecoCorpusFormat(), ReadingUnitLevel::Text, TextEncoding::Auto, "t.csv");
    ASSERT_TRUE(corpus.hasValue()) << corpus.status().toString();
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "TRT")[1], 0.0);
    EXPECT_TRUE(std::isnan(values(*corpus, corpus->units[0], "FFD")[1]));
    EXPECT_DOUBLE_EQ(values(*corpus, corpus->units[0], "relFix")[0], 1.0);
}

TEST(ReadingCorpus, EncodingsMapTheHighBytes) {
    EXPECT_EQ(*decodeToUtf8("\x80", TextEncoding::Cp1252), "\u20AC");
    EXPECT_EQ(*decodeToUtf8("\x93quoted\x94", TextEncoding::Cp1252), "\u201Cquoted\u201D");
    EXPECT_EQ(*decodeToUtf8("\x80\xF0", TextEncoding::MacRoman), "\u00C4\uF8FF");
    EXPECT_EQ(*decodeToUtf8("\xE9", TextEncoding::Cp1252), "\u00E9");
    TextEncoding used = TextEncoding::Auto;
    EXPECT_EQ(*decodeToUtf8("caf\xC3\xA9", TextEncoding::Auto, &used), "caf\xC3\xA9");
    EXPECT_EQ(used, TextEncoding::Utf8);
    EXPECT_EQ(*decodeToUtf8("caf\xE9", TextEncoding::Auto, &used), "caf\xC3\xA9");
    EXPECT_EQ(used, TextEncoding::Cp1252);
    const auto invalid = decodeToUtf8("ab\xE9z", TextEncoding::Utf8);
    ASSERT_FALSE(invalid.hasValue());
    EXPECT_NE(invalid.status().message().find("invalid UTF-8 at byte 2"), std::string::npos);
    EXPECT_FALSE(decodeToUtf8("\xC0\xAF", TextEncoding::Utf8).hasValue());     // overlong '/'
    EXPECT_FALSE(decodeToUtf8("\xED\xA0\x80", TextEncoding::Utf8).hasValue()); // a surrogate
    EXPECT_EQ(*textEncodingByName("macroman"), TextEncoding::MacRoman);
    EXPECT_FALSE(textEncodingByName("latin9").hasValue());
}

TEST(ReadingCorpus, RefusalsNameTheFileLineAndColumn) {
    const auto wrongFormat = parseReadingCorpus(seed("geco.csv"), provoCorpusFormat(), ReadingUnitLevel::Text,
                                                TextEncoding::Auto, "g.csv");
    ASSERT_FALSE(wrongFormat.hasValue());
    EXPECT_EQ(wrongFormat.status().file(), "g.csv");
    EXPECT_NE(
        wrongFormat.status().message().find("lacks the provo columns Participant_ID, Text_ID, Word_Number, "
                                            "Word, IA_DWELL_TIME"),
        std::string::npos)
        << wrongFormat.status().message();

    const std::string header = "uniform_id,lang,trialid,ianum,ia,dur\n";
    const auto garbage =
        parseReadingCorpus(header + "a,en,1,1,One,200\na,en,1,2,two,fast\n", mecoCorpusFormat(),
                           ReadingUnitLevel::Text, TextEncoding::Auto, "t.csv");
    ASSERT_FALSE(garbage.hasValue());
    EXPECT_EQ(garbage.status().file(), "t.csv");
    EXPECT_EQ(garbage.status().field(), "line 3, column dur");
    EXPECT_NE(garbage.status().message().find("'fast'"), std::string::npos);

    const auto index = parseReadingCorpus(header + "a,en,1,first,One,200\n", mecoCorpusFormat(),
                                          ReadingUnitLevel::Text, TextEncoding::Auto, "t.csv");
    ASSERT_FALSE(index.hasValue());
    EXPECT_EQ(index.status().field(), "line 2, column ianum");

    const auto shortRow = parseReadingCorpus(header + "a,en,1,1\n", mecoCorpusFormat(),
                                             ReadingUnitLevel::Text, TextEncoding::Auto, "t.csv");
    ASSERT_FALSE(shortRow.hasValue());
    EXPECT_NE(shortRow.status().message().find("has 4 fields; the header has 6"), std::string::npos);

    const auto empty =
        parseReadingCorpus("", mecoCorpusFormat(), ReadingUnitLevel::Text, TextEncoding::Auto, "e.csv");
    ASSERT_FALSE(empty.hasValue());
    EXPECT_EQ(empty.status().file(), "e.csv");

    const auto notUtf8 = parseReadingCorpus(seed("provo.csv"), provoCorpusFormat(), ReadingUnitLevel::Text,
                                            TextEncoding::Utf8, "p.csv");
    ASSERT_FALSE(notUtf8.hasValue());
    EXPECT_EQ(notUtf8.status().file(), "p.csv");

    const auto unknown = detectReadingCorpusFormat("x,y,duration\n1,2,3\n", "u.csv");
    ASSERT_FALSE(unknown.hasValue());
    EXPECT_EQ(unknown.status().file(), "u.csv");
    EXPECT_FALSE(readingCorpusFormatByName("zuco").hasValue());
    EXPECT_FALSE(
        readReadingCorpus("/nonexistent/provo.csv", provoCorpusFormat(), ReadingUnitLevel::Text).hasValue());
}
