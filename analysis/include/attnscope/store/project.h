// SPDX-License-Identifier: Apache-2.0
// Projects: one SQLite file (.attnscope) holding models, inputs, runs, per-head results, compressed
// arrays and annotations. WAL mode and foreign keys; every run is written in one transaction, so a
// process killed at any moment leaves every earlier run intact, and readers (the studio) can read
// while a writer (the CLI) adds runs. A project of a newer schema is refused; an older one is migrated
// after a backup copy. Opening never writes to a file it cannot read as a project.
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attnscope::store {

/// The schema this build writes. History: 1 = models, inputs, runs, head results, arrays;
/// 2 = + run labels and annotations.
constexpr int kSchemaVersion = 2;

/// Element type of a stored array.
enum class ArrayType { F32, U8 };

/// A named n-dimensional array of a run (matrices, masks, block grids), stored zlib-compressed.
struct ArrayRecord {
    std::string name;
    ArrayType type = ArrayType::F32;
    std::vector<int64_t> shape;
    std::vector<float> f32;  ///< when type == F32, row-major
    std::vector<uint8_t> u8; ///< when type == U8
    int64_t elements() const;
    bool operator==(const ArrayRecord&) const = default;
};

/// One scalar result of one (layer, head) of one analysis, e.g. ("sparsity", "flexprefill.recall").
struct HeadMetric {
    std::string analysis, metric;
    int layer = 0, head = 0;
    double value = 0;
    bool operator==(const HeadMetric&) const = default;
};

struct ModelRecord {
    std::string path, format, contentHash, configJson;
    bool operator==(const ModelRecord&) const = default;
};

struct InputRecord {
    std::string text;
    std::vector<int32_t> tokens;
    std::vector<std::pair<int64_t, int64_t>> offsets; ///< byte span of each token (may be empty)
    bool operator==(const InputRecord&) const = default;
};

struct RunRecord {
    int64_t id = 0; ///< set by the project
    std::string label;
    std::string kind = "analyze";
    std::string status = "complete"; ///< complete, failed, cancelled
    std::string settingsJson = "{}", pluginsJson = "[]";
    std::string documentJson = "{}"; ///< the full result document (docs/analyze-json.md)
    std::string programVersion, started, finished;
    double seconds = 0;
    ModelRecord model;
    InputRecord input;
    std::vector<HeadMetric> metrics;
    std::vector<ArrayRecord> arrays;
};

/// What `runs` lists.
struct RunSummary {
    int64_t id = 0;
    std::string label, kind, status, started, modelPath;
    double seconds = 0;
    int tokens = 0;
};

/// A user's note on a run, optionally on one (layer, head) and/or one token position.
struct Annotation {
    int64_t id = 0, runId = 0;
    std::optional<int> layer, head, token;
    std::string text;
    std::string created; ///< UTC, ISO 8601; addAnnotation fills it in when empty
};

enum class OpenMode {
    ReadWrite,       ///< an existing project
    CreateIfMissing, ///< an existing project, or a new empty one
    ReadOnly,        ///< never writes; older schemas are read without migrating
};

class Project {
public:
    /// Opens `path`. Errors (naming the file): not an SQLite file, damaged or truncated, not an AttnScope
    /// project, written by a newer schema; an older schema is migrated after copying the file to
    /// `path + ".schema-v<N>.bak"` (ReadWrite/CreateIfMissing).
    static Expected<Project> open(const std::string& path, OpenMode mode = OpenMode::ReadWrite);

    Project(Project&&) noexcept;
    Project& operator=(Project&&) noexcept;
    ~Project();

    const std::string& path() const;
    int schemaVersion() const;
    /// Where the migration's backup went ("" when none was made).
    const std::string& backupPath() const;

    /// Stores a run with its model, input, metrics and arrays in one transaction; returns its id.
    Expected<int64_t> addRun(const RunRecord& run);
    Expected<std::vector<RunSummary>> runs() const;
    /// Everything of one run; errors name the id when there is no such run.
    Expected<RunRecord> run(int64_t id) const;
    Expected<std::vector<HeadMetric>> metrics(int64_t runId) const;
    /// Deletes run `id` with its results, arrays and notes, and the model and input records no other run
    /// uses, in one transaction. Errors: read-only project, NotFound ("run") for no such run.
    Status removeRun(int64_t id);
    /// Rewrites the file without the pages deleted runs left free (SQLite's VACUUM, then a WAL checkpoint
    /// that truncates the log). Errors: read-only project, another connection using the file (busy).
    Status compact();
    /// Sets run `id`'s label (trimmed; "" clears it). Errors: read-only project, NotFound for no such run.
    Status setRunLabel(int64_t id, const std::string& label);
    /// Stores a note (its text trimmed) on run `annotation.runId` and returns its id. Errors: read-only
    /// project, no such run (field "run"), empty text ("text"), a negative layer, head or token.
    Expected<int64_t> addAnnotation(const Annotation& annotation);
    /// The notes of a run, oldest first (none for projects older than schema 2).
    Expected<std::vector<Annotation>> annotations(int64_t runId) const;
    /// Deletes note `id`; NotFound when there is none.
    Status removeAnnotation(int64_t id);
    /// Replaces the text of note `id`, trimmed (its place and creation time stay). Errors: read-only project,
    /// empty text ("text"), NotFound when there is no such note.
    Status setAnnotationText(int64_t id, const std::string& text);

private:
    struct State;
    explicit Project(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

/// Current UTC time as ISO 8601 ("2026-11-29T04:05:06Z"), as runs and notes record it.
std::string utcNow();

/// The identity of a model path: SHA-256 over each file's relative name and size, its first and last
/// 4 MiB and 16 evenly spaced 64 KiB pieces ("sampled-sha256:" + hex) — quick on multi-GB weights and
/// different for any change of size, header or spread-out content.
Expected<std::string> modelContentHash(const std::string& modelPath);

} // namespace attnscope::store
