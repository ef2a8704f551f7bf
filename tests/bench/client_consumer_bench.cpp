// Consumer throughput: our core vs librdkafka, same in-process refbroker and the same data
// (N x 100-byte values produced once per round by our producer core), assign() from the
// beginning, no commits.
//
//   client_consumer_bench [--messages N] [--size B] [--partitions P] [--rounds R]
//                         [--compression codec]
//
// msgs/s counts from assign() to the N-th message returned by consume(). librdkafka runs as a
// child process (client_consumer_bench_api_rdkafka): our library defines the same symbols.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "broker.h"
#include "consumer.h"
#include "producer.h"

namespace {

struct Opts {
  long messages = 2'000'000;
  size_t size = 100;
  int partitions = 1;
  int rounds = 2;
  std::string compression = "none";
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool fill(const Opts& o, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap}, {"linger.ms", "20"},
                                 {"compression.type", o.compression}},
                                {}, errstr);
  if (!p) return false;
  std::string value(o.size, 'x');
  Message m;
  m.topic = topic;
  m.value = kafka::as_bytes(value);
  for (long i = 0; i < o.messages; ++i) {
    m.partition = static_cast<int32_t>(i % o.partitions);
    while (p->produce(m) == err(LocalErr::QUEUE_FULL)) p->poll(1);
  }
  return p->flush(-1) == 0;
}

double run_ours(const Opts& o, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  std::string errstr;
  auto c = ConsumerCore::create({{"bootstrap.servers", bootstrap}, {"group.id", "bench-ours"},
                                 {"enable.auto.commit", "false"}},
                                {}, errstr);
  if (!c) {
    std::fprintf(stderr, "ours: %s\n", errstr.c_str());
    return 0;
  }
  TopicPartitionList parts;
  for (int p = 0; p < o.partitions; ++p) {
    TopicPartitionOffset t;
    t.topic = topic;
    t.partition = p;
    t.offset = kOffsetBeginning;
    parts.push_back(t);
  }
  double t0 = now_s();
  c->assign(parts);
  long got = 0, bytes = 0;
  while (got < o.messages) {
    auto m = c->consume(1000);
    if (!m || m->error()) continue;
    ++got;
    bytes += m->value() ? static_cast<long>(m->value()->size()) : 0;
  }
  double t1 = now_s();
  std::fprintf(stderr, "ours: %ld messages, %ld value bytes\n", got, bytes);
  c->close();
  return static_cast<double>(o.messages) / (t1 - t0);
}

double run_api(const Opts& o, const std::string& exe, const std::string& bootstrap, const std::string& topic) {
  std::string cmd = exe + " --broker " + bootstrap + " --topic " + topic + " --messages " +
                    std::to_string(o.messages) + " --partitions " + std::to_string(o.partitions);
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
    else if (a == "--partitions") o.partitions = std::stoi(v);
    else if (a == "--rounds") o.rounds = std::stoi(v);
    else if (a == "--compression") o.compression = v;
  }
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("client-cbench-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  refbroker::BrokerOptions bo;
  bo.data_dir = dir;
  bo.config = {{"log.flush.interval.messages", "9223372036854775807"},
               {"num.partitions", std::to_string(o.partitions)}};
  auto broker = std::make_unique<refbroker::Broker>(bo);
  broker->start();
  const std::string bs = broker->bootstrap();
  std::printf("consumer bench: %ld x %zu-byte messages over %d partition(s), compression=%s, in-process refbroker\n",
              o.messages, o.size, o.partitions, o.compression.c_str());
  std::string self = argv[0];
  std::string exe = self.substr(0, self.rfind('/') + 1) + "client_consumer_bench_api_rdkafka";
  double best_ours = 0, best_rd = 0;
  for (int r = 0; r < o.rounds; ++r) {
    std::string topic = "cbench-" + std::to_string(r);
    if (!fill(o, bs, topic)) {
      std::fprintf(stderr, "producing the data failed\n");
      return 1;
    }
    // Alternate the order so page-cache warmth does not favour one side.
    double a, b;
    if (r % 2 == 0) {
      a = run_ours(o, bs, topic);
      b = run_api(o, exe, bs, topic);
    } else {
      b = run_api(o, exe, bs, topic);
      a = run_ours(o, bs, topic);
    }
    std::printf("round %d: kafkaplus core %.0f msgs/s, librdkafka %.0f msgs/s; core/librdkafka %.2fx\n", r, a, b,
                b > 0 ? a / b : 0);
    std::fflush(stdout);
    best_ours = std::max(best_ours, a);
    best_rd = std::max(best_rd, b);
  }
  std::printf("best: kafkaplus core %.0f, librdkafka %.0f msgs/s; core %.2fx\n", best_ours, best_rd,
              best_rd > 0 ? best_ours / best_rd : 0);
  broker->stop();
  broker.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
