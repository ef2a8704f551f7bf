// refbroker_bench: end-to-end throughput of refbroker driven by librdkafka (the system library,
// through its C API). Starts a refbroker process on an ephemeral port in a temporary data dir,
// produces N fixed-size messages (acks=1, linger.ms=5, batch.size=1000000), consumes them all back
// with manual assignment, and prints msgs/s and MB/s for both directions plus the broker's peak RSS
// (VmHWM from /proc/PID/status).
//
//   refbroker_bench [--refbroker PATH] [--bootstrap HOST:PORT] [--messages N] [--size BYTES]
//                   [--partitions P] [--compression none|gzip|snappy|lz4|zstd]
//                   [-X client.property=value ...] [--broker-config key=value ...]
//
// -X sets a librdkafka property on the producer and the consumer (e.g. security.protocol=sasl_ssl);
// --broker-config passes a server.properties key to the refbroker it starts (e.g. listeners=...:
// the first listener is the one benchmarked).
//
// Environment defaults: REFBROKER, BENCH_MESSAGES (3000000), BENCH_MSG_SIZE (100),
// BENCH_PARTITIONS (4), BENCH_COMPRESSION (none). With --bootstrap an already running broker is
// used instead (any Kafka; the RSS figure is then not available).
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#ifndef REFBROKER_PATH
#define REFBROKER_PATH "refbroker"
#endif

namespace {

using Clock = std::chrono::steady_clock;

// The broker we started, so that a failure does not leave it running.
pid_t g_broker_pid = -1;
std::filesystem::path g_data_dir;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "refbroker_bench: %s\n", what.c_str());
  if (g_broker_pid > 0) {
    kill(g_broker_pid, SIGTERM);
    waitpid(g_broker_pid, nullptr, 0);
  }
  if (!g_data_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_data_dir, ec);
  }
  std::exit(1);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string env_or(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

long long parse_count(const std::string& s, const char* what) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (!end || *end || v <= 0) die(std::string("bad ") + what + ": '" + s + "'");
  return v;
}

struct Options {
  std::string refbroker = env_or("REFBROKER", REFBROKER_PATH);
  std::string bootstrap;  // empty: start our own refbroker
  long long messages = parse_count(env_or("BENCH_MESSAGES", "3000000"), "BENCH_MESSAGES");
  long long size = parse_count(env_or("BENCH_MSG_SIZE", "100"), "BENCH_MSG_SIZE");
  long long partitions = parse_count(env_or("BENCH_PARTITIONS", "4"), "BENCH_PARTITIONS");
  std::string compression = env_or("BENCH_COMPRESSION", "none");
  std::vector<std::pair<std::string, std::string>> client_props;  // -X
  std::vector<std::string> broker_config;                         // --broker-config
};

std::vector<std::pair<std::string, std::string>> g_client_props;

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--refbroker") o.refbroker = value();
    else if (a == "--bootstrap") o.bootstrap = value();
    else if (a == "--messages") o.messages = parse_count(value(), "--messages");
    else if (a == "--size") o.size = parse_count(value(), "--size");
    else if (a == "--partitions") o.partitions = parse_count(value(), "--partitions");
    else if (a == "--compression") o.compression = value();
    else if (a == "-X") {
      auto kv = value();
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) die("-X needs key=value, got '" + kv + "'");
      o.client_props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--broker-config") {
      auto kv = value();
      if (kv.find('=') == std::string::npos) die("--broker-config needs key=value, got '" + kv + "'");
      o.broker_config.push_back(kv);
    }
    else if (a == "-h" || a == "--help") {
      std::printf("usage: refbroker_bench [--refbroker PATH] [--bootstrap HOST:PORT] [--messages N] [--size BYTES]\n"
                  "                       [--partitions P] [--compression none|gzip|snappy|lz4|zstd]\n"
                  "                       [-X client.property=value ...] [--broker-config key=value ...]\n");
      std::exit(0);
    } else die("unknown argument '" + a + "'");
  }
  return o;
}

// ---- the broker process

struct BrokerProcess {
  pid_t pid = -1;
  int out_fd = -1;
  std::filesystem::path data_dir;
  std::string bootstrap;
  double startup_ms = 0;

