#include "eos/sql.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace eos {

bool is_null(const SqlValue& value) { return std::holds_alternative<std::monostate>(value); }

std::int64_t as_int(const SqlValue& value) {
  if (auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (auto* d = std::get_if<double>(&value)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&value)) {
    std::int64_t result = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), result);
    if (ec == std::errc() && end == s->data() + s->size()) return result;
    throw std::invalid_argument("as_int: not an integer: " + *s);
  }
  throw std::invalid_argument("as_int: NULL or blob");
}

std::optional<std::int64_t> as_optional_int(const SqlValue& value) {
  if (is_null(value)) return std::nullopt;
  return as_int(value);
}

std::string as_string(const SqlValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  if (auto* b = std::get_if<Blob>(&value)) return b->bytes;
  if (auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&value)) {
    std::string out;
    SqlRenderer{}.append(out, *d);
    return out;
  }
  return {};
}

const char* to_string(SqlErrorKind kind) {
  switch (kind) {
    case SqlErrorKind::transient: return "transient";
    case SqlErrorKind::connection_lost: return "connection_lost";
    case SqlErrorKind::constraint: return "constraint";
    case SqlErrorKind::data: return "data";
    case SqlErrorKind::other: return "other";
  }
  return "?";
}

SqlError::SqlError(SqlErrorKind kind, int code, const std::string& message)
    : std::runtime_error(message), kind_(kind), code_(code) {}

SqlErrorKind classify_mysql_error(int code) {
  switch (code) {
    case 1213:  // ER_LOCK_DEADLOCK
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 1020:  // ER_CHECKREAD: record changed since last read
    case 1412:  // ER_TABLE_DEF_CHANGED
    case 1637:  // too many active concurrent transactions
    case 1180:  // ER_ERROR_DURING_COMMIT (e.g. a storage engine hiccup): nothing committed
      return SqlErrorKind::transient;
    case 2002:  // CR_CONNECTION_ERROR (socket)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 2026:  // CR_SSL_CONNECTION_ERROR
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1077:  // ER_NORMAL_SHUTDOWN
    case 1078:  // ER_GOT_SIGNAL
    case 1079:  // ER_SHUTDOWN_COMPLETE
    case 1927:  // ER_CONNECTION_KILLED
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT
    case 1040:  // ER_CON_COUNT_ERROR: too many connections, try again later
    case 1129:  // ER_HOST_IS_BLOCKED
    case 1152:  // ER_ABORTING_CONNECTION
    case 1184:  // ER_NEW_ABORTING_CONNECTION
      return SqlErrorKind::connection_lost;
    case 1062:  // ER_DUP_ENTRY
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1048:  // ER_BAD_NULL_ERROR
    case 1451:  // ER_ROW_IS_REFERENCED_2
    case 1452:  // ER_NO_REFERENCED_ROW_2
    case 1216:
    case 1217:
    case 4025:  // ER_CONSTRAINT_FAILED (CHECK)
    case 3819:  // MySQL's CHECK constraint violated
      return SqlErrorKind::constraint;
    case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
    case 1265:  // WARN_DATA_TRUNCATED
    case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    case 1292:  // ER_TRUNCATED_WRONG_VALUE
    case 1406:  // ER_DATA_TOO_LONG
    case 1367:  // ER_ILLEGAL_VALUE_FOR_TYPE
    case 1411:  // ER_WRONG_VALUE_FOR_TYPE
    case 1690:  // ER_DATA_OUT_OF_RANGE
    case 3140:  // ER_INVALID_JSON_TEXT
    case 4038:  // ER_JSON_SYNTAX
      return SqlErrorKind::data;
    default:
      return SqlErrorKind::other;
  }
}

SqlErrorKind classify_sqlite_error(int code) {
  switch (code & 0xff) {  // primary result code
    case 5:   // SQLITE_BUSY
    case 6:   // SQLITE_LOCKED
    case 15:  // SQLITE_PROTOCOL (WAL lock race)
      return SqlErrorKind::transient;
    case 10:  // SQLITE_IOERR
    case 14:  // SQLITE_CANTOPEN
      return SqlErrorKind::connection_lost;
    case 19:  // SQLITE_CONSTRAINT
      return SqlErrorKind::constraint;
    case 18:  // SQLITE_TOOBIG
    case 20:  // SQLITE_MISMATCH
    case 25:  // SQLITE_RANGE
      return SqlErrorKind::data;
    default:
      return SqlErrorKind::other;
  }
}

