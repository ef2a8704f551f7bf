// Backend-neutral SQL session: what the exactly-once machinery needs from a database, and no more.
// Backends (SOCI for MySQL/MariaDB and SQLite, MySQL Connector/C++) implement SqlSession; nothing
// here includes a driver header.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace eos {

enum class Dialect { mysql, sqlite };

// Raw bytes, rendered as a hexadecimal literal (X'..'), which both dialects accept for any column.
struct Blob {
  std::string bytes;
};
struct BlobView {
  std::string_view bytes;
};

// A value bound to a `?` placeholder or read from a result. monostate is SQL NULL.
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
using SqlRow = std::vector<SqlValue>;
using SqlRows = std::vector<SqlRow>;

bool is_null(const SqlValue& value);
// Integer value of a column (integers, or decimal text, which some drivers return for BIGINT).
std::int64_t as_int(const SqlValue& value);
std::optional<std::int64_t> as_optional_int(const SqlValue& value);
std::string as_string(const SqlValue& value);

// What the caller should do about a failed statement.
enum class SqlErrorKind {
  transient,        // deadlock (1213), lock wait timeout (1205), SQLITE_BUSY/LOCKED: the transaction
                    // is (or must be) rolled back; retry the whole transaction
  connection_lost,  // 2006, 2013, can't connect, server shutdown, killed: reconnect; an in-flight
                    // COMMIT may or may not have happened
  constraint,       // duplicate key, NOT NULL, foreign key, CHECK: the data is at fault
  data,             // value out of range, too long, wrong type: the data is at fault
  other             // syntax, missing table, permissions...: a bug or a setup problem
};
const char* to_string(SqlErrorKind kind);

class SqlError : public std::runtime_error {
 public:
  SqlError(SqlErrorKind kind, int code, const std::string& message);
  SqlErrorKind kind() const { return kind_; }
  // The server's (MySQL/MariaDB) or the library's (SQLite primary result code) error number.
  int code() const { return code_; }

 private:
  SqlErrorKind kind_;
  int code_;
};

SqlErrorKind classify_mysql_error(int code);
SqlErrorKind classify_sqlite_error(int code);

// Renders values as SQL literals for one dialect. Strings are quoted with doubled single quotes
// (valid in every sql_mode); backslashes are doubled only where the server treats them as escapes.
struct SqlRenderer {
  Dialect dialect = Dialect::sqlite;
  bool backslash_escapes = false;  // MySQL without NO_BACKSLASH_ESCAPES

  void append(std::string& out, std::monostate) const { out += "NULL"; }
  void append(std::string& out, std::nullptr_t) const { out += "NULL"; }
  void append(std::string& out, std::nullopt_t) const { out += "NULL"; }
  void append(std::string& out, bool value) const { out += value ? '1' : '0'; }
  void append(std::string& out, std::int64_t value) const;
  void append(std::string& out, std::uint64_t value) const;
  void append(std::string& out, double value) const;  // NaN and infinities are rejected
  void append(std::string& out, std::string_view text) const;
  void append(std::string& out, const std::string& text) const { append(out, std::string_view(text)); }
  void append(std::string& out, const char* text) const { append(out, std::string_view(text)); }
  void append(std::string& out, BlobView blob) const;
  void append(std::string& out, const Blob& blob) const { append(out, BlobView{blob.bytes}); }
  void append(std::string& out, const SqlValue& value) const;
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
  void append(std::string& out, T value) const {
    if constexpr (std::is_signed_v<T>)
      append(out, static_cast<std::int64_t>(value));
    else
      append(out, static_cast<std::uint64_t>(value));
  }
  void append(std::string& out, float value) const { append(out, static_cast<double>(value)); }
  template <class T>
  void append(std::string& out, const std::optional<T>& value) const {
    if (value)
      append(out, *value);
    else
      out += "NULL";
  }

  // Replaces each `?` outside quoted strings, quoted identifiers and comments with the next
  // value's literal. Throws std::invalid_argument when the counts differ.
  std::string render(std::string_view sql, std::span<const SqlValue> params) const;
  // A quoted identifier (`name` for MySQL, "name" for SQLite).
  std::string identifier(std::string_view name) const;
};

// One connection. Not thread-safe: one thread uses a session at a time.
class SqlSession {
 public:
  virtual ~SqlSession() = default;

