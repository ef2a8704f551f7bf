// kctl perf produce: kafka-producer-perf-test through our public RdKafka C++ API. Produces
// --num-records records at up to --throughput records/s and prints, as Kafka's tool does, a
// progress line per ~5 s window (on a terminal or with --print-progress) and a final summary:
//   N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency,
//   P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.
// Latency is per record, from produce() to its delivery report. Failed deliveries are counted,
// reported and make the exit status 1.
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <thread>

#include "perf_common.h"

namespace kctl {
namespace {

using perf::now_us;

// Throughput statistics as kafka-producer-perf-test keeps them: totals, the current reporting
// window, and a bounded sample of latencies for the percentiles.
class ProduceStats : public RdKafka::DeliveryReportCb {
 public:
  ProduceStats(int64_t num_records, bool print_progress)
      : sampling_(std::max<int64_t>(1, num_records / std::min<int64_t>(num_records, 500'000))),
        print_progress_(print_progress) {
    samples_.reserve(static_cast<size_t>(num_records / sampling_ + 1));
    start();
  }

  // The clock starts when the first record is produced.
  void start() { start_us_ = window_start_us_ = now_us(); }

  // Runs in the thread calling poll()/flush(): no locking needed.
  void dr_cb(RdKafka::Message& m) override {
    int64_t now = now_us();
    if (m.err() != RdKafka::ERR_NO_ERROR) {
      if (++errors_ <= 5) std::cerr << "delivery failed: " << m.errstr() << "\n";
      if (first_error_.empty()) first_error_ = m.errstr();
      return;
    }
    int64_t latency = m.latency();
    if (latency < 0) latency = now - reinterpret_cast<intptr_t>(m.msg_opaque());
    record(latency, static_cast<int64_t>(m.len()), now);
  }

  void print_total() const {
    double elapsed_s = std::max<int64_t>(now_us() - start_us_, 1) / 1e6;
    std::vector<int64_t> sorted(samples_);
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) -> int64_t {
      if (sorted.empty()) return 0;
      return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())))] / 1000;
    };
    std::printf(
        "%" PRId64 " records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
        "%" PRId64 " ms 50th, %" PRId64 " ms 95th, %" PRId64 " ms 99th, %" PRId64 " ms 99.9th.\n",
        count_, static_cast<double>(count_) / elapsed_s, static_cast<double>(bytes_) / elapsed_s / (1024.0 * 1024.0),
        count_ ? static_cast<double>(total_latency_us_) / static_cast<double>(count_) / 1000.0 : 0.0,
        static_cast<double>(max_latency_us_) / 1000.0, pct(0.5), pct(0.95), pct(0.99), pct(0.999));
    std::fflush(stdout);
  }

  int64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  static constexpr int64_t kWindowUs = 5'000'000;

  void record(int64_t latency_us, int64_t bytes, int64_t now) {
    ++count_;
    bytes_ += bytes;
    total_latency_us_ += latency_us;
    max_latency_us_ = std::max(max_latency_us_, latency_us);
    ++window_count_;
    window_bytes_ += bytes;
    window_latency_us_ += latency_us;
    window_max_us_ = std::max(window_max_us_, latency_us);
    if (iteration_++ % sampling_ == 0) samples_.push_back(latency_us);
    if (now - window_start_us_ >= kWindowUs) {
      if (print_progress_) print_window(now);
      window_start_us_ = now;
      window_count_ = window_bytes_ = window_latency_us_ = window_max_us_ = 0;
    }
  }

  void print_window(int64_t now) const {
    double elapsed_s = std::max<int64_t>(now - window_start_us_, 1) / 1e6;
    std::printf("%" PRId64 " records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
                window_count_, static_cast<double>(window_count_) / elapsed_s,
                static_cast<double>(window_bytes_) / elapsed_s / (1024.0 * 1024.0),
                static_cast<double>(window_latency_us_) / static_cast<double>(window_count_) / 1000.0,
                static_cast<double>(window_max_us_) / 1000.0);
    std::fflush(stdout);
  }

