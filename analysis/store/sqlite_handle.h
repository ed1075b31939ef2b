// SPDX-License-Identifier: Apache-2.0
// Thin RAII over the SQLite C API (internal to the store): a connection, prepared statements with
// typed binds and reads, and errors as Status naming the project file.
#pragma once

#include "attnscope/core/expected.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::store::detail {

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* statement) : m_db(db), m_statement(statement) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& text);
    Statement& bindBlob(int index, const void* data, std::size_t size);
    Statement& bindNull(int index);

    /// Advances: true while a row is available, false when done; errors as Status.
    Expected<bool> step();
    /// Runs to completion (for statements without rows).
    Status run();
    /// Ready to bind and run again.
    void reset();

    int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::vector<uint8_t> blob(int column) const;
    bool isNull(int column) const;

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_statement = nullptr;
    int m_bindError = SQLITE_OK;
};

class Connection {
public:
    Connection() = default;
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    /// Opens `path`: read-write, created only when `create`. Does not read or write anything yet.
    static Expected<Connection> open(const std::string& path, bool create, bool readOnly = false);

    Expected<Statement> prepare(const std::string& sql);
    /// Runs one or more statements without results.
    Status execute(const std::string& sql);
    int64_t lastInsertId() const;
    /// Rows inserted, updated or deleted by the last statement.
    int64_t changes() const;
    /// A Status for the connection's last error (`what` says what was being done).
    Status error(const std::string& what) const;
    const std::string& path() const { return m_path; }
    sqlite3* raw() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

/// SQLite's result code as a Status with the message and the file.
Status sqliteStatus(sqlite3* db, int code, const std::string& what);

} // namespace attnscope::store::detail