  virtual SqlRenderer renderer() const = 0;
  Dialect dialect() const { return renderer().dialect; }
  // e.g. "soci-sqlite3", "soci-mysql", "mysqlcppconn"
  virtual std::string backend_name() const = 0;

  // SQLite begins with BEGIN IMMEDIATE (takes the write lock up front, so a busy database fails
  // fast at BEGIN instead of deadlocking at the first write).
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Best effort and never throws: after a lost connection the server has rolled back already.
  virtual void rollback() noexcept = 0;

  // Runs one statement without placeholders; returns the number of affected rows.
  virtual std::int64_t execute_sql(const std::string& sql) = 0;
  virtual SqlRows query_sql(const std::string& sql) = 0;

  // Closes and opens the connection again (same parameters). Throws SqlError on failure.
  virtual void reconnect() = 0;

  // MySQL/MariaDB: runs a `LOAD DATA LOCAL INFILE` statement whose file content is `data`,
  // streamed from memory (no file is read or written). Backends without it (SQLite, Connector/C++)
  // say false in supports_load_local() and throw SqlError(other) here.
  struct LoadResult {
    std::int64_t records = 0;  // lines the server read
    std::int64_t skipped = 0;  // lines not inserted (duplicate keys: LOCAL behaves like IGNORE)
    std::int64_t warnings = 0;  // conversions the server made (strict mode would have failed them)
  };
  virtual bool supports_load_local() const { return false; }
  virtual LoadResult load_local(const std::string& sql, std::string_view data);

  // With `?` placeholders bound client-side by renderer().
  std::int64_t execute(std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return execute_sql(renderer().render(sql, std::span<const SqlValue>(params.begin(), params.size())));
  }
  std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) {
    return execute_sql(renderer().render(sql, params));
  }
  SqlRows query(std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return query_sql(renderer().render(sql, std::span<const SqlValue>(params.begin(), params.size())));
  }
  SqlRows query(std::string_view sql, std::span<const SqlValue> params) {
    return query_sql(renderer().render(sql, params));
  }
  // Runs a ;-separated script statement by statement (DDL files).
  void execute_script(std::string_view script);
};

// Connection settings for the bundled backends.
struct SessionOptions {
  // MySQL/MariaDB: innodb_lock_wait_timeout for this session (seconds, 0 = server default).
  int lock_wait_timeout_seconds = 0;
  // SQLite: how long a statement waits for another writer before SQLITE_BUSY.
  std::chrono::milliseconds sqlite_busy_timeout{5000};
  // SQLite: WAL journal with synchronous=NORMAL by default. A crash of the process loses nothing
  // committed; a power loss may lose the newest transactions, but rows and offsets go together,
  // so exactly-once still holds. "FULL" for durability against power loss too.
  std::string sqlite_synchronous = "NORMAL";
  // MySQL/MariaDB: connect timeout (seconds).
  int connect_timeout_seconds = 5;
};

// Opens a session through SOCI. URLs:
//   sqlite:PATH                   (the embedded default; sqlite::memory: for a private database)
//   mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=PATH]   (also mariadb://)
// Throws SqlError when the connection fails and std::invalid_argument for a malformed URL.
std::unique_ptr<SqlSession> open_session(std::string_view url, const SessionOptions& options = {});

// Parsed form of a mysql:// URL (shared by the backends).
struct MysqlUrl {
  std::string user = "root";
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;
  std::string socket;
};
MysqlUrl parse_mysql_url(std::string_view url);
bool is_mysql_url(std::string_view url);

// Accumulates rows into multi-row INSERT statements, ONE statement per chunk (rows_per_statement
// rows or max_statement_bytes, whichever comes first), with values rendered as escaped literals.
// SOCI's vector binding would send one statement per row on MySQL; this sends one per chunk.
struct InsertOptions {
  std::size_t rows_per_statement = 1000;
  std::size_t max_statement_bytes = 4 << 20;  // below MariaDB's default max_allowed_packet (16 MiB)
  enum class OnDuplicate { fail, ignore, update } on_duplicate = OnDuplicate::fail;
  // How rows travel on MySQL/MariaDB. insert: multi-row INSERT statements. load_data: one
  // `LOAD DATA LOCAL INFILE` per chunk, streamed from memory, inside the same transaction (InnoDB
  // makes it transactional); the server parses tab-separated lines instead of SQL, which is the
  // cheapest way in. A duplicate key (with OnDuplicate::fail) or any warning (a value the server
  // had to convert or truncate, which strict mode rejects in an INSERT) fails the chunk with a
  // constraint/data SqlError, so the executor's poison handling sees the same errors as with
  // INSERTs. OnDuplicate::update, SQLite and sessions without supports_load_local() use INSERTs.
  enum class Method { insert, load_data } method = Method::insert;
  // load_data: bytes per LOAD DATA statement (the stream is not bounded by max_allowed_packet).
  std::size_t max_load_bytes = 64 << 20;
  // Columns to overwrite with the new row's values for OnDuplicate::update.
  std::vector<std::string> update_columns;
  // SQLite's ON CONFLICT target (the unique key) for OnDuplicate::update.
  std::vector<std::string> conflict_columns;
};

