// SPDX-License-Identifier: Apache-2.0
// Projects: round trips, WAL and foreign keys, the schema history (migration after a backup, newer
// schemas refused), and bad files — a foreign file, an empty file, a truncated project, a non-project
// SQLite database — each a clear error that leaves the file exactly as it was.
#include "attnscope/core/sha256.h"
#include "attnscope/store/project.h"

#include "store_fixtures.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace attnscope;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("attnscope_store_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string fileBytes(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream buffer;
    buffer << file.rdbuf();
    return buffer.str();
}

/// Runs SQL on a file with the bare SQLite API (builds fixtures the store itself would never write).
void rawSql(const fs::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

} // namespace

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    Sha256 million;
    const std::string a(1000, 'a');
    for (int i = 0; i < 1000; ++i)
        million.update(a);
    EXPECT_EQ(million.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Project, RunsRoundTripExactly) {
    const fs::path dir = scratch("roundtrip");
    const std::string path = (dir / "p.attnscope").string();
    std::vector<int64_t> ids;
    {
        auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
        ASSERT_TRUE(project) << project.status().toString();
        EXPECT_EQ(project->schemaVersion(), store::kSchemaVersion);
        for (uint64_t seed : {1u, 2u, 3u, 4u}) {
            auto id = project->addRun(test::seededRun(seed));
            ASSERT_TRUE(id) << id.status().toString();
            ids.push_back(*id);
        }
        store::Annotation note;
        note.runId = ids[1];
        note.layer = 2;
        note.head = 5;
        note.text = "looks like a retrieval head";
        note.created = "2026-11-29T00:00:00Z";
        ASSERT_TRUE(project->addAnnotation(note));
    }
    auto project = store::Project::open(path, store::OpenMode::ReadOnly);
    ASSERT_TRUE(project) << project.status().toString();
    auto runs = project->runs();
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 4u);
    EXPECT_EQ((*runs)[2].label, "seed=3");
    EXPECT_EQ((*runs)[2].tokens, 50);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto run = project->run(ids[i]);
        ASSERT_TRUE(run) << run.status().toString();
        EXPECT_TRUE(test::sameRun(*run, test::seededRun(i + 1))) << "run " << ids[i];
    }
    // Runs share identical models and inputs.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* count = nullptr;
    sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM inputs)", -1, &count,
                       nullptr);
    ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(count, 0), 3); // seed % 3
    EXPECT_EQ(sqlite3_column_int(count, 1), 4); // seeds 1..4 % 7
    sqlite3_finalize(count);
    sqlite3_close(db);
    auto notes = project->annotations(ids[1]);
    ASSERT_TRUE(notes);
    ASSERT_EQ(notes->size(), 1u);
    EXPECT_EQ(*(*notes)[0].head, 5);
    EXPECT_FALSE((*notes)[0].token.has_value());
    auto missing = project->run(999);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("no run 999"), std::string::npos);
    EXPECT_FALSE(project->addRun(test::seededRun(9))) << "read-only";
    fs::remove_all(dir);
}

