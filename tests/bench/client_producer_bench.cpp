// Producer throughput: our core vs librdkafka, same in-process refbroker (or an external broker
// with --broker host:port), same settings (acks=1 by default, 100-byte values, no keys).
//
//   client_producer_bench [--messages N] [--size B] [--acks A] [--rounds R] [--broker host:port]
//                         [--compression codec] [--linger ms] [--idempotence true|false]
//                         [--security plaintext,sasl_ssl] [--mechanism SCRAM-SHA-256]
//
// Each round runs, on fresh topics: our core (ProducerCore directly), our librdkafka-compatible C
// API (the facade, as applications use it) and the real librdkafka, the last two as child
// processes (client_producer_bench_api_*). msgs/s counts from the first produce() to the end of
// flush() (all delivery reports served). --security takes a list of protocols (plaintext, ssl,
// sasl_plaintext, sasl_ssl): each is measured in turn (the in-process broker then has one listener
// of that protocol, see bench_security.h) and a summary compares them.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_security.h"
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
  std::vector<std::string> protocols{"plaintext"};
  std::string mechanism = "SCRAM-SHA-256";
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double run_ours(const Opts& o, const bench::Security& sec, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  long delivered = 0, failed = 0;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? failed : delivered)++; };
  std::string errstr;
  Properties props{{"bootstrap.servers", bootstrap},
                   {"acks", o.acks},
                   {"linger.ms", o.linger},
                   {"compression.type", o.compression},
                   {"enable.idempotence", o.idempotence}};
  for (auto& [k, v] : sec.client_props()) props[k] = v;
  auto p = ProducerCore::create(props, cb, errstr);
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
double run_api(const Opts& o, const bench::Security& sec, const std::string& exe, const std::string& bootstrap,
               const std::string& topic) {
  std::string cmd = exe + " --broker " + bootstrap + " --topic " + topic + " --messages " + std::to_string(o.messages) +
                    " --size " + std::to_string(o.size) + " --acks " + o.acks + " --linger " + o.linger +
                    " --compression " + o.compression + " --idempotence " + o.idempotence + sec.child_args();
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
    else if (a == "--security") o.protocols = bench::split_list(v);
    else if (a == "--mechanism") o.mechanism = v;
  }
  // Without --broker, every measurement gets a fresh in-process broker and data directory, so
  // earlier runs' log files (and their writeback) do not slow down later ones.
  struct FreshBroker {
    std::filesystem::path dir;
    std::unique_ptr<refbroker::Broker> broker;
    FreshBroker(bool external, const bench::Security& sec) {
      if (external) return;
      std::random_device rd;
      dir = std::filesystem::temp_directory_path() / ("client-bench-" + std::to_string(rd()));
      std::filesystem::create_directories(dir);
      refbroker::BrokerOptions bo;
      bo.data_dir = dir;
      bo.config = {{"log.flush.interval.messages", "9223372036854775807"}};
      for (auto& [k, v] : sec.broker_config()) bo.config[k] = v;
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
  bench::Security sec;
  auto with_broker = [&](auto&& fn) {
    FreshBroker fb(external, sec);
    return fn(external ? o.broker : fb.broker->bootstrap());
  };
  std::printf("producer bench: %ld x %zu-byte messages, acks=%s, linger.ms=%s, compression=%s, idempotence=%s, broker %s\n",
              o.messages, o.size, o.acks.c_str(), o.linger.c_str(), o.compression.c_str(), o.idempotence.c_str(),
              external ? o.broker.c_str() : "in-process refbroker (fresh per run)");
  std::string self = argv[0];
  std::string dir_of_self = self.substr(0, self.rfind('/') + 1);
  struct Best {
    std::string protocol;
    double ours = 0, facade = 0, rd = 0;
  };
  std::vector<Best> summary;
  for (const std::string& protocol : o.protocols) {
    if (!sec.use(protocol, o.mechanism)) return 1;
    std::printf("security.protocol=%s%s\n", protocol.c_str(), sec.sasl() ? (" (" + o.mechanism + ")").c_str() : "");
    Best best{protocol};
    for (int r = 0; r < o.rounds; ++r) {
      std::string rs = std::to_string(r);
      double a = with_broker([&](const std::string& bs) { return run_ours(o, sec, bs, "bench-ours-" + rs); });
      double f = with_broker([&](const std::string& bs) {
        return run_api(o, sec, dir_of_self + "client_producer_bench_api_facade", bs, "bench-facade-" + rs);
      });
      double b = with_broker([&](const std::string& bs) {
        return run_api(o, sec, dir_of_self + "client_producer_bench_api_rdkafka", bs, "bench-rdkafka-" + rs);
      });
      std::printf("round %d: kafkaplus core %.0f msgs/s, kafkaplus rd_kafka API %.0f msgs/s, librdkafka %.0f msgs/s; "
                  "core/librdkafka %.2fx, API/librdkafka %.2fx\n",
                  r, a, f, b, b > 0 ? a / b : 0, b > 0 ? f / b : 0);
      std::fflush(stdout);
      best.ours = std::max(best.ours, a);
      best.facade = std::max(best.facade, f);
      best.rd = std::max(best.rd, b);
    }
    std::printf("best: kafkaplus core %.0f, kafkaplus rd_kafka API %.0f, librdkafka %.0f msgs/s; core %.2fx, API %.2fx\n",
                best.ours, best.facade, best.rd, best.rd > 0 ? best.ours / best.rd : 0,
                best.rd > 0 ? best.facade / best.rd : 0);
    summary.push_back(best);
  }
  if (summary.size() > 1) {
    auto mb = [&](double msgs) { return msgs * static_cast<double>(o.size) / 1e6; };
    std::printf("\nsummary (best of %d, value MB/s = msgs/s x %zu bytes):\n", o.rounds, o.size);
    std::printf("  %-15s %22s %22s %22s %8s %8s\n", "protocol", "kafkaplus core", "kafkaplus rd_kafka API",
                "librdkafka", "core/rd", "API/rd");
    for (auto& b : summary)
      std::printf("  %-15s %10.0f/s %6.1f MB/s %10.0f/s %6.1f MB/s %10.0f/s %6.1f MB/s %7.2fx %7.2fx\n",
                  b.protocol.c_str(), b.ours, mb(b.ours), b.facade, mb(b.facade), b.rd, mb(b.rd),
                  b.rd > 0 ? b.ours / b.rd : 0, b.rd > 0 ? b.facade / b.rd : 0);
    const Best& base = summary.front();
    for (size_t i = 1; i < summary.size(); ++i)
      std::printf("  %s vs %s: core %.2fx, API %.2fx, librdkafka %.2fx\n", summary[i].protocol.c_str(),
                  base.protocol.c_str(), base.ours > 0 ? summary[i].ours / base.ours : 0,
                  base.facade > 0 ? summary[i].facade / base.facade : 0, base.rd > 0 ? summary[i].rd / base.rd : 0);
  }
  return 0;
}
