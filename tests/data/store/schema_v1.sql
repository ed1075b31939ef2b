-- A project as schema 1 wrote it (frozen: the migration tests open it). One run, no tokens.
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
INSERT INTO models (id, path, format, content_hash, config_json) VALUES (1, '/models/v1', 'hf', 'sampled-sha256:00', '{}');
INSERT INTO inputs (id, sha256, text, token_count, tokens, offsets)
    VALUES (1, 'empty', '', 0, X'0000000000000000', X'0000000000000000');
INSERT INTO runs (id, model_id, input_id, kind, status, settings_json, plugins_json, document, program_version,
                  started, finished, seconds)
    VALUES (1, 1, 1, 'analyze', 'complete', '{}', '[]', X'0000000000000000', '0.1.0', '2026-11-01T00:00:00Z',
            '2026-11-01T00:00:05Z', 5.0);
INSERT INTO head_results (run_id, analysis, metric, layer, head, value) VALUES (1, 'sinks', 'token0_mass', 0, 0, 0.5);
