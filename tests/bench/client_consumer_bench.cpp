// Consumer throughput: our ConsumerCore, our rd_kafka C API facade and Debian's librdkafka read
// the same preloaded topic of an in-process refbroker.
//
//   client_consumer_bench [--messages N] [--size B] [--partitions P] [--rounds R]
//                         [--compression codec] [--clients core,facade,librdkafka] [--subscribe]
//                         [--security plaintext,sasl_ssl] [--mechanism SCRAM-SHA-256]
//
// The parent starts refbroker (fresh data dir) and preloads one topic with N values of B bytes
// spread over P partitions, using our producer core. Then, R rounds (client order rotating each
// round, so page-cache warmth favours none), each client consumes the whole topic in its own
// child process, so each reports its own peak RSS (VmHWM) without the broker's memory:
//   core        this binary re-run with --consume-core: ConsumerCore directly;
//   facade      client_consumer_bench_api_facade: rd_kafka C API program on our facade;
//   librdkafka  client_consumer_bench_api_rdkafka: the same program on Debian's librdkafka.
// Every client assign()s partitions 0..P-1 from the beginning (no group protocol, no commits)
// with default settings; the clock runs from assign() to the N-th message. With --subscribe
// each run instead joins a fresh group with subscribe() (auto.offset.reset=earliest, no
// commits), so the time includes joining the group. MB/s counts value bytes (10^6 bytes per MB).
// --security takes a list of protocols: for each, a broker with one listener of that protocol
// (bench_security.h) is preloaded and read by every client; a summary compares the protocols.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_security.h"
#include "broker.h"
#include "consumer.h"
#include "errors_local.h"
#include "producer.h"

namespace {

struct Opts {
  long messages = 3'000'000;
  size_t size = 100;
  int partitions = 4;
  int rounds = 2;
  std::string compression = "none";
  std::vector<std::string> clients{"core", "facade", "librdkafka"};
  bool subscribe = false;
  std::string group = "bench";
  std::vector<std::string> protocols{"plaintext"};
  std::string mechanism = "SCRAM-SHA-256";
  // Child mode (--consume-core).
  std::string broker, topic;
  std::map<std::string, std::string> extra;  // --set key=value
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long peak_rss_kb() {
  long hwm_kb = 0;
  if (FILE* st = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, st))
      if (std::sscanf(line, "VmHWM: %ld kB", &hwm_kb) == 1) break;
    std::fclose(st);
  }
  return hwm_kb;
}

bool preload(const Opts& o, const bench::Security& sec, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  std::string errstr;
  long failed = 0;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { failed += r.error() ? 1 : 0; };
  Properties props{{"bootstrap.servers", bootstrap}, {"linger.ms", "20"}, {"compression.type", o.compression}};
  for (auto& [k, v] : sec.client_props()) props[k] = v;
  auto p = ProducerCore::create(props, cb, errstr);
  if (!p) {
    std::fprintf(stderr, "producer: %s\n", errstr.c_str());
    return false;
  }
  std::string value(o.size, 'x');
  Message m;
  m.topic = topic;
  m.value = kafka::as_bytes(value);
  for (long i = 0; i < o.messages; ++i) {
    m.partition = static_cast<int32_t>(i % o.partitions);
    while (p->produce(m) == err(LocalErr::QUEUE_FULL)) p->poll(1);
    if ((i & 1023) == 0) p->poll(0);
  }
  return p->flush(-1) == 0 && failed == 0;
}