// ---- SqlRenderer ----------------------------------------------------------------------------

void SqlRenderer::append(std::string& out, std::int64_t value) const {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

void SqlRenderer::append(std::string& out, std::uint64_t value) const {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

void SqlRenderer::append(std::string& out, double value) const {
  if (!std::isfinite(value)) throw std::invalid_argument("SQL has no literal for NaN or infinity");
  char buffer[32];
  // Shortest text that reads back as the same double; an integral value gets ".0"/"e" so that
  // SQLite keeps it REAL rather than INTEGER.
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, end - buffer);
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

namespace {

// 256-entry membership tables: one load per byte instead of a search of the set per byte.
struct ByteSet {
  bool member[256] = {};
  constexpr ByteSet(std::string_view bytes) {
    for (char c : bytes) member[static_cast<unsigned char>(c)] = true;
  }
  std::size_t find(std::string_view text, std::size_t from) const {
    for (std::size_t i = from; i < text.size(); ++i)
      if (member[static_cast<unsigned char>(text[i])]) return i;
    return std::string_view::npos;
  }
};
constexpr ByteSet kQuote(std::string_view("'", 1));
constexpr ByteSet kQuoteAndEscapes(std::string_view("'\\\0\x1a", 4));
constexpr ByteSet kLoadDataSpecial(std::string_view("\\\t\n\0", 4));

}  // namespace

void SqlRenderer::append(std::string& out, std::string_view text) const {
  // Copies runs of ordinary bytes at once; only quotes (and, with backslash escapes, backslash,
  // NUL and Ctrl-Z) need a second look. Most values have none: one reserve and one copy.
  out.reserve(out.size() + text.size() + 2);
  out += '\'';
  const ByteSet& special = backslash_escapes ? kQuoteAndEscapes : kQuote;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = special.find(text, start);
    if (at == std::string_view::npos) {
      out.append(text.data() + start, text.size() - start);
      break;
    }
    out.append(text.data() + start, at - start);
    switch (text[at]) {
      case '\'':
        out += "''";  // valid with and without NO_BACKSLASH_ESCAPES, and SQL standard
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\0':
        out += "\\0";  // without backslash escapes NUL is sent as is, with the statement's length
        break;
      default:  // Ctrl-Z ends input on Windows' mysql client; escape it like the C API does
        out += "\\Z";
    }
    start = at + 1;
  }
  out += '\'';
}

void SqlRenderer::append(std::string& out, BlobView blob) const {
  if (dialect == Dialect::mysql) {
    // A binary string literal: half the size of hex on the wire and in the server's parser. The
    // statement is sent with its length, so any byte may appear once quotes (and, where the server
    // treats them as escapes, backslashes and NUL) are escaped.
    out += "_binary";
    append(out, blob.bytes);
    return;
  }
  static constexpr char digits[] = "0123456789ABCDEF";
  if (blob.bytes.empty()) {
    // X'' is an empty binary string in MySQL and an empty blob in SQLite.
    out += "X''";
    return;
  }
  out.reserve(out.size() + blob.bytes.size() * 2 + 3);
  out += "X'";
  for (unsigned char byte : blob.bytes) {
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  out += '\'';
}

void SqlRenderer::append(std::string& out, const SqlValue& value) const {
  std::visit([&](const auto& v) { append(out, v); }, value);
}

std::string SqlRenderer::identifier(std::string_view name) const {
  char quote = dialect == Dialect::mysql ? '`' : '"';
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

std::string SqlRenderer::render(std::string_view sql, std::span<const SqlValue> params) const {
  std::string out;
  out.reserve(sql.size() + params.size() * 8);
  std::size_t next = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // Copy a quoted string or identifier through; a doubled quote stays inside, and with
      // backslash escapes so does an escaped character.
      out += c;
      for (++i; i < sql.size(); ++i) {
        out += sql[i];
        if (sql[i] == '\\' && backslash_escapes && c != '`' && i + 1 < sql.size()) {
          out += sql[++i];
        } else if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            out += sql[++i];
          } else {
            break;
          }
        }
      }
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      auto end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      auto end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() - 1 : end + 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      if (next >= params.size()) throw std::invalid_argument("SQL has more placeholders than values");
      append(out, params[next++]);
    } else {
      out += c;
    }
  }
  if (next != params.size()) throw std::invalid_argument("SQL has fewer placeholders than values");
  return out;
}

// ---- SqlSession -----------------------------------------------------------------------------

