// SPDX-License-Identifier: Apache-2.0
// Importers of recorded gaze (SCANPATH.md §5.1): fixation tables (multimatch TSV, EyeLink Data Viewer
// fixation reports, PyGaze-style CSV, any CSV/TSV with a column mapping), EyeLink ASC files and the STI
// Amazon visual-search set. Every parser takes the file's text and the name its errors should carry;
// the read* functions read the file first. Errors name the file, the line and the column or key.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/scanpath/scanpath.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::scanpath {

/// The unit of a table's duration and start columns.
enum class TimeUnit { Milliseconds, Seconds };

/// Which columns of a delimited table hold what. Column names match the header exactly (after
/// trimming spaces and quotes); an empty name means the table has no such column. Rows are grouped
/// into scanpaths by (participant, stimulus, trial) in order of first appearance.
struct TableFormat {
    std::string x, y;     ///< required
    std::string duration; ///< optional
    std::string start;    ///< optional
    std::string participant, stimulus, trial, aoi;
    TimeUnit timeUnit = TimeUnit::Milliseconds;
    double screenWidth = 0.0; ///< recorded on every scanpath (tables do not say)
    double screenHeight = 0.0;
};

/// multimatch_gaze's TSV: start_x, start_y, duration (seconds).
TableFormat multimatchTableFormat();
/// An EyeLink Data Viewer fixation report (CURRENT_FIX_* columns, RECORDING_SESSION_LABEL, TRIAL_INDEX).
TableFormat dataViewerTableFormat();
/// PyGaze-style X, Y, Duration (milliseconds).
TableFormat pygazeTableFormat();
/// A preset by name: "multimatch", "dataviewer" or "pygaze"; InvalidArgument for others.
Expected<TableFormat> tableFormatByName(std::string_view name);

/// What a table held.
struct FixationTable {
    std::vector<Scanpath> scanpaths;
    int skippedRows = 0; ///< rows without a position ("." / "NA" / empty x or y), left out
};

/// Parses a delimited table: the delimiter is the header's first tab, else comma, else semicolon, else
/// runs of spaces. Fields may be double-quoted. "." , "NA", "NaN" and empty fields are missing values.
Expected<FixationTable> parseFixationTable(std::string_view text, const TableFormat& format,
                                           const std::string& fileName);
Expected<FixationTable> readFixationTable(const std::string& path, const TableFormat& format);

/// An EyeLink ASC recording (edf2asc output).
struct AscRecording {
    std::vector<Scanpath> scanpaths;                ///< one per START … END block, EFIX events of one eye
    std::vector<std::vector<AoiBox>> interestAreas; ///< per scanpath: its `!V IAREA RECTANGLE` lines
};

/// Parses EFIX events between START and END lines. Scanpaths take the trial id from `MSG … TRIALID`,
/// the screen from `MSG … DISPLAY_COORDS`; `eye` picks one eye of binocular recordings (Unknown: the
/// first eye seen in each block). Fixations with missing positions are skipped.
Expected<AscRecording> parseEyeLinkAsc(std::string_view text, const std::string& fileName,
                                       Eye eye = Eye::Unknown);
Expected<AscRecording> readEyeLinkAsc(const std::string& path, Eye eye = Eye::Unknown);

/// One image of the STI Amazon book-cover set (Sattar et al. 2015; the data OAT was evaluated on).
struct StiImage {
    std::string image;
    double width = 0.0, height = 0.0;
    std::vector<AoiBox> targets;     ///< ground_truth boxes (ids 0, 1, …)
    std::vector<Scanpath> scanpaths; ///< one per participant; no durations
};

/// Parses `Amazon.json`: {image: {fixations: {participant: [[x, y], …]}, ground_truth: [{xmin, xmax,
/// ymin, ymax}] or one object, size: {width, height}, target}}. Images sorted by name (JSON object
/// keys are read into a sorted map), participants likewise.
Expected<std::vector<StiImage>> parseStiAmazon(std::string_view text, const std::string& fileName);
Expected<std::vector<StiImage>> readStiAmazon(const std::string& path);

/// One reading measure per word (a word-level report: ZuCo's TRT, Provo's IA_DWELL_TIME, ...).
struct WordMeasures {
    std::vector<std::string> words; ///< the `wordColumn` entries ("" when the table has none)
    std::vector<double> values;     ///< NaN for missing entries (".", "NA")
};

/// Reads the column `measureColumn` (and `wordColumn`, when given and present) of a delimited table,
/// one row per word in reading order.
Expected<WordMeasures> parseWordMeasures(std::string_view text, const std::string& measureColumn,
                                         const std::string& wordColumn, const std::string& fileName);
Expected<WordMeasures> readWordMeasures(const std::string& path, const std::string& measureColumn,
                                        const std::string& wordColumn);

/// The column names of a table's header (the first line that is not blank or a '#' comment), split as
/// parseFixationTable splits it: delimiter, quotes, a leading byte-order mark. Empty when there is none.
std::vector<std::string> tableHeaderColumns(std::string_view text);

/// The table preset whose x and y columns the header (the first line that is not blank or a '#'
/// comment) names: multimatch (start_x), dataviewer (CURRENT_FIX_X) or pygaze (X); InvalidArgument
/// otherwise, listing the header's columns.
Expected<TableFormat> detectTableFormat(std::string_view text, const std::string& fileName);

/// The kinds of gaze file AttnScope reads.
enum class GazeFormat {
    Auto,  ///< by extension: .asc EyeLink, .json STI Amazon, anything else a table (preset from its header)
    Table, ///< a delimited table (with GazeReadOptions::table, or the preset its header names)
    EyeLinkAsc,
    StiAmazon,
};

/// How to read a gaze file.
struct GazeReadOptions {
    GazeFormat format = GazeFormat::Auto;
    std::optional<TableFormat> table; ///< the column mapping of a table; detected from the header when unset
    Eye eye = Eye::Unknown;           ///< for EyeLink ASC
};

/// Everything one gaze file held, whatever its format.
struct GazeRecording {
    /// "table", "eyelink-asc", "tobii-pro-lab", "sti-amazon" or "coco-search18" (the last two are search
    /// sets: their areas are the search targets).
    std::string format;
    /// In file order (STI: image by image, participant by participant). EyeLink fixations carry the id
    /// of the interest area that contains them (-1 outside every area).
    std::vector<Scanpath> scanpaths;
    /// Per scanpath, its areas of interest: EyeLink interest areas, or the STI image's target boxes.
    std::vector<std::vector<AoiBox>> areas;
    int skippedRows = 0;
};

/// Reads any gaze file AttnScope supports.
Expected<GazeRecording> readGaze(const std::string& path, const GazeReadOptions& options = {});

} // namespace attnscope::scanpath
