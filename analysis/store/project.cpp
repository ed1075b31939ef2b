// SPDX-License-Identifier: Apache-2.0
#include "attnscope/store/project.h"

#include "array_codec.h"
#include "attnscope/core/json_parse.h"
#include "attnscope/core/sha256.h"
#include "schema.h"
#include "sqlite_handle.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace attnscope::store {

using detail::Connection;
using detail::Statement;

struct Project::State {
    Connection db;
    std::string path, backup;
    int version = 0;
    bool readOnly = false;
};

int64_t ArrayRecord::elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

namespace {

/// The first 16 bytes of every SQLite 3 database.
constexpr char kSqliteMagic[] = "SQLite format 3";

Status checkHeader(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    char header[16] = {};
    if (!file.read(header, 16) || std::memcmp(header, kSqliteMagic, 16) != 0)
        return Status::parseError("not an AttnScope project: the file is not an SQLite database")
            .inFile(path);
    return Status::ok();
}

/// Reads (never writes) the schema version of an existing project.
Expected<int> readVersion(Connection& db) {
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement check, db.prepare("PRAGMA quick_check"));
    ATTNSCOPE_ASSIGN_OR_RETURN(bool row, check.step());
    if (!row || check.text(0) != "ok")
        return Status::parseError("the project file is damaged or truncated (integrity check: " +
                                  (row ? check.text(0) : std::string("no answer")) + ")")
            .inFile(db.path());
    auto meta = db.prepare("SELECT key, value FROM meta WHERE key IN ('application', 'schema_version')");
    if (!meta)
        return Status::parseError("not an AttnScope project: an SQLite database without AttnScope's tables")
            .inFile(db.path());
    std::string application, version;
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool more, meta->step());
        if (!more)
            break;
        (meta->text(0) == "application" ? application : version) = meta->text(1);
    }
    if (application != "AttnScope" || version.empty())
        return Status::parseError("not an AttnScope project: its meta table names no AttnScope schema")
            .inFile(db.path());
    try {
        return std::stoi(version);
    } catch (const std::exception&) {
        return Status::parseError("unreadable schema version '" + version + "'").inFile(db.path());
    }
}

/// Runs schema steps (from, to] in one transaction.
Status migrate(Connection& db, int from, int to) {
    ATTNSCOPE_TRY(db.execute("BEGIN IMMEDIATE").context("starting the migration"));
    for (int v = from + 1; v <= to; ++v)
        if (Status status = db.execute(detail::schemaSteps()[static_cast<std::size_t>(v - 1)]);
            !status.isOk()) {
            (void)db.execute("ROLLBACK");
            return std::move(status).context("migrating to schema " + std::to_string(v));
        }
    return db.execute("COMMIT");
}

/// A consistent copy of the whole database (WAL content included) through SQLite's backup API.
Status backupTo(Connection& db, const std::string& target) {
    std::error_code error;
    std::filesystem::remove(target, error);
    ATTNSCOPE_ASSIGN_OR_RETURN(Connection copy, Connection::open(target, true));
    sqlite3_backup* backup = sqlite3_backup_init(copy.raw(), "main", db.raw(), "main");
    if (!backup)
        return copy.error("backing up the project before migrating it");
    const int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        return detail::sqliteStatus(copy.raw(), rc, "backing up the project before migrating it");
    return Status::ok();
}

Status rollbackOn(Connection& db, Status status) {
    if (!status.isOk())
        (void)db.execute("ROLLBACK");
    return status;
}

template <typename T>
std::vector<uint8_t> rawBytes(const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

template <typename T>
std::vector<T> fromBytes(const std::vector<uint8_t>& bytes) {
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty())
        std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

std::string inputHash(const InputRecord& input) {
    Sha256 hash;
    hash.update(input.text);
    const std::vector<uint8_t> tokens = rawBytes(input.tokens);
    hash.update(tokens.data(), tokens.size());
    std::vector<int64_t> offsets;
    for (const auto& [begin, end] : input.offsets) {
        offsets.push_back(begin);
        offsets.push_back(end);
    }
    const std::vector<uint8_t> offsetBytes = rawBytes(offsets);
    hash.update(offsetBytes.data(), offsetBytes.size());
    return hash.hexDigest();
}

Expected<int64_t> findOrInsertModel(Connection& db, const ModelRecord& m) {
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement find,
                               db.prepare("SELECT id FROM models WHERE path = ? AND content_hash = ?"));
    find.bind(1, m.path).bind(2, m.contentHash);
    ATTNSCOPE_ASSIGN_OR_RETURN(bool found, find.step());
    if (found)
        return find.integer(0);
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement insert,
                               db.prepare("INSERT INTO models (path, format, content_hash, config_json) "
                                          "VALUES (?, ?, ?, ?)"));
    insert.bind(1, m.path).bind(2, m.format).bind(3, m.contentHash).bind(4, m.configJson);
    ATTNSCOPE_TRY(insert.run());
    return db.lastInsertId();
}

