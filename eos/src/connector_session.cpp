// SqlSession over MySQL Connector/C++ 1.1 (sql::Connection).
#include "eos/mysql_connector.h"

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>

namespace eos {
namespace {

[[noreturn]] void rethrow_as_sql_error() {
  try {
    throw;
  } catch (const SqlError&) {
    throw;
  } catch (const sql::SQLException& e) {
    int code = e.getErrorCode();
    std::string what = e.what();
    // Connector/C++ reports a closed or invalidated connection without a server error number.
    SqlErrorKind kind = code == 0 && (what.find("closed") != std::string::npos ||
                                      what.find("connection") != std::string::npos)
                            ? SqlErrorKind::connection_lost
                            : classify_mysql_error(code);
    throw SqlError(kind, code, "mysqlcppconn: " + what);
  }
}

class ConnectorSession final : public SqlSession {
 public:
  ConnectorSession(sql::Connection* borrowed, std::function<std::unique_ptr<sql::Connection>()> connect,
                   const SessionOptions& options)
      : borrowed_(borrowed), connect_(std::move(connect)), options_(options) {
    try {
      if (!borrowed_) owned_ = connect_();
      configure();
    } catch (...) {
      rethrow_as_sql_error();
    }
  }

  SqlRenderer renderer() const override { return SqlRenderer{Dialect::mysql, backslash_escapes_}; }
  std::string backend_name() const override { return "mysqlcppconn"; }

  void begin() override { execute_sql("START TRANSACTION"); }
  void commit() override { execute_sql("COMMIT"); }
  void rollback() noexcept override {
    try {
      execute_sql("ROLLBACK");
    } catch (...) {
    }
  }

  std::int64_t execute_sql(const std::string& text) override {
    try {
      sql::Statement& st = statement();
      if (st.execute(text)) {
        // A statement that returned rows: drain them.
        std::unique_ptr<sql::ResultSet> rs(st.getResultSet());
        return 0;
      }
      return static_cast<std::int64_t>(st.getUpdateCount());
    } catch (...) {
      rethrow_as_sql_error();
    }
  }

  SqlRows query_sql(const std::string& text) override {
    try {
      std::unique_ptr<sql::ResultSet> rs(statement().executeQuery(text));
      sql::ResultSetMetaData* meta = rs->getMetaData();
      unsigned int columns = meta->getColumnCount();
      std::vector<int> types(columns);
      for (unsigned int i = 0; i < columns; ++i) types[i] = meta->getColumnType(i + 1);
      SqlRows rows;
      while (rs->next()) {
        SqlRow row;
        row.reserve(columns);
        for (unsigned int i = 0; i < columns; ++i) {
          if (rs->isNull(i + 1)) {
            row.emplace_back(std::monostate{});
            continue;
          }
          switch (types[i]) {
            case sql::DataType::BIT:
            case sql::DataType::TINYINT:
            case sql::DataType::SMALLINT:
            case sql::DataType::MEDIUMINT:
            case sql::DataType::INTEGER:
            case sql::DataType::BIGINT:
            case sql::DataType::YEAR:
              row.emplace_back(static_cast<std::int64_t>(rs->getInt64(i + 1)));
              break;
            case sql::DataType::REAL:
            case sql::DataType::DOUBLE:
              row.emplace_back(static_cast<double>(rs->getDouble(i + 1)));
              break;
            default: {
              sql::SQLString text_value = rs->getString(i + 1);
              row.emplace_back(std::string(text_value.c_str(), text_value.length()));
            }
          }
        }
        rows.push_back(std::move(row));
      }
      return rows;
    } catch (...) {
      rethrow_as_sql_error();
    }
  }

  void reconnect() override {
    try {
      statement_.reset();
      if (borrowed_) {
        if (!borrowed_->reconnect()) throw SqlError(SqlErrorKind::connection_lost, 0, "mysqlcppconn: reconnect failed");
      } else {
        owned_.reset();
        owned_ = connect_();
      }
      configure();
    } catch (...) {
      rethrow_as_sql_error();
    }
  }

 private:
  sql::Connection& connection() {
    if (borrowed_) return *borrowed_;
    if (!owned_) throw SqlError(SqlErrorKind::connection_lost, 0, "mysqlcppconn: not connected");
    return *owned_;
  }

  sql::Statement& statement() {
    if (!statement_) statement_.reset(connection().createStatement());
    return *statement_;
  }

  void configure() {
    if (options_.lock_wait_timeout_seconds > 0)
      execute_sql("SET SESSION innodb_lock_wait_timeout = " + std::to_string(options_.lock_wait_timeout_seconds));
    SqlRows mode = query_sql("SELECT @@SESSION.sql_mode");
    backslash_escapes_ = mode.empty() || as_string(mode[0][0]).find("NO_BACKSLASH_ESCAPES") == std::string::npos;
  }

  sql::Connection* borrowed_ = nullptr;
  std::function<std::unique_ptr<sql::Connection>()> connect_;
  std::unique_ptr<sql::Connection> owned_;
  std::unique_ptr<sql::Statement> statement_;
  SessionOptions options_;
  bool backslash_escapes_ = true;
};

}  // namespace

std::unique_ptr<SqlSession> wrap_connector_connection(sql::Connection& connection, const SessionOptions& options) {
  return std::make_unique<ConnectorSession>(&connection, nullptr, options);
}

std::unique_ptr<SqlSession> wrap_connector_connection(std::function<std::unique_ptr<sql::Connection>()> connect,
                                                      const SessionOptions& options) {
  return std::make_unique<ConnectorSession>(nullptr, std::move(connect), options);
}

std::unique_ptr<sql::Connection> connect_connector(std::string_view url, const SessionOptions& options) {
  MysqlUrl u = parse_mysql_url(url);
  try {
    sql::ConnectOptionsMap properties;
    properties["hostName"] = u.socket.empty() ? sql::SQLString("tcp://" + u.host + ":" + std::to_string(u.port))
                                              : sql::SQLString("unix://" + u.socket);
    properties["userName"] = sql::SQLString(u.user);
    properties["password"] = sql::SQLString(u.password);
    properties["schema"] = sql::SQLString(u.database);
    properties["OPT_RECONNECT"] = false;
    properties["OPT_CONNECT_TIMEOUT"] = options.connect_timeout_seconds;
    properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    return std::unique_ptr<sql::Connection>(get_driver_instance()->connect(properties));
  } catch (...) {
    rethrow_as_sql_error();
  }
}

std::unique_ptr<SqlSession> open_connector_session(std::string_view url, const SessionOptions& options) {
  std::string saved(url);
  return wrap_connector_connection([saved, options] { return connect_connector(saved, options); }, options);
}

}  // namespace eos
