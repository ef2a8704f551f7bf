// SqlSession over SOCI: the mysql backend (MySQL/MariaDB) and the sqlite3 backend (embedded default).
#include "eos/sql.h"

#include <soci/mysql/soci-mysql.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>


namespace eos {
namespace {

// SOCI's sqlite3 header wraps <sqlite3.h> in this namespace.
using namespace sqlite_api;

// Converts whatever SOCI threw into SqlError with a retry category.
[[noreturn]] void rethrow_as_sql_error(Dialect dialect) {
  try {
    throw;
  } catch (const SqlError&) {
    throw;
  } catch (const soci::mysql_soci_error& e) {
    int code = static_cast<int>(e.err_num_);
    throw SqlError(classify_mysql_error(code), code, e.what());
  } catch (const soci::sqlite3_soci_error& e) {
    throw SqlError(classify_sqlite_error(e.result()), e.result(), e.what());
  } catch (const soci::soci_error& e) {
    // Errors SOCI raises itself; "not connected" after a failed reconnect means: reconnect.
    std::string what = e.what();
    bool disconnected = what.find("not connected") != std::string::npos || what.find("connect") != std::string::npos;
    throw SqlError(disconnected ? SqlErrorKind::connection_lost : SqlErrorKind::other, 0, what);
  }
}

std::string quote_parameter(const std::string& value) {
  // SOCI's connect-string parser reads name=value pairs; a value with spaces or quotes is quoted.
  if (value.find_first_of(" '\"\\=") == std::string::npos && !value.empty()) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

class SociSession final : public SqlSession {
 public:
  SociSession(Dialect dialect, std::string connect_string, const SessionOptions& options)
      : dialect_(dialect), connect_string_(std::move(connect_string)), options_(options) {
    try {
      if (dialect_ == Dialect::mysql)
        session_.open(*soci::factory_mysql(), connect_string_);
      else
        session_.open(*soci::factory_sqlite3(), connect_string_);
      configure();
    } catch (...) {
      rethrow_as_sql_error(dialect_);
    }
  }

  SqlRenderer renderer() const override { return SqlRenderer{dialect_, backslash_escapes_}; }
  std::string backend_name() const override { return dialect_ == Dialect::mysql ? "soci-mysql" : "soci-sqlite3"; }

  void begin() override { execute_sql(dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE" : "START TRANSACTION"); }
  void commit() override { execute_sql("COMMIT"); }
  void rollback() noexcept override {
    try {
      execute_sql("ROLLBACK");
    } catch (...) {
      // Lost connection: the server rolled back. No transaction open: nothing to do.
    }
  }

  std::int64_t execute_sql(const std::string& sql) override {
    try {
      if (dialect_ == Dialect::sqlite) return sqlite_execute(sql);
      soci::statement statement = (session_.prepare << sql);
      statement.execute(true);
      return statement.get_affected_rows();
    } catch (...) {
      rethrow_as_sql_error(dialect_);
    }
  }

  SqlRows query_sql(const std::string& sql) override {
    try {
      if (dialect_ == Dialect::sqlite) return sqlite_query(sql);
      return mysql_query(sql);
    } catch (...) {
      rethrow_as_sql_error(dialect_);
    }
  }

  bool supports_load_local() const override { return dialect_ == Dialect::mysql; }

  LoadResult load_local(const std::string& sql, std::string_view data) override {
    if (dialect_ != Dialect::mysql) return SqlSession::load_local(sql, data);
    MYSQL* conn = mysql_handle();
    LocalData source{data, 0};
    active_load_ = &source;
    int rc = mysql_real_query(conn, sql.data(), static_cast<unsigned long>(sql.size()));
    active_load_ = nullptr;
    if (rc != 0) {
      int code = static_cast<int>(mysql_errno(conn));
      throw SqlError(classify_mysql_error(code), code, std::string("mysql: ") + mysql_error(conn));
    }
    LoadResult result;
    result.records = static_cast<std::int64_t>(mysql_affected_rows(conn));
    // "Records: 3  Deleted: 0  Skipped: 0  Warnings: 0"
    if (const char* info = mysql_info(conn)) {
      auto number_after = [&](const char* label) -> std::int64_t {
        const char* at = std::strstr(info, label);
        return at ? std::strtoll(at + std::strlen(label), nullptr, 10) : 0;
      };
      result.records = number_after("Records:");
      result.skipped = number_after("Skipped:");
      result.warnings = number_after("Warnings:");
    }
    return result;
  }

  void reconnect() override {
    try {
      session_.reconnect();
      configure();
    } catch (...) {
      rethrow_as_sql_error(dialect_);
    }
  }

 private:
  // LOAD DATA LOCAL is served only from the memory handed to load_local(): the handler replaces
  // the library's default (which would read any file the server names).
  struct LocalData {
    std::string_view bytes;
    std::size_t sent;
  };
  static int local_init(void** state, const char*, void* userdata) {
    auto* self = static_cast<SociSession*>(userdata);
    *state = self->active_load_;
    return self->active_load_ ? 0 : 1;
  }
  static int local_read(void* state, char* buffer, unsigned int length) {
    auto* source = static_cast<LocalData*>(state);
    if (!source) return -1;
    std::size_t n = std::min<std::size_t>(length, source->bytes.size() - source->sent);
    std::memcpy(buffer, source->bytes.data() + source->sent, n);
    source->sent += n;
    return static_cast<int>(n);
  }
  static void local_end(void*) {}
  static int local_error(void*, char* message, unsigned int length) {
    std::snprintf(message, length, "LOAD DATA LOCAL is only served from memory by eos::SqlSession::load_local");
    return 2000;  // CR_UNKNOWN_ERROR
  }

  MYSQL* mysql_handle() {
    auto* backend = static_cast<soci::mysql_session_backend*>(session_.get_backend());
    if (!backend || !backend->conn_) throw SqlError(SqlErrorKind::connection_lost, 0, "MySQL session not open");
    return backend->conn_;
  }

  void configure() {
    if (dialect_ == Dialect::mysql) {
      mysql_set_local_infile_handler(mysql_handle(), local_init, local_read, local_end, local_error, this);
      if (options_.lock_wait_timeout_seconds > 0)
        execute_sql("SET SESSION innodb_lock_wait_timeout = " + std::to_string(options_.lock_wait_timeout_seconds));
      // Backslashes are escapes unless the server runs with NO_BACKSLASH_ESCAPES.
      SqlRows mode = mysql_query("SELECT @@SESSION.sql_mode");
      backslash_escapes_ = mode.empty() || as_string(mode[0][0]).find("NO_BACKSLASH_ESCAPES") == std::string::npos;
    } else {
      sqlite3_busy_timeout(sqlite_handle(), static_cast<int>(options_.sqlite_busy_timeout.count()));
      if (connect_string_.find(":memory:") == std::string::npos) sqlite_query("PRAGMA journal_mode = WAL");
      sqlite_execute("PRAGMA synchronous = " + options_.sqlite_synchronous);
    }
  }

  sqlite3* sqlite_handle() {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(session_.get_backend());
    if (!backend) throw SqlError(SqlErrorKind::connection_lost, 0, "SQLite database not open");
    return backend->conn_;
  }

  [[noreturn]] void throw_sqlite(sqlite3* db, int rc) {
    int code = sqlite3_extended_errcode(db);
    if ((code & 0xff) != (rc & 0xff)) code = rc;
    throw SqlError(classify_sqlite_error(code), code, std::string("sqlite: ") + sqlite3_errmsg(db));
  }

  // SQLite goes straight to the handle SOCI opened: its dynamic types are exact (SOCI reads
  // columns declared INTEGER as 32-bit ints), and the extended result codes survive.
  template <class OnRow>
  void sqlite_run(const std::string& sql, OnRow on_row) {
    sqlite3* db = sqlite_handle();
    const char* tail = sql.c_str();
    const char* end = sql.c_str() + sql.size();
    while (tail < end) {
      sqlite3_stmt* statement = nullptr;
      int rc = sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &statement, &tail);
      if (rc != SQLITE_OK) throw_sqlite(db, rc);
      if (!statement) break;  // only whitespace or comments left
      for (;;) {
        rc = sqlite3_step(statement);
        if (rc == SQLITE_ROW) {
          on_row(statement);
        } else {
          break;
        }
      }
      sqlite3_finalize(statement);
      if (rc != SQLITE_DONE) throw_sqlite(db, rc);
    }
  }

  std::int64_t sqlite_execute(const std::string& sql) {
    sqlite3* db = sqlite_handle();
    auto before = sqlite3_total_changes64(db);
    sqlite_run(sql, [](sqlite3_stmt*) {});
    return sqlite3_total_changes64(db) - before;
  }

  SqlRows sqlite_query(const std::string& sql) {
    SqlRows rows;
    sqlite_run(sql, [&](sqlite3_stmt* statement) {
      int columns = sqlite3_column_count(statement);
      SqlRow row;
      row.reserve(columns);
      for (int i = 0; i < columns; ++i) {
        switch (sqlite3_column_type(statement, i)) {
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(statement, i)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(statement, i));
            break;
          case SQLITE_BLOB: {
            auto* data = static_cast<const char*>(sqlite3_column_blob(statement, i));
            row.emplace_back(Blob{std::string(data ? data : "", sqlite3_column_bytes(statement, i))});
            break;
          }
          default: {
            auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
            row.emplace_back(std::string(text ? text : "", sqlite3_column_bytes(statement, i)));
          }
        }
      }
      rows.push_back(std::move(row));
    });
    return rows;
  }

  // Queries go to the MYSQL handle SOCI opened: SOCI's row description rejects some column
  // types (NULL, DECIMAL), and the C API gives exact types and the server's error numbers.
  SqlRows mysql_query(const std::string& sql) {
    MYSQL* conn = mysql_handle();
    auto fail = [conn]() {
      int code = static_cast<int>(mysql_errno(conn));
      throw SqlError(classify_mysql_error(code), code, std::string("mysql: ") + mysql_error(conn));
    };
    if (mysql_real_query(conn, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail();
    MYSQL_RES* result = mysql_store_result(conn);
    if (!result) {
      if (mysql_field_count(conn) != 0) fail();
      return {};
    }
    std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> owner(result, mysql_free_result);
    unsigned int columns = mysql_num_fields(result);
    MYSQL_FIELD* fields = mysql_fetch_fields(result);
    SqlRows rows;
    rows.reserve(mysql_num_rows(result));
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      unsigned long* lengths = mysql_fetch_lengths(result);
      SqlRow out;
      out.reserve(columns);
      for (unsigned int i = 0; i < columns; ++i) {
        if (!row[i]) {
          out.emplace_back(std::monostate{});
          continue;
        }
        std::string text(row[i], lengths[i]);
        switch (fields[i].type) {
          case MYSQL_TYPE_TINY:
          case MYSQL_TYPE_SHORT:
          case MYSQL_TYPE_LONG:
          case MYSQL_TYPE_INT24:
          case MYSQL_TYPE_LONGLONG:
          case MYSQL_TYPE_YEAR:
            out.emplace_back(static_cast<std::int64_t>((fields[i].flags & UNSIGNED_FLAG)
                                                           ? static_cast<std::int64_t>(std::stoull(text))
                                                           : std::stoll(text)));
            break;
          case MYSQL_TYPE_FLOAT:
          case MYSQL_TYPE_DOUBLE:
            out.emplace_back(std::stod(text));
            break;
          default:
            if (fields[i].charsetnr == 63 && (fields[i].flags & BINARY_FLAG) &&
                (fields[i].type == MYSQL_TYPE_BLOB || fields[i].type == MYSQL_TYPE_TINY_BLOB ||
                 fields[i].type == MYSQL_TYPE_MEDIUM_BLOB || fields[i].type == MYSQL_TYPE_LONG_BLOB))
              out.emplace_back(Blob{std::move(text)});
            else
              out.emplace_back(std::move(text));
        }
      }
      rows.push_back(std::move(out));
    }
    return rows;
  }

  soci::session session_;
  Dialect dialect_;
  std::string connect_string_;
  SessionOptions options_;
  bool backslash_escapes_ = false;
  LocalData* active_load_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlSession> open_session(std::string_view url, const SessionOptions& options) {
  if (is_mysql_url(url)) {
    MysqlUrl u = parse_mysql_url(url);
    std::string connect = "db=" + quote_parameter(u.database) + " user=" + quote_parameter(u.user);
    if (!u.password.empty()) connect += " password=" + quote_parameter(u.password);
    if (!u.socket.empty()) {
      connect += " unix_socket=" + quote_parameter(u.socket);
    } else {
      connect += " host=" + quote_parameter(u.host) + " port=" + std::to_string(u.port);
    }
    // local_infile: LOAD DATA LOCAL for InsertOptions::Method::load_data; the session serves it
    // from memory only (see load_local), never from a file.
    connect += " local_infile=1 charset=utf8mb4 connect_timeout=" + std::to_string(options.connect_timeout_seconds);
    return std::make_unique<SociSession>(Dialect::mysql, connect, options);
  }
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.starts_with("//")) path = path.substr(2);  // sqlite:///abs/path and sqlite://rel
    if (path.empty()) throw std::invalid_argument("sqlite URL names no file: " + std::string(url));
    return std::make_unique<SociSession>(Dialect::sqlite, "db=" + quote_parameter(path), options);
  }
  throw std::invalid_argument("unsupported database URL (want sqlite:PATH or mysql://...): " + std::string(url));
}

}  // namespace eos