/// What a run stores as blobs, compressed (and the input's hash) before the write transaction, so that
/// other writers — a note added in the studio while an analysis stores its run — wait only for inserts.
struct EncodedRun {
    std::string inputHash;
    std::vector<uint8_t> tokens, offsets, document;
    std::vector<std::vector<uint8_t>> arrays; ///< in the order of RunRecord::arrays
};

Expected<int64_t> findOrInsertInput(Connection& db, const InputRecord& input, const EncodedRun& encoded) {
    const std::string& hash = encoded.inputHash;
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement find, db.prepare("SELECT id FROM inputs WHERE sha256 = ?"));
    find.bind(1, hash);
    ATTNSCOPE_ASSIGN_OR_RETURN(bool found, find.step());
    if (found)
        return find.integer(0);
    const std::vector<uint8_t>& tokens = encoded.tokens;
    const std::vector<uint8_t>& offsetBlob = encoded.offsets;
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement insert,
                               db.prepare("INSERT INTO inputs (sha256, text, token_count, tokens, offsets) "
                                          "VALUES (?, ?, ?, ?, ?)"));
    insert.bind(1, hash)
        .bind(2, input.text)
        .bind(3, static_cast<int64_t>(input.tokens.size()))
        .bindBlob(4, tokens.data(), tokens.size())
        .bindBlob(5, offsetBlob.data(), offsetBlob.size());
    ATTNSCOPE_TRY(insert.run());
    return db.lastInsertId();
}

Status insertRunBody(Connection& db, const RunRecord& run, const EncodedRun& encoded, int64_t& id) {
    ATTNSCOPE_ASSIGN_OR_RETURN(int64_t model, findOrInsertModel(db, run.model));
    ATTNSCOPE_ASSIGN_OR_RETURN(int64_t input, findOrInsertInput(db, run.input, encoded));
    const std::vector<uint8_t>& document = encoded.document;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement insert,
        db.prepare(
            "INSERT INTO runs (model_id, input_id, kind, status, settings_json, plugins_json, document, "
            "program_version, started, finished, seconds, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)"));
    insert.bind(1, model)
        .bind(2, input)
        .bind(3, run.kind)
        .bind(4, run.status)
        .bind(5, run.settingsJson)
        .bind(6, run.pluginsJson)
        .bindBlob(7, document.data(), document.size())
        .bind(8, run.programVersion)
        .bind(9, run.started)
        .bind(10, run.finished)
        .bind(11, run.seconds)
        .bind(12, run.label);
    ATTNSCOPE_TRY(insert.run());
    id = db.lastInsertId();
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement metric,
        db.prepare("INSERT INTO head_results (run_id, analysis, metric, layer, head, value) "
                   "VALUES (?, ?, ?, ?, ?, ?)"));
    for (const HeadMetric& m : run.metrics) {
        metric.reset();
        metric.bind(1, id)
            .bind(2, m.analysis)
            .bind(3, m.metric)
            .bind(4, int64_t{m.layer})
            .bind(5, int64_t{m.head});
        metric.bind(6, m.value);
        ATTNSCOPE_TRY(metric.run());
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement array,
                               db.prepare("INSERT INTO arrays (run_id, name, dtype, shape, codec, data) "
                                          "VALUES (?, ?, ?, ?, 'zlib', ?)"));
    for (std::size_t i = 0; i < run.arrays.size(); ++i) {
        const ArrayRecord& a = run.arrays[i];
        array.reset();
        array.bind(1, id)
            .bind(2, a.name)
            .bind(3, std::string(a.type == ArrayType::F32 ? "f32" : "u8"))
            .bind(4, nlohmann::json(a.shape).dump())
            .bindBlob(5, encoded.arrays[i].data(), encoded.arrays[i].size());
        ATTNSCOPE_TRY(array.run());
    }
    return Status::ok();
}