TEST(Project, NotesAreCheckedStampedEditedAndDeleted) {
    const fs::path dir = scratch("notes");
    const std::string path = (dir / "p.attnscope").string();
    auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
    ASSERT_TRUE(project) << project.status().toString();
    auto run = project->addRun(test::seededRun(1));
    ASSERT_TRUE(run);
    store::Annotation note;
    note.runId = *run;
    note.token = 0;
    note.text = "the BOS sink";
    auto id = project->addAnnotation(note);
    ASSERT_TRUE(id) << id.status().toString();
    auto notes = project->annotations(*run);
    ASSERT_TRUE(notes);
    ASSERT_EQ(notes->size(), 1u);
    EXPECT_EQ((*notes)[0].created.size(), 20u) << "stamped as YYYY-MM-DDTHH:MM:SSZ: " << (*notes)[0].created;
    EXPECT_FALSE((*notes)[0].layer.has_value());

    // Refusals name the field; none of them writes anything.
    store::Annotation bad = note;
    bad.runId = *run + 100;
    EXPECT_EQ(project->addAnnotation(bad).status().field(), "run");
    EXPECT_EQ(project->addAnnotation(bad).status().code(), StatusCode::NotFound);
    bad = note;
    bad.text = " \n\t";
    EXPECT_EQ(project->addAnnotation(bad).status().field(), "text");
    bad = note;
    bad.head = -1;
    EXPECT_EQ(project->addAnnotation(bad).status().field(), "head");
    EXPECT_EQ(project->annotations(*run)->size(), 1u);

    // Editing replaces the text only: the place and the creation time stay.
    const std::string created = (*notes)[0].created;
    EXPECT_EQ(project->setAnnotationText(*id, "  ").field(), "text");
    EXPECT_EQ(project->setAnnotationText(*id + 7, "elsewhere").code(), StatusCode::NotFound);
    ASSERT_TRUE(
        project->setAnnotationText(*id, "\n  the BOS sink, all layers \t\n").isOk()); // stored trimmed
    notes = project->annotations(*run);
    ASSERT_EQ(notes->size(), 1u);
    EXPECT_EQ((*notes)[0].text, "the BOS sink, all layers");
    EXPECT_EQ((*notes)[0].token, 0);
    EXPECT_EQ((*notes)[0].created, created);

    EXPECT_EQ(project->removeAnnotation(*id + 7).code(), StatusCode::NotFound);
    EXPECT_TRUE(project->removeAnnotation(*id).isOk());
    EXPECT_TRUE(project->annotations(*run)->empty());
    EXPECT_EQ(project->removeAnnotation(*id).code(), StatusCode::NotFound);

    auto readOnly = store::Project::open(path, store::OpenMode::ReadOnly);
    ASSERT_TRUE(readOnly);
    EXPECT_FALSE(readOnly->addAnnotation(note));
    EXPECT_FALSE(readOnly->removeAnnotation(1).isOk());
    EXPECT_FALSE(readOnly->setAnnotationText(1, "x").isOk());
    fs::remove_all(dir);
}

namespace {
int64_t countRows(const std::string& path, const char* table) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* count = nullptr;
    sqlite3_prepare_v2(db, (std::string("SELECT COUNT(*) FROM ") + table).c_str(), -1, &count, nullptr);
    const int64_t rows = sqlite3_step(count) == SQLITE_ROW ? sqlite3_column_int64(count, 0) : -1;
    sqlite3_finalize(count);
    sqlite3_close(db);
    return rows;
}
} // namespace

TEST(Project, RunsAreDeletedWithTheirResultsNotesAndUnusedRecords) {
    const fs::path dir = scratch("delete");
    const std::string path = (dir / "p.attnscope").string();
    auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
    ASSERT_TRUE(project) << project.status().toString();
    // Seeds 1, 2, 8: models m1, m2, m2 and inputs 1, 2, 1 (store_fixtures.h).
    const int64_t a = *project->addRun(test::seededRun(1)), b = *project->addRun(test::seededRun(2)),
                  c = *project->addRun(test::seededRun(8));
    store::Annotation note;
    note.runId = b;
    note.text = "to go";
    ASSERT_TRUE(project->addAnnotation(note));
    ASSERT_EQ(countRows(path, "models"), 2);
    ASSERT_EQ(countRows(path, "inputs"), 2);

    ASSERT_TRUE(project->removeRun(b).isOk());
    auto runs = project->runs();
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].id, a);
    EXPECT_EQ((*runs)[1].id, c);
    EXPECT_TRUE(project->metrics(b)->empty());
    EXPECT_TRUE(project->annotations(b)->empty());
    EXPECT_FALSE(project->run(b));
    EXPECT_EQ(countRows(path, "head_results"), 2 * 32); // the other two runs' 4 x 8 heads
    EXPECT_EQ(countRows(path, "annotations"), 0);
    EXPECT_EQ(countRows(path, "models"), 2); // m2 is still run c's
    EXPECT_EQ(countRows(path, "inputs"), 1); // input 2 was only run b's
    auto kept = project->run(c);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->input.text, test::seededRun(8).input.text);
    EXPECT_EQ(kept->arrays.size(), test::seededRun(8).arrays.size());

    ASSERT_TRUE(project->removeRun(a).isOk());
    EXPECT_EQ(countRows(path, "models"), 1); // m1 was only run a's
    EXPECT_EQ(countRows(path, "inputs"), 1); // input 1 is still run c's
    EXPECT_TRUE(project->run(c));

    const Status again = project->removeRun(b);
    EXPECT_EQ(again.code(), StatusCode::NotFound);
    EXPECT_EQ(again.field(), "run");
    auto readOnly = store::Project::open(path, store::OpenMode::ReadOnly);
    ASSERT_TRUE(readOnly);
    EXPECT_FALSE(readOnly->removeRun(c).isOk());
    EXPECT_FALSE(readOnly->compact().isOk());
    EXPECT_EQ(readOnly->runs()->size(), 1u); // run c, untouched by the refusal
    fs::remove_all(dir);
}

