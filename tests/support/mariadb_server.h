// A private MariaDB server for C++ tests: drives tests/support/mariadb_server.py (one
// implementation for C++ fixtures and scripts). The server lives in a fresh temporary directory,
// listens on 127.0.0.1 with an ephemeral port, and can be stopped, killed and started again on the
// same data dir and port.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

#ifndef KAFKAPLUS_MARIADB_SERVER_SCRIPT
#error "define KAFKAPLUS_MARIADB_SERVER_SCRIPT as the path of tests/support/mariadb_server.py"
#endif

namespace testing_support {

class MariaDbServer {
 public:
  explicit MariaDbServer(std::string extra_mariadbd_args = "") : extra_args_(std::move(extra_mariadbd_args)) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("mariadb-test-" + std::to_string(rd()) + std::to_string(rd()));
    start();
  }
  ~MariaDbServer() {
    run("cleanup", "", false);
  }
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  void start() {
    std::string json = run("start", extra_args_.empty() ? "" : "-- " + extra_args_);
    port_ = std::stoi(field(json, "port"));
    socket_ = field(json, "socket");
  }
  void stop() { run("stop"); }
  void kill() { run("kill"); }  // SIGKILL: InnoDB crash recovery on the next start
  void restart() { run("restart"); }
  // Runs statements with the mariadb client (database `eos`); returns tab-separated rows.
  std::string sql(const std::string& statements) { return run("sql", quote(statements)); }
  // Kills every client connection (their owners see a lost connection).
  void kill_client_connections() { run("kill-connections"); }

  int port() const { return port_; }
  const std::string& socket() const { return socket_; }
  // URL of a database on this server (created by create_database).
  std::string url(const std::string& database = "eos") const {
    return "mysql://root@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  std::string create_database(const std::string& name) {
    sql("CREATE DATABASE IF NOT EXISTS `" + name + "`");
    return url(name);
  }

 private:
  static std::string quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    return out + "'";
  }

  std::string run(const std::string& command, const std::string& args = "", bool check = true) {
    std::string line = "python3 -B " + quote(KAFKAPLUS_MARIADB_SERVER_SCRIPT) + " " + command + " --dir " +
                       quote(dir_.string()) + " " + args + " 2>&1";
    FILE* pipe = popen(line.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed");
    std::string output;
    std::array<char, 4096> buffer;
    while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
    int status = pclose(pipe);
    if (check && status != 0) throw std::runtime_error("mariadb_server.py " + command + " failed: " + output);
    return output;
  }

  // The value of "key" in the launcher's one-line JSON (numbers and plain strings only).
  static std::string field(const std::string& json, const std::string& key) {
    auto at = json.find("\"" + key + "\": ");
    if (at == std::string::npos) throw std::runtime_error("launcher output lacks " + key + ": " + json);
    at += key.size() + 4;
    if (json[at] == '"') {
      auto end = json.find('"', at + 1);
      return json.substr(at + 1, end - at - 1);
    }
    auto end = json.find_first_of(",}", at);
    return json.substr(at, end - at);
  }

  std::filesystem::path dir_;
  std::string extra_args_;
  int port_ = 0;
  std::string socket_;
};

}  // namespace testing_support