  const int64_t sampling_;
  const bool print_progress_;
  std::vector<int64_t> samples_;
  int64_t iteration_ = 0;
  int64_t start_us_ = 0, window_start_us_ = 0;
  int64_t count_ = 0, bytes_ = 0, total_latency_us_ = 0, max_latency_us_ = 0;
  int64_t window_count_ = 0, window_bytes_ = 0, window_latency_us_ = 0, window_max_us_ = 0;
  int64_t errors_ = 0;
  std::string first_error_;
};

// Paces produce() calls to `rate` records/s. Tokens accumulate with elapsed time up to a burst
// of 10 ms worth, so a high rate costs one wait per few records, not a sleep per record; while
// waiting, delivery reports are served.
class TokenBucket {
 public:
  explicit TokenBucket(double rate) : rate_(rate), burst_(std::max(1.0, rate / 100.0)), last_us_(now_us()) {}

  void take(RdKafka::Producer& producer) {
    if (rate_ <= 0) return;  // unlimited
    while (true) {
      int64_t now = now_us();
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_us_) * rate_ / 1e6);
      last_us_ = now;
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return;
      }
      auto wait_us = static_cast<int64_t>(std::ceil((1.0 - tokens_) * 1e6 / rate_));
      if (wait_us >= 1000) producer.poll(static_cast<int>(wait_us / 1000));  // returns early on a report
      else std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
    }
  }

 private:
  const double rate_, burst_;
  double tokens_ = 0;
  int64_t last_us_;
};