TEST(Project, RunsAreRelabelled) {
    const fs::path dir = scratch("labels");
    const std::string path = (dir / "p.attnscope").string();
    auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
    ASSERT_TRUE(project) << project.status().toString();
    auto run = project->addRun(test::seededRun(1));
    ASSERT_TRUE(run);
    ASSERT_TRUE(project->setRunLabel(*run, "  with ACT \n").isOk());
    EXPECT_EQ(project->run(*run)->label, "with ACT"); // trimmed
    EXPECT_EQ(project->runs()->front().label, "with ACT");
    ASSERT_TRUE(project->setRunLabel(*run, "").isOk()); // cleared
    EXPECT_EQ(project->run(*run)->label, "");
    const Status missing = project->setRunLabel(*run + 5, "x");
    EXPECT_EQ(missing.code(), StatusCode::NotFound);
    EXPECT_EQ(missing.field(), "run");
    auto readOnly = store::Project::open(path, store::OpenMode::ReadOnly);
    ASSERT_TRUE(readOnly);
    EXPECT_FALSE(readOnly->setRunLabel(*run, "x").isOk());
    fs::remove_all(dir);
}

TEST(Project, UsesWalAndForeignKeys) {
    const fs::path dir = scratch("wal");
    const std::string path = (dir / "p.attnscope").string();
    auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
    ASSERT_TRUE(project);
    ASSERT_TRUE(project->addRun(test::seededRun(5)));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* mode = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &mode, nullptr);
    ASSERT_EQ(sqlite3_step(mode), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0)), "wal");
    sqlite3_finalize(mode);
    sqlite3_close(db);
    // A second connection reads while the first still holds the project open.
    auto reader = store::Project::open(path, store::OpenMode::ReadOnly);
    ASSERT_TRUE(reader) << reader.status().toString();
    EXPECT_EQ(reader->runs()->size(), 1u);
    fs::remove_all(dir);
}

TEST(Project, OlderSchemaIsMigratedAfterABackup) {
    const fs::path dir = scratch("migrate");
    const fs::path path = dir / "old.attnscope";
    std::ifstream fixture(ATTNSCOPE_STORE_FIXTURES "/schema_v1.sql");
    std::stringstream sql;
    sql << fixture.rdbuf();
    rawSql(path, sql.str());
    auto project = store::Project::open(path.string());
    ASSERT_TRUE(project) << project.status().toString();
    EXPECT_EQ(project->schemaVersion(), 2);
    ASSERT_FALSE(project->backupPath().empty());
    {
        auto backup = store::Project::open(project->backupPath(), store::OpenMode::ReadOnly);
        ASSERT_TRUE(backup) << backup.status().toString();
        EXPECT_EQ(backup->schemaVersion(), 1) << "the backup is the project as it was";
        EXPECT_EQ(backup->runs()->size(), 1u);
    }
    auto runs = project->runs();
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ((*runs)[0].label, "") << "schema 2 added labels with an empty default";
    auto run = project->run((*runs)[0].id);
    ASSERT_TRUE(run) << run.status().toString();
    EXPECT_EQ(run->model.path, "/models/v1");
    EXPECT_EQ(run->input.tokens, (std::vector<int32_t>{}));
    // A v1 project opened read-only is read as it is, without migrating.
    const fs::path copy = dir / "copy.attnscope";
    rawSql(copy, sql.str());
    auto readOnly = store::Project::open(copy.string(), store::OpenMode::ReadOnly);
    ASSERT_TRUE(readOnly) << readOnly.status().toString();
    EXPECT_EQ(readOnly->schemaVersion(), 1);
    EXPECT_EQ(readOnly->runs()->size(), 1u);
    fs::remove_all(dir);
}

