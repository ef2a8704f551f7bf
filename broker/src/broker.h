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
#include <vector>

#include "faults.h"

namespace refbroker {

struct BrokerOptions {
  // The single PLAINTEXT listener used when config has no `listeners` key.
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

  // The first listener's bound port and host.
  uint16_t port() const;
  std::string host() const;
  std::string bootstrap() const { return host() + ":" + std::to_string(port()); }

  // Every listener with its bound port (valid after start()), in `listeners` order.
  struct Listener {
    std::string name;               // e.g. "SASL_SSL", upper case
    std::string security_protocol;  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    std::string host;
    uint16_t port = 0;
  };
  std::vector<Listener> listeners() const;
  // The bound port of the listener with this name (case-insensitive); throws std::out_of_range.
  uint16_t port(const std::string& listener) const;
  std::string bootstrap(const std::string& listener) const;
  FaultInjector& faults();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace refbroker