  void start(const Options& o) {
    char tmpl[] = "/tmp/refbroker-bench-XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    data_dir = tmpl;
    g_data_dir = data_dir;
    int fds[2];
    if (pipe(fds) != 0) die("pipe failed");
    std::string partitions = "num.partitions=" + std::to_string(o.partitions);
    std::vector<std::string> args = {o.refbroker, "--listen", "127.0.0.1:0", "--data-dir", data_dir.string(), partitions};
    args.insert(args.end(), o.broker_config.begin(), o.broker_config.end());
    auto t0 = Clock::now();
    pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      std::fprintf(stderr, "refbroker_bench: cannot execute %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    close(fds[1]);
    out_fd = fds[0];
    g_broker_pid = pid;
    // Wait for the `listening on HOST:PORT` line (an event, with a generous deadline).
    std::string line;
    auto deadline = t0 + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (left <= 0) die("refbroker did not print 'listening on' within 20 s");
      pollfd p{out_fd, POLLIN, 0};
      if (poll(&p, 1, left) <= 0) continue;
      char buf[256];
      ssize_t n = read(out_fd, buf, sizeof buf);
      if (n <= 0) die("refbroker exited before it was ready");
      line.append(buf, static_cast<size_t>(n));
    }
    startup_ms = seconds_since(t0) * 1000;
    line = line.substr(0, line.find('\n'));
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0) die("unexpected first line from refbroker: " + line);
    bootstrap = line.substr(prefix.size());
  }

  // VmHWM / VmRSS in kB.
  long status_kb(const char* field) const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    long value;
    std::string unit;
    while (f >> key) {
      if (key == std::string(field) + ":") {
        f >> value >> unit;
        return value;
      }
      f.ignore(1 << 20, '\n');
    }
    return -1;
  }

  // User + system CPU seconds used so far (fields 14 and 15 of /proc/PID/stat).
  double cpu_seconds() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close_paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  uintmax_t disk_bytes() const {
    uintmax_t total = 0;
    std::error_code ec;
    for (auto& e : std::filesystem::recursive_directory_iterator(data_dir, ec))
      if (e.is_regular_file(ec) && e.path().extension() == ".log") total += e.file_size(ec);
    return total;
  }

  int stop() {
    if (pid <= 0) return 0;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = g_broker_pid = -1;
    close(out_fd);
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// ---- librdkafka helpers

rd_kafka_conf_t* make_conf(const std::string& bootstrap, std::initializer_list<std::pair<const char*, std::string>> kv) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(std::string(k) + ": " + err);
  };
  set("bootstrap.servers", bootstrap);
  set("log_level", "3");
  for (auto& [k, v] : kv) set(k, v);
  for (auto& [k, v] : g_client_props) set(k.c_str(), v);
  return conf;
}

struct ProduceStats {
  long long delivered = 0;
  long long failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  Clock::time_point last_delivery;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* s = static_cast<ProduceStats*>(opaque);
  if (m->err) {
    if (s->failed++ == 0) s->first_error = m->err;
  } else {
    ++s->delivered;
  }
  s->last_delivery = Clock::now();
}