// Child mode: our core consumes the topic; prints the same result line as the API program.
int consume_with_core(const Opts& o) {
  using namespace kafka::client;
  std::string errstr;
  Properties props{{"bootstrap.servers", o.broker}, {"group.id", o.group},
                   {"enable.auto.commit", "false"}, {"auto.offset.reset", "earliest"}};
  for (auto& [k, v] : o.extra) props[k] = v;
  auto c = ConsumerCore::create(props, {}, errstr);
  if (!c) {
    std::fprintf(stderr, "core: %s\n", errstr.c_str());
    std::printf("0 0 0 0\n");
    return 1;
  }
  TopicPartitionList parts;
  for (int p = 0; p < o.partitions; ++p) {
    TopicPartitionOffset t;
    t.topic = o.topic;
    t.partition = p;
    t.offset = kOffsetBeginning;
    parts.push_back(t);
  }
  double t0 = now_s();
  if (o.subscribe) c->subscribe({o.topic});
  else c->assign(parts);
  long got = 0, bytes = 0, errors = 0;
  while (got < o.messages) {
    auto m = c->consume(1000);
    if (!m) continue;
    if (m->error()) {
      if (m->error() != err(LocalErr::PARTITION_EOF) && errors++ < 5)
        std::fprintf(stderr, "core: consume error %s\n", err_name(m->error()).c_str());
      continue;
    }
    ++got;
    bytes += m->value() ? static_cast<long>(m->value()->size()) : 0;
  }
  double secs = now_s() - t0;
  long rss = peak_rss_kb();
  c->close();
  std::printf("%ld %ld %.6f %ld\n", got, bytes, secs, rss);
  return 0;
}

struct Result {
  long messages = 0, bytes = 0, rss_kb = 0;
  double seconds = 0;
  bool ok() const { return seconds > 0 && messages > 0; }
  double msgs_per_s() const { return ok() ? messages / seconds : 0; }
  double mb_per_s() const { return ok() ? bytes / seconds / 1e6 : 0; }
};