/// Checks each array against its shape and compresses everything a run stores as blobs.
Expected<EncodedRun> encodeRun(const RunRecord& run) {
    EncodedRun encoded;
    for (const ArrayRecord& a : run.arrays) {
        const std::size_t expected = static_cast<std::size_t>(a.elements());
        const bool f32 = a.type == ArrayType::F32;
        if ((f32 ? a.f32.size() : a.u8.size()) != expected)
            return Status::invalidArgument("array '" + a.name + "' holds " +
                                           std::to_string(f32 ? a.f32.size() : a.u8.size()) +
                                           " values for its shape of " + std::to_string(expected));
        encoded.arrays.push_back(f32 ? detail::compress(a.f32.data(), a.f32.size() * 4)
                                     : detail::compress(a.u8.data(), a.u8.size()));
    }
    encoded.inputHash = inputHash(run.input);
    std::vector<int64_t> offsets;
    for (const auto& [begin, end] : run.input.offsets) {
        offsets.push_back(begin);
        offsets.push_back(end);
    }
    encoded.tokens = detail::compress(run.input.tokens.data(), run.input.tokens.size() * 4);
    encoded.offsets = detail::compress(offsets.data(), offsets.size() * 8);
    encoded.document = detail::compress(run.documentJson.data(), run.documentJson.size());
    return encoded;
}

} // namespace

Project::Project(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Project::Project(Project&&) noexcept = default;
Project& Project::operator=(Project&&) noexcept = default;
Project::~Project() = default;

const std::string& Project::path() const {
    return m_state->path;
}

int Project::schemaVersion() const {
    return m_state->version;
}

const std::string& Project::backupPath() const {
    return m_state->backup;
}

Expected<Project> Project::open(const std::string& path, OpenMode mode) {
    namespace fs = std::filesystem;
    std::error_code error;
    const bool exists = fs::exists(path, error);
    if (!exists && mode != OpenMode::CreateIfMissing)
        return Status::notFound("no project file").inFile(path);
    if (exists && !fs::is_regular_file(path, error))
        return Status::invalidArgument("not a project file (a folder or a device)").inFile(path);
    if (exists)
        ATTNSCOPE_TRY(checkHeader(path)); // before SQLite touches it: an empty or foreign file stays as it is
    auto state = std::make_unique<State>();
    state->path = path;
    state->readOnly = mode == OpenMode::ReadOnly;
    ATTNSCOPE_ASSIGN_OR_RETURN(state->db, Connection::open(path, !exists, state->readOnly));
    Connection& db = state->db;
    int version = 0;
    if (exists) {
        ATTNSCOPE_ASSIGN_OR_RETURN(version, readVersion(db));
        if (version > kSchemaVersion)
            return Status::unsupported("written by a newer AttnScope (project schema " +
                                       std::to_string(version) + "; this build reads schemas up to " +
                                       std::to_string(kSchemaVersion) + "): open it with that version")
                .inFile(path);
        if (version < 1)
            return Status::parseError("invalid schema version " + std::to_string(version)).inFile(path);
    }
    ATTNSCOPE_TRY(db.execute("PRAGMA foreign_keys = ON").context("enabling foreign keys"));
    if (!state->readOnly) {
        if (version > 0 && version < kSchemaVersion) {
            state->backup = path + ".schema-v" + std::to_string(version) + ".bak";
            ATTNSCOPE_TRY(backupTo(db, state->backup));
        }
        // WAL: readers (the studio) never block the writer (the CLI); FULL: a committed run survives
        // power loss too, not only a killed process.
        ATTNSCOPE_TRY(
            db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").context("switching to WAL"));
        if (version < kSchemaVersion)
            ATTNSCOPE_TRY(migrate(db, version, kSchemaVersion));
        version = kSchemaVersion;
    }
    state->version = version;
    return Project(std::move(state));
}

Expected<int64_t> Project::addRun(const RunRecord& run) {
    if (m_state->readOnly)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    Connection& db = m_state->db;
    ATTNSCOPE_ASSIGN_OR_RETURN(const EncodedRun encoded, encodeRun(run));
    ATTNSCOPE_TRY(db.execute("BEGIN IMMEDIATE"));
    int64_t id = 0;
    ATTNSCOPE_TRY(rollbackOn(db, insertRunBody(db, run, encoded, id)));
    ATTNSCOPE_TRY(rollbackOn(db, db.execute("COMMIT")));
    return id;
}

Expected<std::vector<RunSummary>> Project::runs() const {
    Connection& db = m_state->db;
    const bool labels = m_state->version >= 2;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement query,
        db.prepare(std::string("SELECT runs.id, ") + (labels ? "runs.label" : "''") +
                   ", kind, status, started, seconds, models.path, inputs.token_count FROM runs "
                   "JOIN models ON models.id = runs.model_id JOIN inputs ON inputs.id = runs.input_id ORDER "
                   "BY runs.id"));
    std::vector<RunSummary> list;
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool row, query.step());
        if (!row)
            break;
        list.push_back({query.integer(0), query.text(1), query.text(2), query.text(3), query.text(4),
                        query.text(6), query.real(5), static_cast<int>(query.integer(7))});
    }
    return list;
}