SqlSession::LoadResult SqlSession::load_local(const std::string&, std::string_view) {
  throw SqlError(SqlErrorKind::other, 0, backend_name() + " does not support LOAD DATA LOCAL from memory");
}

void SqlSession::execute_script(std::string_view script) {
  // Split on ';' outside quotes and comments; SOCI (and SQLite's prepare) run one statement each.
  std::string current;
  auto flush = [&] {
    auto first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) execute_sql(current.substr(first));
    current.clear();
  };
  for (std::size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    if (c == '\'' || c == '"' || c == '`') {
      current += c;
      for (++i; i < script.size(); ++i) {
        current += script[i];
        if (script[i] == c) break;
      }
    } else if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      auto end = script.find('\n', i);
      i = end == std::string_view::npos ? script.size() : end;
      current += '\n';
    } else if (c == ';') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
}

// ---- URLs -----------------------------------------------------------------------------------

bool is_mysql_url(std::string_view url) {
  return url.starts_with("mysql://") || url.starts_with("mariadb://");
}

MysqlUrl parse_mysql_url(std::string_view url) {
  MysqlUrl result;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || !is_mysql_url(url))
    throw std::invalid_argument("not a mysql:// URL: " + std::string(url));
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    result.database = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos) {
      result.user = std::string(credentials.substr(0, colon));
      result.password = std::string(credentials.substr(colon + 1));
    } else {
      result.user = std::string(credentials);
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), result.port);
    if (ec != std::errc() || end != port.data() + port.size())
      throw std::invalid_argument("bad port in URL: " + std::string(url));
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) result.host = std::string(rest);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (item.substr(0, eq) == "socket") result.socket = std::string(item.substr(eq + 1));
  }
  if (result.database.empty()) throw std::invalid_argument("URL names no database: " + std::string(url));
  return result;
}

// ---- MultiRowInsert -------------------------------------------------------------------------

MultiRowInsert::MultiRowInsert(SqlSession& session, std::string_view table, std::vector<std::string> columns,
                               InsertOptions options)
    : session_(session), renderer_(session.renderer()), options_(std::move(options)), columns_(columns.size()) {
  if (columns.empty()) throw std::invalid_argument("MultiRowInsert needs columns");
  if (options_.rows_per_statement == 0) options_.rows_per_statement = 1;
  bool mysql = renderer_.dialect == Dialect::mysql;
  head_ = options_.on_duplicate == InsertOptions::OnDuplicate::ignore
              ? (mysql ? "INSERT IGNORE INTO " : "INSERT OR IGNORE INTO ")
              : "INSERT INTO ";
  head_ += renderer_.identifier(table);
  head_ += " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) head_ += ',';
    head_ += renderer_.identifier(columns[i]);
  }
  head_ += ") VALUES ";
  load_ = options_.method == InsertOptions::Method::load_data && mysql &&
          options_.on_duplicate != InsertOptions::OnDuplicate::update && session.supports_load_local();
  if (load_) {
    // The file name is not read: the session serves the rows from memory. The defaults of
    // FIELDS/LINES (tab, newline, backslash escapes, \N for NULL) are what load_field() writes;
    // CHARACTER SET binary: the bytes go into the columns unconverted, like the INSERT literals.
    load_statement_ = "LOAD DATA LOCAL INFILE 'eos-rows.tsv' ";
    if (options_.on_duplicate == InsertOptions::OnDuplicate::ignore) load_statement_ += "IGNORE ";
    load_statement_ += "INTO TABLE " + renderer_.identifier(table) + " CHARACTER SET binary (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) load_statement_ += ',';
      load_statement_ += renderer_.identifier(columns[i]);
    }
    load_statement_ += ')';
  }
  if (options_.on_duplicate == InsertOptions::OnDuplicate::update) {
    if (options_.update_columns.empty()) throw std::invalid_argument("OnDuplicate::update needs update_columns");
    if (mysql) {
      tail_ = " ON DUPLICATE KEY UPDATE ";
    } else {
      if (options_.conflict_columns.empty())
        throw std::invalid_argument("OnDuplicate::update on SQLite needs conflict_columns");
      tail_ = " ON CONFLICT (";
      for (std::size_t i = 0; i < options_.conflict_columns.size(); ++i) {
        if (i) tail_ += ',';
        tail_ += renderer_.identifier(options_.conflict_columns[i]);
      }
      tail_ += ") DO UPDATE SET ";
    }
    for (std::size_t i = 0; i < options_.update_columns.size(); ++i) {
      if (i) tail_ += ',';
      auto column = renderer_.identifier(options_.update_columns[i]);
      tail_ += column + '=' + (mysql ? "VALUES(" + column + ')' : "excluded." + column);
    }
  }
}

