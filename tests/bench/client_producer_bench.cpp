// Producer throughput: our core vs librdkafka, same in-process refbroker (or an external broker
// with --broker host:port), same settings (acks=1 by default, 100-byte values, no keys).
//
//   client_producer_bench [--messages N] [--size B] [--acks A] [--rounds R] [--broker host:port]
//                         [--compression codec] [--linger ms] [--idempotence true|false]
//
// Each round runs, on fresh topics: our core (ProducerCore directly), our librdkafka-compatible C
// API (the facade, as applications use it) and the real librdkafka, the last two as child
// processes (client_producer_bench_api_*). msgs/s counts from the first produce() to the end of
// flush() (all delivery reports served).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "broker.h"
#include "producer.h"

namespace {

struct Opts {
  long messages = 2'000'000;
  size_t size = 100;
  std::string acks = "1";
  int rounds = 2;
  std::string broker;
  std::string compression = "none";
  std::string linger = "5";
  std::string idempotence = "false";
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double run_ours(const Opts& o, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  long delivered = 0, failed = 0;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? failed : delivered)++; };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap},
                                 {"acks", o.acks},
                                 {"linger.ms", o.linger},
                                 {"compression.type", o.compression},
                                 {"enable.idempotence", o.idempotence}},
                                cb, errstr);
  if (!p) {
    std::fprintf(stderr, "ours: %s\n", errstr.c_str());
    return 0;
  }
  // Warm up: metadata and connection.
  ClusterMetadata md;
  p->metadata(false, &topic, md, 10000);
  std::string value(o.size, 'x');
  Message m;
  m.topic = topic;
  m.value = kafka::as_bytes(value);
  double t0 = now_s();
  for (long i = 0; i < o.messages; ++i) {
    while (p->produce(m) == err(LocalErr::QUEUE_FULL)) p->poll(1);
    if ((i & 1023) == 0) p->poll(0);
  }
  p->flush(-1);
  double t1 = now_s();
  if (failed || delivered != o.messages)
    std::fprintf(stderr, "ours: delivered %ld failed %ld of %ld\n", delivered, failed, o.messages);
  return static_cast<double>(o.messages) / (t1 - t0);
}

// Runs client_producer_bench_api (librdkafka's C API: the real librdkafka, or our facade) as a
// child process against the same broker; it prints msgs/s on its last line. A separate process
// because our static library defines the same rd_kafka_* symbols as librdkafka.
double run_api(const Opts& o, const std::string& exe, const std::string& bootstrap, const std::string& topic) {
  std::string cmd = exe + " --broker " + bootstrap + " --topic " + topic + " --messages " + std::to_string(o.messages) +
                    " --size " + std::to_string(o.size) + " --acks " + o.acks + " --linger " + o.linger +
                    " --compression " + o.compression + " --idempotence " + o.idempotence;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return 0;
  char line[256];
  double v = 0;
  while (std::fgets(line, sizeof line, f)) v = std::atof(line);
  ::pclose(f);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--messages") o.messages = std::stol(v);
    else if (a == "--size") o.size = std::stoul(v);
    else if (a == "--acks") o.acks = v;
    else if (a == "--rounds") o.rounds = std::stoi(v);
    else if (a == "--broker") o.broker = v;
    else if (a == "--compression") o.compression = v;
    else if (a == "--linger") o.linger = v;
    else if (a == "--idempotence") o.idempotence = v;
  }
  // Without --broker, every measurement gets a fresh in-process broker and data directory, so
  // earlier runs' log files (and their writeback) do not slow down later ones.
  struct FreshBroker {
    std::filesystem::path dir;
    std::unique_ptr<refbroker::Broker> broker;
    explicit FreshBroker(bool external) {
      if (external) return;
      std::random_device rd;
      dir = std::filesystem::temp_directory_path() / ("client-bench-" + std::to_string(rd()));
      std::filesystem::create_directories(dir);
      refbroker::BrokerOptions bo;
      bo.data_dir = dir;
      bo.config = {{"log.flush.interval.messages", "9223372036854775807"}};
      broker = std::make_unique<refbroker::Broker>(bo);
      broker->start();
    }
    ~FreshBroker() {
      if (!broker) return;
      broker->stop();
      broker.reset();
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  const bool external = !o.broker.empty();
  auto with_broker = [&](auto&& fn) {
    FreshBroker fb(external);
    return fn(external ? o.broker : fb.broker->bootstrap());
  };
  std::printf("producer bench: %ld x %zu-byte messages, acks=%s, linger.ms=%s, compression=%s, idempotence=%s, broker %s\n",
              o.messages, o.size, o.acks.c_str(), o.linger.c_str(), o.compression.c_str(), o.idempotence.c_str(),
              external ? o.broker.c_str() : "in-process refbroker (fresh per run)");
  std::string self = argv[0];
  std::string dir_of_self = self.substr(0, self.rfind('/') + 1);
  double best_ours = 0, best_facade = 0, best_rd = 0;
  for (int r = 0; r < o.rounds; ++r) {
    std::string rs = std::to_string(r);
    double a = with_broker([&](const std::string& bs) { return run_ours(o, bs, "bench-ours-" + rs); });
    double f = with_broker([&](const std::string& bs) {
      return run_api(o, dir_of_self + "client_producer_bench_api_facade", bs, "bench-facade-" + rs);
    });
    double b = with_broker([&](const std::string& bs) {
      return run_api(o, dir_of_self + "client_producer_bench_api_rdkafka", bs, "bench-rdkafka-" + rs);
    });
    std::printf("round %d: kafkaplus core %.0f msgs/s, kafkaplus rd_kafka API %.0f msgs/s, librdkafka %.0f msgs/s; "
                "core/librdkafka %.2fx, API/librdkafka %.2fx\n",
                r, a, f, b, b > 0 ? a / b : 0, b > 0 ? f / b : 0);
    std::fflush(stdout);
    best_ours = std::max(best_ours, a);
    best_facade = std::max(best_facade, f);
    best_rd = std::max(best_rd, b);
  }
  std::printf("best: kafkaplus core %.0f, kafkaplus rd_kafka API %.0f, librdkafka %.0f msgs/s; core %.2fx, API %.2fx\n",
              best_ours, best_facade, best_rd, best_rd > 0 ? best_ours / best_rd : 0,
              best_rd > 0 ? best_facade / best_rd : 0);
  return 0;
}