// The payloads: --payload-file split at the delimiter (a random one per record, as Kafka), or
// windows into a buffer of random capital letters so that records differ (compression sees
// Kafka-like data) without generating bytes per record.
class Payloads {
 public:
  Payloads(const Args& args, std::mt19937_64& rng) {
    auto file = args.get("payload-file");
    auto size = args.get("record-size");
    if (file && size) throw UsageError("give either --record-size or --payload-file, not both");
    if (!file && !size) throw UsageError("--record-size or --payload-file is required");
    if (size) {
      record_size_ = static_cast<size_t>(args.get_int("record-size", 0, 1, 100 << 20));
      random_.resize(std::max<size_t>(1 << 20, 4 * record_size_));
      std::uniform_int_distribution<int> letter('A', 'Z');
      for (auto& c : random_) c = static_cast<char>(letter(rng));
      return;
    }
    std::ifstream in(*file, std::ios::binary);
    if (!in) throw CommandError("cannot read " + *file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string delim = args.get_or("payload-delimiter", "\\n");
    if (delim == "\\n") delim = "\n";
    if (delim.empty()) throw UsageError("--payload-delimiter must not be empty");
    for (size_t at = 0; at <= all.size();) {
      size_t end = all.find(delim, at);
      if (end == std::string::npos) end = all.size();
      if (end > at) lines_.push_back(all.substr(at, end - at));
      at = end + delim.size();
    }
    if (lines_.empty()) throw CommandError(*file + " holds no payloads");
    std::cout << "Reading payloads from: " << *file << "\nNumber of messages read: " << lines_.size() << "\n";
  }

  std::pair<char*, size_t> next(std::mt19937_64& rng) {
    if (!lines_.empty()) {
      auto& s = lines_[rng() % lines_.size()];
      return {s.data(), s.size()};
    }
    size_t at = rng() % (random_.size() - record_size_ + 1);
    return {random_.data() + at, record_size_};
  }

 private:
  size_t record_size_ = 0;
  std::string random_;
  std::vector<std::string> lines_;
};

int run_perf_produce(const Args& args) {
  const std::string topic_name = args.required("topic");
  if (!args.has("num-records")) throw UsageError("--num-records is required");
  const int64_t num_records = args.get_int("num-records", 0, 1);
  double throughput = -1;
  if (auto t = args.get("throughput")) {
    char* end = nullptr;
    throughput = std::strtod(t->c_str(), &end);
    if (t->empty() || *end || !std::isfinite(throughput) || throughput == 0)
      throw UsageError("--throughput expects records/s (a positive number, or -1 for no limit), got '" + *t + "'");
  }
  std::mt19937_64 rng(0);
  Payloads payloads(args, rng);

  // Later entries win: --command-config, --producer.config, --producer-props (also as further
  // NAME=VALUE arguments, as Kafka's nargs('+') option takes them), then --bootstrap-server.
  perf::Properties props;
  if (auto f = args.get("command-config")) props = read_properties_file(*f);
  if (auto f = args.get("producer.config")) {
    auto more = read_properties_file(*f);
    props.insert(props.end(), more.begin(), more.end());
  }
  auto assigned = perf::parse_assignments(args.all("producer-props"), "--producer-props");
  if (!args.positional().empty() && !args.has("producer-props"))
    throw UsageError("unexpected argument '" + args.positional().front() + "'");
  auto extra = perf::parse_assignments(args.positional(), "--producer-props");
  props.insert(props.end(), assigned.begin(), assigned.end());
  props.insert(props.end(), extra.begin(), extra.end());
  props.emplace_back("bootstrap.servers", args.required("bootstrap-server"));
  // Transactions as in Kafka's tool: on with a transactional id (option or property) or a
  // transaction duration; each transaction is committed after --transaction-duration-ms.
  int64_t txn_duration_ms = args.get_int("transaction-duration-ms", 3000, 1);
  if (auto id = args.get("transactional-id")) props.emplace_back("transactional.id", *id);
  else if (args.has("transaction-duration-ms") && !perf::has_property(props, "transactional.id"))
    props.emplace_back("transactional.id", "performance-producer-" + std::to_string(std::random_device{}()));
  if (!perf::has_property(props, "client.id")) props.emplace_back("client.id", "perf-producer-client");
  // Nothing may wait longer than --timeout-ms: a broker that never answers fails the records.
  if (!perf::has_property(props, "message.timeout.ms") && !perf::has_property(props, "delivery.timeout.ms") &&
      !perf::has_property(props, "transactional.id"))
    props.emplace_back("message.timeout.ms", std::to_string(args.timeout_ms()));

  const bool progress = args.has("print-progress") || ::isatty(STDOUT_FILENO);
  ProduceStats stats(num_records, progress);
  auto conf = perf::make_conf(props);
  std::string err;
  if (conf->set("dr_cb", &stats, err) != RdKafka::Conf::CONF_OK) throw CommandError(err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) throw CommandError("cannot create the producer: " + err);
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer.get(), topic_name, nullptr, err));
  if (!topic) throw CommandError("topic " + topic_name + ": " + err);

  // The topic must exist (and the cluster answer) before the clock starts.
  {
    RdKafka::Metadata* md = nullptr;
    auto rc = producer->metadata(false, topic.get(), &md, args.timeout_ms());
    std::unique_ptr<RdKafka::Metadata> owned(md);
    if (rc != RdKafka::ERR_NO_ERROR)
      throw CommandError("no metadata for topic " + topic_name + " within " + std::to_string(args.timeout_ms()) +
                         " ms: " + RdKafka::err2str(rc));
    for (const auto* t : *md->topics())
      if (t->topic() == topic_name && t->err() != RdKafka::ERR_NO_ERROR)
        throw CommandError("topic " + topic_name + ": " + RdKafka::err2str(t->err()));
  }

  const bool transactional = perf::has_property(props, "transactional.id");
  auto txn_check = [&](RdKafka::Error* e, const char* what) {
    if (!e) return;
    std::string m = std::string(what) + ": " + e->str();
    delete e;
    throw CommandError(m);
  };
  int64_t txn_start_us = 0;
  if (transactional) {
    txn_check(producer->init_transactions(args.timeout_ms()), "init_transactions");
    txn_check(producer->begin_transaction(), "begin_transaction");
    txn_start_us = now_us();
  }

  TokenBucket bucket(throughput);
  stats.start();
  RdKafka::ErrorCode produce_error = RdKafka::ERR_NO_ERROR;
  for (int64_t i = 0; i < num_records; ++i) {
    bucket.take(*producer);
    auto [data, len] = payloads.next(rng);
    while (true) {
      // Flags 0: the payload is borrowed (it lives until the end of the run).
      auto rc = producer->produce(topic.get(), RdKafka::Topic::PARTITION_UA, 0, data, len, nullptr, 0,
                                  reinterpret_cast<void*>(static_cast<intptr_t>(now_us())));
      if (rc == RdKafka::ERR_NO_ERROR) break;
      if (rc != RdKafka::ERR__QUEUE_FULL) {
        produce_error = rc;
        break;
      }
      producer->poll(10);  // the queue is full: wait for deliveries
    }
    if (produce_error != RdKafka::ERR_NO_ERROR) {
      std::cerr << "produce failed after " << i << " records: " << RdKafka::err2str(produce_error) << "\n";
      break;
    }
    if ((i & 1023) == 0) producer->poll(0);
    if (transactional && i + 1 < num_records && now_us() - txn_start_us >= txn_duration_ms * 1000) {
      txn_check(producer->commit_transaction(args.timeout_ms()), "commit_transaction");
      txn_check(producer->begin_transaction(), "begin_transaction");
      txn_start_us = now_us();
    }
  }
  if (transactional && produce_error == RdKafka::ERR_NO_ERROR)
    txn_check(producer->commit_transaction(args.timeout_ms()), "commit_transaction");

  // Everything produced must be delivered or failed within --timeout-ms; then give up on the rest.
  const int64_t deadline = now_us() + int64_t{args.timeout_ms()} * 1000;
  while (producer->outq_len() > 0 && now_us() < deadline)
    producer->flush(static_cast<int>(std::min<int64_t>(500, (deadline - now_us()) / 1000 + 1)));
  int64_t undelivered = producer->outq_len();
  if (undelivered > 0) {
    producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer->poll(0);
  }
  stats.print_total();

  if (produce_error != RdKafka::ERR_NO_ERROR) return 1;
  if (stats.errors() > 0 || undelivered > 0) {
    std::cerr << "kctl perf produce: " << stats.errors() << " of " << num_records << " records failed delivery";
    if (!stats.first_error().empty()) std::cerr << " (first error: " << stats.first_error() << ")";
    if (undelivered > 0) std::cerr << "; " << undelivered << " still undelivered after --timeout-ms";
    std::cerr << "\n";
    return 1;
  }
  return 0;
}