void MultiRowInsert::open_row() {
  if (pending_rows_ == 0) {
    statement_.clear();
    statement_ += head_;
  } else {
    statement_ += ',';
  }
  statement_ += '(';
}

void MultiRowInsert::close_row() {
  statement_ += ')';
  ++pending_rows_;
  if (pending_rows_ >= options_.rows_per_statement || statement_.size() >= options_.max_statement_bytes) flush();
}

void MultiRowInsert::load_field(std::string_view text) {
  // LOAD DATA's default escapes: backslash, tab and newline are escaped; NUL too (\0), so that
  // no byte of a value can end a field or a line or be read as NULL (\N).
  load_data_.reserve(load_data_.size() + text.size());
  std::size_t start = 0;
  for (;;) {
    std::size_t at = kLoadDataSpecial.find(text, start);
    if (at == std::string_view::npos) {
      load_data_.append(text.data() + start, text.size() - start);
      return;
    }
    load_data_.append(text.data() + start, at - start);
    load_data_ += '\\';
    switch (text[at]) {
      case '\t': load_data_ += 't'; break;
      case '\n': load_data_ += 'n'; break;
      case '\0': load_data_ += '0'; break;
      default: load_data_ += '\\';
    }
    start = at + 1;
  }
}

void MultiRowInsert::load_field(double value) {
  renderer_.append(load_data_, value);
}

void MultiRowInsert::load_field(const SqlValue& value) {
  std::visit([&](const auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
      load_data_ += "\\N";
    else
      load_field(v);
  }, value);
}

void MultiRowInsert::add_row(std::span<const SqlValue> values) {
  if (values.size() != columns_) throw std::invalid_argument("MultiRowInsert::add_row: wrong number of values");
  if (load_) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) load_data_ += '\t';
      load_field(values[i]);
    }
    load_data_ += '\n';
    ++pending_rows_;
    if (load_data_.size() >= options_.max_load_bytes) flush();
    return;
  }
  open_row();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) statement_ += ',';
    renderer_.append(statement_, values[i]);
  }
  close_row();
}

std::string MultiRowInsert::pending_statement() const {
  if (!pending_rows_) return {};
  return load_ ? load_statement_ : statement_ + tail_;
}

void MultiRowInsert::flush_load() {
  std::size_t rows = pending_rows_;
  pending_rows_ = 0;
  std::string data = std::move(load_data_);
  load_data_.clear();
  SqlSession::LoadResult result = session_.load_local(load_statement_, data);
  bool ignore = options_.on_duplicate == InsertOptions::OnDuplicate::ignore;
  if (result.records != static_cast<std::int64_t>(rows))
    throw SqlError(SqlErrorKind::data, 0,
                   "LOAD DATA read " + std::to_string(result.records) + " lines of " + std::to_string(rows) + " rows");
  // With LOCAL the server cannot stop the stream, so it turns what an INSERT would fail on into
  // skipped lines and warnings; they fail the chunk here instead.
  if (result.skipped > 0 && !ignore)
    throw SqlError(SqlErrorKind::constraint, 1062,
                   "LOAD DATA skipped " + std::to_string(result.skipped) + " rows (duplicate key)");
  if (result.warnings > (ignore ? result.skipped : 0))
    throw SqlError(SqlErrorKind::data, 1265,
                   "LOAD DATA: " + std::to_string(result.warnings) + " warnings (values converted or truncated)");
  load_data_ = std::move(data);  // keep the capacity for the next chunk
  load_data_.clear();
  rows_written_ += static_cast<std::int64_t>(rows);
  ++statements_;
}

void MultiRowInsert::flush() {
  if (pending_rows_ == 0) return;
  if (load_) return flush_load();
  statement_ += tail_;
  std::size_t rows = pending_rows_;
  pending_rows_ = 0;  // a failed statement is not retried piecemeal: the whole transaction is
  session_.execute_sql(statement_);
  rows_written_ += static_cast<std::int64_t>(rows);
  ++statements_;
}

void MultiRowInsert::reset() {
  pending_rows_ = 0;
  statement_.clear();
  load_data_.clear();
  rows_written_ = 0;
  statements_ = 0;
}

}  // namespace eos
