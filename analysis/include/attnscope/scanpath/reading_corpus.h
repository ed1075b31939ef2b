// SPDX-License-Identifier: Apache-2.0
// Word-level eye-tracking reading corpora (SCANPATH.md §3.1, §3.5): Provo's interest-area report, GECO's
// reading data and MECO's popEye columns saved as CSV, or any table with a column mapping. Rows (one per
// participant and word) become reading units — texts, or sentences where the table says which — with
// each word's measures averaged over participants, ready to correlate with a model's word relevance.
#pragma once

#include "attnscope/core/expected.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope::scanpath {

/// How a missing value of a measure counts when averaging over participants.
enum class MissingMeasure {
    Zero, ///< not fixated means no time spent: total reading time, fixation count, skip
    Skip, ///< no first fixation to measure: first fixation, gaze duration, go-past time
};

/// One measure of a report: its name in AttnScope ("TRT", "FFD", ...) and the table's column.
struct CorpusMeasure {
    std::string name;
    std::string column;
    MissingMeasure missing = MissingMeasure::Skip;
    bool optional = false; ///< presets: left out when the table lacks the column (else an error)
};

/// Which columns of a word-level report hold what. Column names match the header exactly (after
/// trimming spaces and quotes).
struct ReadingCorpusFormat {
    std::string name = "custom";
    std::string participant;               ///< required
    std::vector<std::string> textColumns;  ///< required: together they name a text (GECO: PART, TRIAL)
    std::string sentence;                  ///< optional: sentence number within the text
    std::string wordIndex;                 ///< required: the word's position in its text
    std::string word;                      ///< required: the word as displayed
    std::vector<CorpusMeasure> measures;   ///< at least one; TRT enables relFix
    std::string filterColumn, filterValue; ///< optional: keep only the rows whose column equals the value
};

/// Provo's Provo_Corpus-Eyetracking_Data.csv (Luke & Christianson 2018): Participant_ID, Text_ID,
/// Sentence_Number, Word_Number, Word; IA_DWELL_TIME (TRT), IA_FIRST_FIXATION_DURATION (FFD),
/// IA_FIRST_RUN_DWELL_TIME (GD), IA_REGRESSION_PATH_DURATION (GPT), IA_FIXATION_COUNT (nFix), IA_SKIP.
ReadingCorpusFormat provoCorpusFormat();
/// GECO's MonolingualReadingData / L1 / L2 sheets saved as CSV (Cop et al. 2017): PP_NR, PART and TRIAL,
/// WORD_ID_WITHIN_TRIAL, WORD; WORD_TOTAL_READING_TIME, WORD_FIRST_FIXATION_DURATION,
/// WORD_GAZE_DURATION, WORD_GO_PAST_TIME, WORD_FIXATION_COUNT, WORD_SKIP.
ReadingCorpusFormat gecoCorpusFormat();
/// MECO's popEye word measures converted from .rda to CSV (Siegelman et al. 2022): uniform_id, lang and
/// trialid, ianum, ia; dur (TRT), firstfix.dur (FFD), firstrun.dur (GD), nfix, skip.
ReadingCorpusFormat mecoCorpusFormat();
/// "provo", "geco" or "meco"; InvalidArgument naming the choices for others.
Expected<ReadingCorpusFormat> readingCorpusFormatByName(std::string_view name);
/// The preset whose columns the header names (the first line that is not blank or a '#' comment).
Expected<ReadingCorpusFormat> detectReadingCorpusFormat(std::string_view text, const std::string& fileName);
/// "auto": the preset the header of `text` names; otherwise the preset called `name`.
Expected<ReadingCorpusFormat> readingCorpusFormatFor(std::string_view name, std::string_view text,
                                                     const std::string& fileName);
/// Keeps only the rows where COLUMN equals VALUE, from "COLUMN=VALUE" (MECO's "lang=en").
Status setRowFilter(ReadingCorpusFormat& format, std::string_view columnEqualsValue);

/// The byte encoding of a report. Auto reads UTF-8 when the bytes are valid UTF-8 and cp1252 otherwise.
enum class TextEncoding { Auto, Utf8, Cp1252, MacRoman };
/// "auto", "utf8", "cp1252", "macroman".
Expected<TextEncoding> textEncodingByName(std::string_view name);
const char* textEncodingName(TextEncoding encoding);
/// `bytes` as UTF-8. UTF-8 that is not valid is an error naming the byte offset; `used` receives the
/// encoding Auto chose.
Expected<std::string> decodeToUtf8(std::string_view bytes, TextEncoding encoding,
                                   TextEncoding* used = nullptr);

/// What a reading unit groups: whole texts, or the sentences of each text.
enum class ReadingUnitLevel { Text, Sentence };

/// One text (or sentence) as read: its words and, per measure, each word's mean over participants.
struct ReadingUnit {
    std::string id;                 ///< the text columns' values joined by '/', then "/s<sentence>"
    std::vector<std::string> words; ///< in reading order, trimmed (no-break spaces included)
    /// Per measure (in ReadingCorpus::measures' order): per word, the mean over the participants who
    /// have a row for it; NaN where no participant has a value.
    std::vector<std::vector<double>> values;
    std::vector<int> readers; ///< per word, the participants with a row for it
    int participants = 0;     ///< participants with any row in this unit
};

/// A word-level reading corpus.
struct ReadingCorpus {
    std::string format;   ///< the preset's name or "custom"
    std::string encoding; ///< the encoding read ("utf8", "cp1252", "macroman")
    ReadingUnitLevel level = ReadingUnitLevel::Text;
    std::vector<std::string> measures; ///< the measures' names; "relFix" follows "TRT" when present
    std::vector<ReadingUnit> units;    ///< in order of first appearance
    int rows = 0;                      ///< data rows kept
    int skippedRows = 0;               ///< rows without a text, word index or participant
    int filteredRows = 0;              ///< rows the filter left out
    int participants = 0;              ///< distinct participants in the kept rows

    /// The index of measure `name` in `measures`, or -1.
    int measureIndex(std::string_view name) const;
};

/// Parses a report. Measure fields must be numbers or missing ("." "NA" ""); a word index must be a
/// number. relFix (Hollenstein & Beinborn 2021) is each participant's TRT_w / Σ TRT over the unit, then
/// averaged over participants (participants who spent no time on the unit are left out of it).
/// Errors name the file, the line and the column.
Expected<ReadingCorpus> parseReadingCorpus(std::string_view bytes, const ReadingCorpusFormat& format,
                                           ReadingUnitLevel level, TextEncoding encoding,
                                           const std::string& fileName);
Expected<ReadingCorpus> readReadingCorpus(const std::string& path, const ReadingCorpusFormat& format,
                                          ReadingUnitLevel level, TextEncoding encoding = TextEncoding::Auto);

} // namespace attnscope::scanpath