void print_rate(const char* what, long long n, long long size, double secs, double broker_cpu) {
  double mb = static_cast<double>(n) * static_cast<double>(size) / 1e6;
  std::printf("%-8s %lld msgs in %.2f s = %.0f msgs/s, %.1f MB/s (payload)", what, n, secs, n / secs, mb / secs);
  if (broker_cpu >= 0) std::printf(", broker CPU %.2f s", broker_cpu);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  g_client_props = o.client_props;
  const std::string topic = "bench";
  BrokerProcess broker;
  std::string bootstrap = o.bootstrap;
  if (bootstrap.empty()) {
    broker.start(o);
    bootstrap = broker.bootstrap;
  }
  std::printf("refbroker_bench: %lld messages x %lld B, %lld partitions, acks=1, linger.ms=5, batch.size=1000000, "
              "compression=%s, librdkafka %s\n",
              o.messages, o.size, o.partitions, o.compression.c_str(), rd_kafka_version_str());
  if (broker.pid > 0) std::printf("broker:  %s (pid %d), startup %.1f ms\n", bootstrap.c_str(), broker.pid, broker.startup_ms);

  // ---- produce
  ProduceStats stats;
  rd_kafka_conf_t* pconf = make_conf(bootstrap, {{"acks", "1"},
                                                 {"linger.ms", "5"},
                                                 {"batch.size", "1000000"},
                                                 {"batch.num.messages", "1000000"},
                                                 {"queue.buffering.max.messages", "2000000"},
                                                 {"queue.buffering.max.kbytes", "2097151"},
                                                 {"message.max.bytes", "1000000"},
                                                 {"enable.idempotence", "false"},
                                                 {"compression.codec", o.compression}});
  rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
  rd_kafka_conf_set_opaque(pconf, &stats);
  char err[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
  if (!producer) die(std::string("producer: ") + err);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer, topic.c_str(), nullptr);
  // Create the topic (auto-create with num.partitions) and learn its partitions before timing.
  const rd_kafka_metadata_t* md = nullptr;
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (rd_kafka_metadata(producer, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
        md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0)
      break;
    if (md) rd_kafka_metadata_destroy(md);
    md = nullptr;
    usleep(100000);
  }
  if (!md) die("topic '" + topic + "' not available");
  int partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);

  std::vector<char> payload(static_cast<size_t>(o.size));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + (i * 7) % 26);
  double cpu0 = broker.pid > 0 ? broker.cpu_seconds() : 0;
  auto t0 = Clock::now();
  for (long long i = 0; i < o.messages; ++i) {
    // The payload buffer outlives the producer: no copy, no free.
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload.data(), payload.size(), nullptr, 0, nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die(std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error()));
      rd_kafka_poll(producer, 1);
    }
    if ((i & 0xFFF) == 0) rd_kafka_poll(producer, 0);
  }
  if (rd_kafka_flush(producer, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  double produce_s = std::chrono::duration<double>(stats.last_delivery - t0).count();
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(producer);
  if (stats.failed) die(std::to_string(stats.failed) + " deliveries failed, first: " + rd_kafka_err2str(stats.first_error));
  double cpu1 = broker.pid > 0 ? broker.cpu_seconds() : 0;
  print_rate("produce:", stats.delivered, o.size, produce_s, broker.pid > 0 ? cpu1 - cpu0 : -1);

  // ---- fetch: manual assignment of every partition from offset 0, until all messages are back
  rd_kafka_conf_t* cconf = make_conf(bootstrap, {{"group.id", "refbroker-bench"},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.auto.offset.store", "false"},
                                                 {"enable.partition.eof", "false"},
                                                 {"fetch.message.max.bytes", "1048576"},
                                                 {"fetch.max.bytes", "52428800"},
                                                 {"queued.max.messages.kbytes", "262144"}});
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
  if (!consumer) die(std::string("consumer: ") + err);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = 0;
  long long consumed = 0, bad_size = 0;
  t0 = Clock::now();
  if (rd_kafka_assign(consumer, assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) die("assign failed");
  rd_kafka_topic_partition_list_destroy(assignment);
  auto last_progress = Clock::now();
  Clock::time_point last_message = t0;
  while (consumed < stats.delivered) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (!m) {
      if (seconds_since(last_progress) > 30) die("fetch stalled at " + std::to_string(consumed) + " messages");
      continue;
    }
    last_progress = Clock::now();
    if (m->err) {
      std::fprintf(stderr, "refbroker_bench: consumer: %s\n", rd_kafka_message_errstr(m));
    } else {
      ++consumed;
      if (static_cast<long long>(m->len) != o.size) ++bad_size;
      last_message = last_progress;
    }
    rd_kafka_message_destroy(m);
  }
  double fetch_s = std::chrono::duration<double>(last_message - t0).count();
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  print_rate("fetch:", consumed, o.size, fetch_s, broker.pid > 0 ? broker.cpu_seconds() - cpu1 : -1);

  int rc = 0;
  if (consumed != stats.delivered || bad_size) {
    std::fprintf(stderr, "refbroker_bench: consumed %lld of %lld messages, %lld with a wrong size\n", consumed,
                 stats.delivered, bad_size);
    rc = 1;
  }
  if (broker.pid > 0) {
    long hwm = broker.status_kb("VmHWM"), rss = broker.status_kb("VmRSS");
    std::printf("broker:  peak RSS (VmHWM) %.1f MB, RSS now %.1f MB, segments (.log) %.1f MB\n", hwm / 1024.0, rss / 1024.0,
                static_cast<double>(broker.disk_bytes()) / 1e6);
    int status = broker.stop();
    if (status != 0) {
      std::fprintf(stderr, "refbroker_bench: refbroker exited with status %d after SIGTERM\n", status);
      rc = 1;
    }
  }
  return rc;
}