class MultiRowInsert {
 public:
  MultiRowInsert(SqlSession& session, std::string_view table, std::vector<std::string> columns,
                 InsertOptions options = {});

  // Appends one row; its values in column order, any mix of integers, floating point, strings,
  // Blob/BlobView, std::optional and nullptr. Executes a statement when a chunk is full.
  template <class... Values>
  void add_row(const Values&... values) {
    static_assert(sizeof...(Values) > 0);
    if (sizeof...(Values) != columns_)
      throw std::invalid_argument("MultiRowInsert::add_row: wrong number of values");
    if (load_) {
      bool first = true;
      auto add_field = [&](const auto& value) {
        if (!first) load_data_ += '\t';
        first = false;
        load_field(value);
      };
      (add_field(values), ...);
      load_data_ += '\n';
      ++pending_rows_;
      if (load_data_.size() >= options_.max_load_bytes) flush();
      return;
    }
    open_row();
    bool first = true;
    auto append_value = [&](const auto& value) {
      if (!first) statement_ += ',';
      first = false;
      renderer_.append(statement_, value);
    };
    (append_value(values), ...);
    close_row();
  }
  void add_row(std::span<const SqlValue> values);

  // Executes the pending chunk, if any.
  void flush();
  std::size_t pending_rows() const { return pending_rows_; }
  std::int64_t rows_written() const { return rows_written_; }  // rows sent in executed statements
  std::int64_t statements_executed() const { return statements_; }
  // Drops pending rows (after a rollback) and zeroes the counters.
  void reset();

  // The statement the current chunk would run (for tests and logging). With Method::load_data
  // the LOAD DATA statement; pending_load_data() is its content.
  std::string pending_statement() const;
  const std::string& pending_load_data() const { return load_data_; }
  bool loading() const { return load_; }

 private:
  void open_row();
  void close_row();
  void load_field(const SqlValue& value);
  void load_field(std::monostate) { load_data_ += "\\N"; }
  void load_field(std::nullptr_t) { load_data_ += "\\N"; }
  void load_field(std::nullopt_t) { load_data_ += "\\N"; }
  void load_field(bool value) { load_data_ += value ? '1' : '0'; }
  void load_field(std::string_view text);
  void load_field(const std::string& text) { load_field(std::string_view(text)); }
  void load_field(const char* text) { load_field(std::string_view(text)); }
  void load_field(BlobView blob) { load_field(blob.bytes); }
  void load_field(const Blob& blob) { load_field(std::string_view(blob.bytes)); }
  void load_field(double value);
  void load_field(float value) { load_field(static_cast<double>(value)); }
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
  void load_field(T value) {
    renderer_.append(load_data_, value);
  }
  template <class T>
  void load_field(const std::optional<T>& value) {
    if (value)
      load_field(*value);
    else
      load_data_ += "\\N";
  }
  void flush_load();

  bool load_ = false;
  std::string load_statement_;  // LOAD DATA LOCAL INFILE ... (columns)
  std::string load_data_;       // tab-separated lines, backslash escapes

  SqlSession& session_;
  SqlRenderer renderer_;
  InsertOptions options_;
  std::size_t columns_;
  std::string head_;  // INSERT INTO t (a,b) VALUES
  std::string tail_;  // ON DUPLICATE KEY UPDATE ... / ON CONFLICT ...
  std::string statement_;
  std::size_t pending_rows_ = 0;
  std::int64_t rows_written_ = 0;
  std::int64_t statements_ = 0;
};

}  // namespace eos