KCTL_REGISTER(CommandSpec{
    "perf produce",
    "producer throughput and latency test, like kafka-producer-perf-test",
    "--bootstrap-server HOST:PORT --topic TOPIC --num-records N (--record-size BYTES | --payload-file FILE) "
    "[--throughput N] [--producer-props NAME=VALUE...] [--producer.config FILE]",
    {{"topic", "TOPIC", "topic to produce to"},
     {"num-records", "N", "number of records to produce"},
     {"record-size", "BYTES", "size of each record (random capital letters)"},
     {"payload-file", "FILE", "produce payloads read from FILE, split at --payload-delimiter, chosen at random"},
     {"payload-delimiter", "TEXT", "delimiter of --payload-file payloads (default \\n)"},
     {"throughput", "N", "at most N records/s; -1 (default): no limit"},
     {"producer-props", "NAME=VALUE", "producer property, over --producer.config (more may follow as arguments)",
      true},
     {"producer.config", "FILE", "producer properties file"},
     {"transactional-id", "ID", "produce in transactions with this transactional.id"},
     {"transaction-duration-ms", "MS", "commit each transaction after MS (default 3000; enables transactions)"},
     {"print-progress", "", "print a progress line every ~5 s even when stdout is not a terminal"}},
    true,
    run_perf_produce});

}  // namespace
}  // namespace kctl
