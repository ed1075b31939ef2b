// SPDX-License-Identifier: Apache-2.0
#include "sqlite_handle.h"

#include <utility>

namespace attnscope::store::detail {

Status sqliteStatus(sqlite3* db, int code, const std::string& what) {
    const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    const std::string file = db && sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "";
    Status status;
    switch (code & 0xff) {
    case SQLITE_NOTADB:
        status = Status::parseError("not an AttnScope project: the file is not an SQLite database (" +
                                    message + ")");
        break;
    case SQLITE_CORRUPT:
        status = Status::parseError("the project file is damaged or truncated (" + message + ")");
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_FULL:
        status = Status::ioError(message);
        break;
    case SQLITE_NOMEM:
        status = Status::outOfMemory(message);
        break;
    default:
        status = Status::internal(message);
    }
    return status.context(what).inFile(file);
}

Statement::Statement(Statement&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_statement(std::exchange(other.m_statement, nullptr)),
      m_bindError(other.m_bindError) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_db = std::exchange(other.m_db, nullptr);
        m_statement = std::exchange(other.m_statement, nullptr);
        m_bindError = other.m_bindError;
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_statement);
}

Statement& Statement::bind(int index, int64_t value) {
    if (const int rc = sqlite3_bind_int64(m_statement, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (const int rc = sqlite3_bind_double(m_statement, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bind(int index, const std::string& text) {
    if (const int rc =
            sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bindBlob(int index, const void* data, std::size_t size) {
    if (const int rc = sqlite3_bind_blob64(m_statement, index, size ? data : "", size, SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bindNull(int index) {
    if (const int rc = sqlite3_bind_null(m_statement, index); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Expected<bool> Statement::step() {
    if (m_bindError != SQLITE_OK)
        return sqliteStatus(m_db, m_bindError, "binding a value");
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return sqliteStatus(m_db, rc, "running a statement");
}

Status Statement::run() {
    for (;;) {
        ATTNSCOPE_ASSIGN_OR_RETURN(bool row, step());
        if (!row)
            return Status::ok();
    }
}

void Statement::reset() {
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    m_bindError = SQLITE_OK;
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_statement, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_statement, column);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(m_statement, column);
    return data ? std::string(reinterpret_cast<const char*>(data),
                              static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)))
                : std::string();
}

std::vector<uint8_t> Statement::blob(int column) const {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(m_statement, column));
    const int size = sqlite3_column_bytes(m_statement, column);
    return data ? std::vector<uint8_t>(data, data + size) : std::vector<uint8_t>();
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

Connection::Connection(Connection&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

Connection::~Connection() {
    sqlite3_close_v2(m_db);
}

Expected<Connection> Connection::open(const std::string& path, bool create, bool readOnly) {
    Connection connection;
    connection.m_path = path;
    const int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                      (create && !readOnly ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &connection.m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Status status = sqliteStatus(connection.m_db, rc, "opening the project").inFile(path);
        return status;
    }
    sqlite3_extended_result_codes(connection.m_db, 1);
    // Another process (the CLI writing while the studio reads) may hold the lock briefly.
    sqlite3_busy_timeout(connection.m_db, 10000);
    return connection;
}

Expected<Statement> Connection::prepare(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, sql.c_str(), static_cast<int>(sql.size()), &statement, nullptr);
    if (rc != SQLITE_OK)
        return sqliteStatus(m_db, rc, "preparing a query");
    return Statement(m_db, statement);
}

Status Connection::execute(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK)
        return sqliteStatus(m_db, rc, "updating the project");
    return Status::ok();
}

int64_t Connection::lastInsertId() const {
    return sqlite3_last_insert_rowid(m_db);
}

int64_t Connection::changes() const {
    return sqlite3_changes(m_db);
}

Status Connection::error(const std::string& what) const {
    return sqliteStatus(m_db, sqlite3_errcode(m_db), what);
}

} // namespace attnscope::store::detail