// Runs a client child and parses its last line.
Result run_child(const std::string& cmd) {
  Result r;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return r;
  char line[256];
  std::string last;
  while (std::fgets(line, sizeof line, f)) last = line;
  int status = ::pclose(f);
  std::istringstream in(last);
  in >> r.messages >> r.bytes >> r.seconds >> r.rss_kb;
  if (status != 0) std::fprintf(stderr, "%s: exit status %d\n", cmd.c_str(), status);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  bool child_core = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--consume-core") {
      child_core = true;
      continue;
    }
    if (a == "--subscribe") {
      o.subscribe = true;
      continue;
    }
    if (i + 1 >= argc) break;
    std::string v = argv[++i];
    if (a == "--messages") o.messages = std::stol(v);
    else if (a == "--size") o.size = std::stoul(v);
    else if (a == "--partitions") o.partitions = std::stoi(v);
    else if (a == "--rounds") o.rounds = std::stoi(v);
    else if (a == "--compression") o.compression = v;
    else if (a == "--broker") o.broker = v;
    else if (a == "--topic") o.topic = v;
    else if (a == "--group") o.group = v;
    else if (a == "--security") o.protocols = bench::split_list(v);
    else if (a == "--mechanism") o.mechanism = v;
    else if (a == "--set" && v.find('=') != std::string::npos) o.extra[v.substr(0, v.find('='))] = v.substr(v.find('=') + 1);
    else if (a == "--clients") {
      o.clients.clear();
      std::stringstream ss(v);
      std::string c;
      while (std::getline(ss, c, ',')) o.clients.push_back(c);
    }
  }
  if (child_core) return consume_with_core(o);

  std::string self = argv[0];
  std::string bin_dir = self.substr(0, self.rfind('/') + 1);
  bench::Security sec;
  std::vector<std::pair<std::string, std::map<std::string, Result>>> summary;
  for (const std::string& protocol : o.protocols) {
    if (!sec.use(protocol, o.mechanism)) return 1;
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("client-cbench-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    refbroker::BrokerOptions bo;
    bo.data_dir = dir;
    bo.config = {{"log.flush.interval.messages", "9223372036854775807"},
                 {"num.partitions", std::to_string(o.partitions)}};
    for (auto& [k, v] : sec.broker_config()) bo.config[k] = v;
    auto broker = std::make_unique<refbroker::Broker>(bo);
    broker->start();
    const std::string bs = broker->bootstrap();
    const std::string topic = "cbench";
    std::printf("consumer bench: %ld x %zu-byte messages over %d partition(s), compression=%s, %s, in-process refbroker, "
                "security.protocol=%s%s\n",
                o.messages, o.size, o.partitions, o.compression.c_str(), o.subscribe ? "subscribe()" : "assign()",
                protocol.c_str(), sec.sasl() ? (" (" + o.mechanism + ")").c_str() : "");
    double t0 = now_s();
    if (!preload(o, sec, bs, topic)) {
      std::fprintf(stderr, "preloading the topic failed\n");
      return 1;
    }
    std::printf("preloaded in %.1f s\n", now_s() - t0);
    std::fflush(stdout);

    const std::string common = " --broker " + bs + " --topic " + topic + " --messages " + std::to_string(o.messages) +
                               " --partitions " + std::to_string(o.partitions) + sec.child_args();
    std::map<std::string, std::string> commands{
        {"core", self + " --consume-core" + common},
        {"facade", bin_dir + "client_consumer_bench_api_facade" + common},
        {"librdkafka", bin_dir + "client_consumer_bench_api_rdkafka" + common},
    };
    std::map<std::string, Result> best;
    for (int r = 0; r < o.rounds; ++r) {
      std::vector<std::string> order = o.clients;
      if (!order.empty()) std::rotate(order.begin(), order.begin() + (r % order.size()), order.end());
      for (const auto& client : order) {
        auto it = commands.find(client);
        if (it == commands.end()) {
          std::fprintf(stderr, "unknown client %s\n", client.c_str());
          return 2;
        }
        // A fresh group per run, so no run starts from another's committed offsets.
        std::string mode = o.subscribe ? " --subscribe --group bench-" + client + "-" + std::to_string(r) : "";
        Result res = run_child(it->second + mode);
        if (res.messages != o.messages)
          std::fprintf(stderr, "%s: consumed %ld of %ld messages\n", client.c_str(), res.messages, o.messages);
        std::printf("round %d %-10s %10.0f msgs/s %8.1f MB/s  peak RSS %7.1f MB\n", r, client.c_str(),
                    res.msgs_per_s(), res.mb_per_s(), res.rss_kb / 1024.0);
        std::fflush(stdout);
        if (res.msgs_per_s() > best[client].msgs_per_s()) best[client] = res;
      }
    }
    const double reference = best.count("librdkafka") ? best["librdkafka"].msgs_per_s() : 0;
    std::printf("best of %d round(s):\n", o.rounds);
    for (const auto& client : o.clients) {
      const Result& res = best[client];
      std::printf("  %-10s %10.0f msgs/s %8.1f MB/s  peak RSS %7.1f MB", client.c_str(), res.msgs_per_s(),
                  res.mb_per_s(), res.rss_kb / 1024.0);
      if (reference > 0 && client != "librdkafka") std::printf("  %.2fx librdkafka", res.msgs_per_s() / reference);
      std::printf("\n");
    }
    summary.emplace_back(protocol, best);
    broker->stop();
    broker.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  if (summary.size() > 1) {
    std::printf("\nsummary (best of %d round(s)):\n", o.rounds);
    for (auto& [protocol, best] : summary) {
      const double reference = best.count("librdkafka") ? best["librdkafka"].msgs_per_s() : 0;
      for (const auto& client : o.clients) {
        const Result& res = best[client];
        std::printf("  %-15s %-10s %10.0f msgs/s %8.1f MB/s", protocol.c_str(), client.c_str(), res.msgs_per_s(),
                    res.mb_per_s());
        if (reference > 0 && client != "librdkafka") std::printf("  %.2fx librdkafka", res.msgs_per_s() / reference);
        double base = summary.front().second[client].msgs_per_s();
        if (protocol != summary.front().first && base > 0)
          std::printf("  %.2fx of %s", res.msgs_per_s() / base, summary.front().first.c_str());
        std::printf("\n");
      }
    }
  }
  return 0;
}
