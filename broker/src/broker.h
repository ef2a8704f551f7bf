// The embeddable reference broker. Tests start one in-process on an ephemeral port:
//
//   refbroker::Broker broker({.data_dir = dir});
//   broker.start();                      // binds, loads the logs, serves on its own threads
//   connect to broker.bootstrap() ...
//   broker.faults().add({...});          // fail, delay or drop requests
//   broker.stop();
//
// No Asio types leak from this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "faults.h"

namespace refbroker {

struct BrokerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port
  std::filesystem::path data_dir;
  std::map<std::string, std::string> config;  // server.properties keys
};

class Broker {
 public:
  explicit Broker(BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Loads the data dir, binds and starts serving. Throws on a bad config or a bind failure.
  void start();
  // Closes the listener and all connections, flushes and closes the logs. Idempotent.
  void stop();
  // Blocks until stop() is called (from a signal handler thread, say).
  void wait();

  uint16_t port() const;
  std::string host() const;
  std::string bootstrap() const { return host() + ":" + std::to_string(port()); }
  FaultInjector& faults();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace refbroker