Expected<std::vector<HeadMetric>> Project::metrics(int64_t runId) const {
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement query, m_state->db.prepare("SELECT analysis, metric, layer, head, value FROM head_results "
                                             "WHERE run_id = ? ORDER BY analysis, metric, layer, head"));
    query.bind(1, runId);
    std::vector<HeadMetric> list;
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool row, query.step());
        if (!row)
            break;
        list.push_back({query.text(0), query.text(1), static_cast<int>(query.integer(2)),
                        static_cast<int>(query.integer(3)), query.real(4)});
    }
    return list;
}

Expected<RunRecord> Project::run(int64_t id) const {
    Connection& db = m_state->db;
    const bool labels = m_state->version >= 2;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement query,
        db.prepare(
            std::string("SELECT ") + (labels ? "runs.label" : "''") +
            ", kind, status, settings_json, plugins_json, document, program_version, started, finished, "
            "seconds, models.path, models.format, models.content_hash, models.config_json, inputs.text, "
            "inputs.tokens, inputs.offsets FROM runs JOIN models ON models.id = runs.model_id "
            "JOIN inputs ON inputs.id = runs.input_id WHERE runs.id = ?"));
    query.bind(1, id);
    ATTNSCOPE_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found)
        return Status::notFound("no run " + std::to_string(id) + " in the project").inFile(m_state->path);
    RunRecord run;
    run.id = id;
    run.label = query.text(0);
    run.kind = query.text(1);
    run.status = query.text(2);
    run.settingsJson = query.text(3);
    run.pluginsJson = query.text(4);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<uint8_t> document, detail::decompress(query.blob(5)));
    run.documentJson.assign(document.begin(), document.end());
    run.programVersion = query.text(6);
    run.started = query.text(7);
    run.finished = query.text(8);
    run.seconds = query.real(9);
    run.model = {query.text(10), query.text(11), query.text(12), query.text(13)};
    run.input.text = query.text(14);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<uint8_t> tokens, detail::decompress(query.blob(15)));
    run.input.tokens = fromBytes<int32_t>(tokens);
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<uint8_t> offsets, detail::decompress(query.blob(16)));
    const std::vector<int64_t> flat = fromBytes<int64_t>(offsets);
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
        run.input.offsets.emplace_back(flat[i], flat[i + 1]);
    ATTNSCOPE_ASSIGN_OR_RETURN(run.metrics, metrics(id));
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement arrays,
        db.prepare("SELECT name, dtype, shape, data FROM arrays WHERE run_id = ? ORDER BY id"));
    arrays.bind(1, id);
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool row, arrays.step());
        if (!row)
            break;
        ArrayRecord a;
        a.name = arrays.text(0);
        a.type = arrays.text(1) == "u8" ? ArrayType::U8 : ArrayType::F32;
        const auto shape = parseJsonText(arrays.text(2));
        if (!shape.is_array())
            return Status::parseError("array '" + a.name + "' has an unreadable shape").inFile(m_state->path);
        for (const auto& d : shape)
            a.shape.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
        ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, detail::decompress(arrays.blob(3)));
        if (a.type == ArrayType::F32)
            a.f32 = fromBytes<float>(bytes);
        else
            a.u8 = std::move(bytes);
        if ((a.type == ArrayType::F32 ? a.f32.size() : a.u8.size()) != static_cast<std::size_t>(a.elements()))
            return Status::parseError("array '" + a.name + "' does not match its shape")
                .inFile(m_state->path);
        run.arrays.push_back(std::move(a));
    }
    return run;
}

