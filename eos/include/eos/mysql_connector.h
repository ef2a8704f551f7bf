// SqlSession adapter for MySQL Connector/C++ (legacy 1.1 API, <cppconn/...>, sql::Connection), for
// applications that already hold such connections. Link eos::mysqlcppconn.
#pragma once

#include "eos/sql.h"

#include <functional>
#include <memory>
#include <string_view>

namespace sql {
class Connection;
}

namespace eos {

// Wraps a connection the application owns (it must outlive the session). reconnect() calls
// sql::Connection::reconnect(). The connection is used with explicit START TRANSACTION/COMMIT.
std::unique_ptr<SqlSession> wrap_connector_connection(sql::Connection& connection, const SessionOptions& options = {});

// Owns connections made by `connect`, which is called again for every reconnect.
std::unique_ptr<SqlSession> wrap_connector_connection(std::function<std::unique_ptr<sql::Connection>()> connect,
                                                      const SessionOptions& options = {});

// Connects through Connector/C++ from a mysql:// URL (see open_session).
std::unique_ptr<SqlSession> open_connector_session(std::string_view url, const SessionOptions& options = {});

// A new Connector/C++ connection from a mysql:// URL (no automatic reconnect: a silently
// reconnected session would lose its open transaction).
std::unique_ptr<sql::Connection> connect_connector(std::string_view url, const SessionOptions& options = {});

}  // namespace eos
