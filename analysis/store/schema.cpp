// SPDX-License-Identifier: Apache-2.0
#include "schema.h"

namespace attnscope::store::detail {

const std::vector<std::string>& schemaSteps() {
    static const std::vector<std::string> steps = {
        // 1: models, inputs, runs, per-head results, arrays.
        R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    config_json TEXT NOT NULL,
    UNIQUE (path, content_hash));
CREATE TABLE inputs (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    tokens BLOB NOT NULL,
    offsets BLOB NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models (id),
    input_id INTEGER NOT NULL REFERENCES inputs (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    plugins_json TEXT NOT NULL,
    document BLOB NOT NULL,
    program_version TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    seconds REAL NOT NULL);
CREATE TABLE head_results (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    analysis TEXT NOT NULL,
    metric TEXT NOT NULL,
    layer INTEGER NOT NULL,
    head INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, analysis, metric, layer, head)) WITHOUT ROWID;
CREATE TABLE arrays (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    dtype TEXT NOT NULL,
    shape TEXT NOT NULL,
    codec TEXT NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (run_id, name));
INSERT INTO meta (key, value) VALUES ('application', 'AttnScope'), ('schema_version', '1');
)sql",
        // 2: run labels and annotations.
        R"sql(
ALTER TABLE runs ADD COLUMN label TEXT NOT NULL DEFAULT '';
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    layer INTEGER,
    head INTEGER,
    token INTEGER,
    text TEXT NOT NULL,
    created TEXT NOT NULL);
UPDATE meta SET value = '2' WHERE key = 'schema_version';
)sql",
    };
    return steps;
}

} // namespace attnscope::store::detail