namespace {
/// A note's or label's text without the blank lines and spaces around it (the CLI and the studio store
/// the same).
std::string trimmedText(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}
} // namespace

Status Project::removeRun(int64_t id) {
    if (m_state->readOnly)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    Connection& db = m_state->db;
    ATTNSCOPE_TRY(db.execute("BEGIN IMMEDIATE"));
    auto removed = [&]() -> Status {
        ATTNSCOPE_ASSIGN_OR_RETURN(Statement remove, db.prepare("DELETE FROM runs WHERE id = ?"));
        remove.bind(1, id);
        ATTNSCOPE_TRY(remove.run()); // results, arrays and notes go with it (ON DELETE CASCADE)
        if (db.changes() == 0)
            return Status::notFound("no run " + std::to_string(id) + " in the project")
                .inFile(m_state->path)
                .atField("run");
        ATTNSCOPE_TRY(db.execute("DELETE FROM inputs WHERE id NOT IN (SELECT input_id FROM runs)"));
        return db.execute("DELETE FROM models WHERE id NOT IN (SELECT model_id FROM runs)");
    }();
    ATTNSCOPE_TRY(rollbackOn(db, std::move(removed)));
    return rollbackOn(db, db.execute("COMMIT"));
}

Status Project::compact() {
    if (m_state->readOnly)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    ATTNSCOPE_TRY(m_state->db.execute("VACUUM").context("compacting the project"));
    return m_state->db.execute("PRAGMA wal_checkpoint(TRUNCATE)").context("compacting the project");
}

Status Project::setRunLabel(int64_t id, const std::string& label) {
    if (m_state->readOnly || m_state->version < 2) // a writable open has migrated to labels
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement update,
                               m_state->db.prepare("UPDATE runs SET label = ? WHERE id = ?"));
    update.bind(1, trimmedText(label)).bind(2, id);
    ATTNSCOPE_TRY(update.run());
    if (m_state->db.changes() == 0)
        return Status::notFound("no run " + std::to_string(id) + " in the project")
            .inFile(m_state->path)
            .atField("run");
    return Status::ok();
}

Expected<int64_t> Project::addAnnotation(const Annotation& annotation) {
    if (m_state->readOnly || m_state->version < 2)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    if (annotation.text.find_first_not_of(" \t\r\n") == std::string::npos)
        return Status::invalidArgument("a note needs some text").inFile(m_state->path).atField("text");
    for (const auto& [value, field] :
         {std::pair{annotation.layer, "layer"}, std::pair{annotation.head, "head"},
          std::pair{annotation.token, "token"}})
        if (value && *value < 0)
            return Status::invalidArgument("must not be negative").inFile(m_state->path).atField(field);
    {
        ATTNSCOPE_ASSIGN_OR_RETURN(Statement exists, m_state->db.prepare("SELECT 1 FROM runs WHERE id = ?"));
        exists.bind(1, annotation.runId);
        ATTNSCOPE_ASSIGN_OR_RETURN(bool found, exists.step());
        if (!found)
            return Status::notFound("no run " + std::to_string(annotation.runId) + " in the project")
                .inFile(m_state->path)
                .atField("run");
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement insert,
        m_state->db.prepare("INSERT INTO annotations (run_id, layer, head, token, text, created) "
                            "VALUES (?, ?, ?, ?, ?, ?)"));
    insert.bind(1, annotation.runId);
    auto optional = [&](int index, const std::optional<int>& value) {
        if (value)
            insert.bind(index, int64_t{*value});
        else
            insert.bindNull(index);
    };
    optional(2, annotation.layer);
    optional(3, annotation.head);
    optional(4, annotation.token);
    insert.bind(5, trimmedText(annotation.text))
        .bind(6, annotation.created.empty() ? utcNow() : annotation.created);
    ATTNSCOPE_TRY(insert.run());
    return m_state->db.lastInsertId();
}

