// Transactional producer throughput, ours vs Debian's librdkafka, against an in-process refbroker
// (a fresh one per measurement): client_txn_bench_api runs as a child process linked to our
// facade and to the real librdkafka (the same rd_kafka_* symbols, so never in one process), for
// transactions of 1,000 and of 10,000 messages (or --per-txn K).
//
//   client_txn_bench [--messages N] [--size B] [--rounds R] [--per-txn K]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "broker.h"

namespace {

double run_api(const std::string& exe, const std::string& bootstrap, const std::string& topic, long messages,
               size_t size, long per_txn) {
  std::string cmd = exe + " --broker " + bootstrap + " --topic " + topic + " --messages " + std::to_string(messages) +
                    " --size " + std::to_string(size) + " --per-txn " + std::to_string(per_txn);
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return 0;
  char line[256];
  double v = 0;
  while (std::fgets(line, sizeof line, f)) v = std::atof(line);
  ::pclose(f);
  return v;
}

struct FreshBroker {
  std::filesystem::path dir;
  std::unique_ptr<refbroker::Broker> broker;
  FreshBroker() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("client-txn-bench-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    refbroker::BrokerOptions bo;
    bo.data_dir = dir;
    bo.config = {{"log.flush.interval.messages", "9223372036854775807"}, {"refbroker.log.fsync", "false"}};
    broker = std::make_unique<refbroker::Broker>(bo);
    broker->start();
  }
  ~FreshBroker() {
    broker->stop();
    broker.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  long messages = 500000;
  size_t size = 100;
  int rounds = 2;
  std::vector<long> per_txn{1000, 10000};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--messages") messages = std::stol(v);
    else if (a == "--size") size = std::stoul(v);
    else if (a == "--rounds") rounds = std::stoi(v);
    else if (a == "--per-txn") per_txn = {std::stol(v)};
  }
  std::string self = argv[0];
  std::string dir = self.substr(0, self.rfind('/') + 1);
  std::printf("transactional producer bench: %ld x %zu-byte messages, linger.ms=5, in-process refbroker (fresh per run)\n",
              messages, size);
  for (long k : per_txn) {
    double best_ours = 0, best_rd = 0;
    for (int r = 0; r < rounds; ++r) {
      std::string rs = std::to_string(k) + "-" + std::to_string(r);
      double ours, rd;
      {
        FreshBroker fb;
        ours = run_api(dir + "client_txn_bench_api_facade", fb.broker->bootstrap(), "txn-ours-" + rs, messages, size, k);
      }
      {
        FreshBroker fb;
        rd = run_api(dir + "client_txn_bench_api_rdkafka", fb.broker->bootstrap(), "txn-rdkafka-" + rs, messages, size, k);
      }
      std::printf("commit every %ld: round %d: kafkaplus %.0f msgs/s, librdkafka %.0f msgs/s, ratio %.2fx\n", k, r, ours,
                  rd, rd > 0 ? ours / rd : 0);
      std::fflush(stdout);
      best_ours = std::max(best_ours, ours);
      best_rd = std::max(best_rd, rd);
    }
    std::printf("commit every %ld: best kafkaplus %.0f, librdkafka %.0f msgs/s; kafkaplus/librdkafka %.2fx\n", k,
                best_ours, best_rd, best_rd > 0 ? best_ours / best_rd : 0);
  }
  return 0;
}