TEST(Project, NewerSchemaIsRefusedUntouched) {
    const fs::path dir = scratch("future");
    const std::string path = (dir / "p.attnscope").string();
    {
        auto project = store::Project::open(path, store::OpenMode::CreateIfMissing);
        ASSERT_TRUE(project);
        ASSERT_TRUE(project->addRun(test::seededRun(1)));
    }
    rawSql(path, "PRAGMA wal_checkpoint(TRUNCATE); UPDATE meta SET value = '99' WHERE key = 'schema_version';"
                 "PRAGMA wal_checkpoint(TRUNCATE);");
    const std::string before = fileBytes(path);
    auto project = store::Project::open(path);
    ASSERT_FALSE(project);
    EXPECT_EQ(project.status().code(), StatusCode::Unsupported);
    EXPECT_NE(project.status().message().find("newer AttnScope (project schema 99"), std::string::npos)
        << project.status().toString();
    EXPECT_EQ(project.status().file(), path);
    EXPECT_EQ(fileBytes(path), before);
    fs::remove_all(dir);
}

TEST(Project, BadFilesAreClearErrorsAndStayUntouched) {
    const fs::path dir = scratch("bad");
    // A text file, an empty file.
    for (const std::string& contents : {std::string("hello, this is not a project\n"), std::string()}) {
        const fs::path path = dir / "text.attnscope";
        std::ofstream(path, std::ios::binary) << contents;
        for (auto mode : {store::OpenMode::ReadWrite, store::OpenMode::CreateIfMissing}) {
            auto project = store::Project::open(path.string(), mode);
            ASSERT_FALSE(project);
            EXPECT_NE(project.status().message().find("not an SQLite database"), std::string::npos);
            EXPECT_EQ(project.status().file(), path.string());
            EXPECT_EQ(fileBytes(path), contents);
        }
    }
    // A truncated project: the first half of a real one.
    const fs::path whole = dir / "whole.attnscope";
    {
        auto project = store::Project::open(whole.string(), store::OpenMode::CreateIfMissing);
        ASSERT_TRUE(project);
        for (uint64_t seed = 1; seed <= 6; ++seed)
            ASSERT_TRUE(project->addRun(test::seededRun(seed, 64 * 1024)));
    }
    rawSql(whole, "PRAGMA wal_checkpoint(TRUNCATE);");
    const std::string bytes = fileBytes(whole);
    const fs::path truncated = dir / "truncated.attnscope";
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    const std::string before = fileBytes(truncated);
    auto project = store::Project::open(truncated.string());
    ASSERT_FALSE(project);
    EXPECT_NE(project.status().message().find("damaged or truncated"), std::string::npos)
        << project.status().toString();
    EXPECT_EQ(fileBytes(truncated), before);
    EXPECT_FALSE(fs::exists(truncated.string() + "-wal")) << "nothing was written beside it either";
    // An SQLite database that is not a project.
    const fs::path other = dir / "other.db";
    rawSql(other, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    auto foreign = store::Project::open(other.string());
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.status().message().find("not an AttnScope project"), std::string::npos);
    // A missing file without CreateIfMissing.
    auto missing = store::Project::open((dir / "none.attnscope").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
    EXPECT_FALSE(fs::exists(dir / "none.attnscope"));
    fs::remove_all(dir);
}

TEST(Project, ModelContentHashSeesChanges) {
    const fs::path dir = scratch("hash");
    fs::create_directories(dir / "model");
    std::ofstream(dir / "model" / "config.json") << "{}";
    std::ofstream(dir / "model" / "model.safetensors", std::ios::binary) << std::string(10 << 20, 'a');
    auto first = store::modelContentHash((dir / "model").string());
    ASSERT_TRUE(first);
    EXPECT_EQ(first->rfind("sampled-sha256:", 0), 0u);
    EXPECT_EQ(*store::modelContentHash((dir / "model").string()), *first);
    {
        std::fstream file(dir / "model" / "model.safetensors",
                          std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(5 << 20); // inside the first sampled piece past the 4 MiB head
        file << 'b';
    }
    EXPECT_NE(*store::modelContentHash((dir / "model").string()), *first);
    EXPECT_FALSE(store::modelContentHash((dir / "absent").string()));
    fs::remove_all(dir);
}
