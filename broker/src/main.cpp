// refbroker --listen HOST:PORT (or listeners=NAME://HOST:PORT,... in the config) --data-dir DIR [--config FILE] [--ready-file F] [key=value ...]
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <pthread.h>

#include "broker.h"
#include "config.h"

namespace {

int usage(const char* why) {
  std::cerr << "refbroker: " << why << "\n"
            << "usage: refbroker --listen HOST:PORT --data-dir DIR [--config FILE] [--ready-file FILE] "
               "[key=value ...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  refbroker::BrokerOptions options;
  std::string listen = "127.0.0.1:9092", ready_file, config_file;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--listen") listen = value("--listen");
      else if (a == "--data-dir") options.data_dir = value("--data-dir");
      else if (a == "--config") config_file = value("--config");
      else if (a == "--ready-file") ready_file = value("--ready-file");
      else if (a == "-h" || a == "--help") return usage("help"), 0;
      else if (a.find('=') != std::string::npos && a[0] != '-') overrides.push_back(a);
      else return usage(("unknown argument '" + a + "'").c_str());
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (options.data_dir.empty()) return usage("--data-dir is required");
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage("--listen must be HOST:PORT");
  options.host = listen.substr(0, colon);
  if (options.host.size() > 1 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return usage("--listen port must be a number in 0..65535");
  }

  try {
    refbroker::BrokerConfig config;
    if (!config_file.empty()) config.load_file(config_file);
    for (auto& o : overrides) config.set_override(o);
    options.config = config.values();
  } catch (const std::exception& e) {
    std::cerr << "refbroker: " << e.what() << "\n";
    return 2;
  }

  // Signals are taken by a dedicated thread with sigwait, so no handler runs inside Asio.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  refbroker::Broker broker(options);
  try {
    broker.start();
  } catch (const std::exception& e) {
    std::cerr << "refbroker: cannot start: " << e.what() << "\n";
    return 1;
  }
  // The first line stays "listening on HOST:PORT" (the first listener) for existing tools; with a
  // `listeners` key, one "listener NAME PROTOCOL HOST:PORT" line per listener follows, in one write.
  std::string line = "listening on " + broker.bootstrap();
  if (options.config.count("listeners"))
    for (auto& l : broker.listeners())
    line += "\nlistener " + l.name + " " + l.security_protocol + " " + l.host + ":" + std::to_string(l.port);
  // The ready file first, so whoever saw the stdout line also finds the file.
  if (!ready_file.empty()) {
    std::string tmp = ready_file + ".tmp";
    std::ofstream(tmp) << line << "\n";
    std::rename(tmp.c_str(), ready_file.c_str());  // readers never see a half-written file
  }
  std::cout << line << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  broker.stop();
  return 0;
}