Status Project::setAnnotationText(int64_t id, const std::string& text) {
    if (m_state->readOnly || m_state->version < 2)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return Status::invalidArgument("a note needs some text").inFile(m_state->path).atField("text");
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement update,
                               m_state->db.prepare("UPDATE annotations SET text = ? WHERE id = ?"));
    update.bind(1, trimmedText(text)).bind(2, id);
    ATTNSCOPE_TRY(update.run());
    if (m_state->db.changes() == 0)
        return Status::notFound("no note " + std::to_string(id) + " in the project").inFile(m_state->path);
    return Status::ok();
}

Status Project::removeAnnotation(int64_t id) {
    if (m_state->readOnly || m_state->version < 2)
        return Status::invalidArgument("the project is open read-only").inFile(m_state->path);
    ATTNSCOPE_ASSIGN_OR_RETURN(Statement remove, m_state->db.prepare("DELETE FROM annotations WHERE id = ?"));
    remove.bind(1, id);
    ATTNSCOPE_TRY(remove.run());
    if (m_state->db.changes() == 0)
        return Status::notFound("no note " + std::to_string(id) + " in the project").inFile(m_state->path);
    return Status::ok();
}

Expected<std::vector<Annotation>> Project::annotations(int64_t runId) const {
    std::vector<Annotation> list;
    if (m_state->version < 2)
        return list;
    ATTNSCOPE_ASSIGN_OR_RETURN(
        Statement query, m_state->db.prepare("SELECT id, layer, head, token, text, created FROM annotations "
                                             "WHERE run_id = ? ORDER BY id"));
    query.bind(1, runId);
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool row, query.step());
        if (!row)
            break;
        Annotation a;
        a.id = query.integer(0);
        a.runId = runId;
        if (!query.isNull(1))
            a.layer = static_cast<int>(query.integer(1));
        if (!query.isNull(2))
            a.head = static_cast<int>(query.integer(2));
        if (!query.isNull(3))
            a.token = static_cast<int>(query.integer(3));
        a.text = query.text(4);
        a.created = query.text(5);
        list.push_back(std::move(a));
    }
    return list;
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

Expected<std::string> modelContentHash(const std::string& modelPath) {
    namespace fs = std::filesystem;
    std::error_code error;
    std::vector<fs::path> files;
    if (fs::is_directory(modelPath, error)) {
        for (auto it = fs::recursive_directory_iterator(modelPath, error);
             !error && it != fs::recursive_directory_iterator(); it.increment(error))
            if (it->is_regular_file(error))
                files.push_back(it->path());
        std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(modelPath, error)) {
        files.push_back(modelPath);
    }
    if (files.empty())
        return Status::notFound("no model file to hash").inFile(modelPath);
    Sha256 hash;
    std::vector<char> buffer;
    for (const fs::path& file : files) {
        const std::string name =
            fs::relative(file, fs::is_directory(modelPath) ? fs::path(modelPath) : file.parent_path())
                .string();
        const uint64_t size = fs::file_size(file, error);
        hash.update(name);
        hash.update(&size, sizeof size);
        std::ifstream stream(file, std::ios::binary);
        if (!stream)
            return Status::ioError("cannot read").inFile(file.string());
        auto piece = [&](uint64_t offset, uint64_t length) {
            length = std::min(length, size > offset ? size - offset : 0);
            buffer.resize(length);
            stream.seekg(static_cast<std::streamoff>(offset));
            stream.read(buffer.data(), static_cast<std::streamsize>(length));
            hash.update(buffer.data(), static_cast<std::size_t>(stream.gcount()));
            stream.clear();
        };
        constexpr uint64_t kEdge = 4 << 20, kPiece = 64 << 10;
        if (size <= 2 * kEdge + 16 * kPiece) {
            piece(0, size);
        } else {
            piece(0, kEdge);
            for (int k = 0; k < 16; ++k)
                piece(kEdge + (size - 2 * kEdge) / 16 * k, kPiece);
            piece(size - kEdge, kEdge);
        }
    }
    return "sampled-sha256:" + hash.hexDigest();
}

} // namespace attnscope::store
