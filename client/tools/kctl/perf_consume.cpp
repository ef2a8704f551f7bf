// kctl perf consume: kafka-consumer-perf-test through our public RdKafka C++ API. Consumes
// --messages records of --topic (in a consumer group, or with --assign every partition from the
// beginning without one) and prints Kafka's header and summary line:
//   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
//   rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
// As in Kafka, the run ends when no record arrived for --timeout-ms; fewer than --messages
// records is a failure (exit status 1).
#include <ctime>
#include <iostream>
#include <random>
#include <set>

#include "perf_common.h"

namespace kctl {
namespace {

using perf::wall_ms;

// Time spent joining the group, as Kafka's ConsumerPerfRebListener measures it: from the start
// (or from losing the last partition) to the next assignment.
class RebalanceTimer : public RdKafka::RebalanceCb {
 public:
  explicit RebalanceTimer(int64_t start_ms) : join_start_ms_(start_ms) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (assigned_.empty()) join_ms_ += wall_ms() - join_start_ms_;
      for (auto* tp : partitions) assigned_.insert({tp->topic(), tp->partition()});
      if (cooperative) delete consumer->incremental_assign(partitions);
      else consumer->assign(partitions);
    } else {
      for (auto* tp : partitions) assigned_.erase({tp->topic(), tp->partition()});
      if (cooperative) delete consumer->incremental_unassign(partitions);
      else consumer->unassign();
      if (cooperative ? assigned_.empty() : true) {
        assigned_.clear();
        join_start_ms_ = wall_ms();
      }
    }
  }

  int64_t join_ms() const { return join_ms_; }

 private:
  int64_t join_start_ms_;
  int64_t join_ms_ = 0;
  std::set<std::pair<std::string, int>> assigned_;
};

// Kafka's default date format, yyyy-MM-dd HH:mm:ss:SSS, in local time.
std::string format_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ":%03d", static_cast<int>(ms % 1000));
  return buf;
}

int run_perf_consume(const Args& args) {
  const std::string topic = args.required("topic");
  if (!args.has("messages")) throw UsageError("--messages is required");
  const int64_t messages = args.get_int("messages", 0, 1);
  const bool assign_mode = args.has("assign");
  if (assign_mode && args.has("group")) throw UsageError("--assign consumes without a group: drop --group");
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional().front() + "'");
  const int timeout_ms = args.timeout_ms();

  perf::Properties props;
  if (auto f = args.get("command-config")) props = read_properties_file(*f);
  if (auto f = args.get("consumer.config")) {
    auto more = read_properties_file(*f);
    props.insert(props.end(), more.begin(), more.end());
  }
  props.emplace_back("bootstrap.servers", args.required("bootstrap-server"));
  std::string group = args.get_or("group", "");
  if (group.empty()) group = "perf-consumer-" + std::to_string(std::random_device{}() % 100000);
  props.emplace_back("group.id", group);
  if (assign_mode) props.emplace_back("enable.auto.commit", "false");
  props.emplace_back("auto.offset.reset", args.has("from-latest") ? "latest" : "earliest");
  if (!perf::has_property(props, "client.id")) props.emplace_back("client.id", "perf-consumer-client");

  const int64_t start_ms = wall_ms();
  RebalanceTimer rebalance(start_ms);
  auto conf = perf::make_conf(props);
  std::string err;
  if (!assign_mode && conf->set("rebalance_cb", &rebalance, err) != RdKafka::Conf::CONF_OK) throw CommandError(err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw CommandError("cannot create the consumer: " + err);

  if (assign_mode) {
    // Every partition of the topic, from the beginning (or the end with --from-latest).
    std::string terr;
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, terr));
    if (!t) throw CommandError("topic " + topic + ": " + terr);
    RdKafka::Metadata* md = nullptr;
    auto rc = consumer->metadata(false, t.get(), &md, timeout_ms);
    std::unique_ptr<RdKafka::Metadata> owned(md);
    if (rc != RdKafka::ERR_NO_ERROR)
      throw CommandError("no metadata for topic " + topic + " within " + std::to_string(timeout_ms) +
                         " ms: " + RdKafka::err2str(rc));
    std::vector<RdKafka::TopicPartition*> parts;
    for (const auto* tm : *md->topics()) {
      if (tm->topic() != topic) continue;
      if (tm->err() != RdKafka::ERR_NO_ERROR) throw CommandError("topic " + topic + ": " + RdKafka::err2str(tm->err()));
      for (const auto* pm : *tm->partitions())
        parts.push_back(RdKafka::TopicPartition::create(
            topic, pm->id(), args.has("from-latest") ? RdKafka::Topic::OFFSET_END : RdKafka::Topic::OFFSET_BEGINNING));
    }
    if (parts.empty()) throw CommandError("topic " + topic + " has no partitions");
    rc = consumer->assign(parts);
    RdKafka::TopicPartition::destroy(parts);
    if (rc != RdKafka::ERR_NO_ERROR) throw CommandError("assign: " + RdKafka::err2str(rc));
  } else {
    auto rc = consumer->subscribe({topic});
    if (rc != RdKafka::ERR_NO_ERROR) throw CommandError("subscribe: " + RdKafka::err2str(rc));
  }

  int64_t read = 0, bytes = 0;
  int64_t last_consumed_ms = wall_ms();
  std::set<int> reported_errors;
  while (read < messages && wall_ms() - last_consumed_ms <= timeout_ms) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (!m) continue;
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR:
        ++read;
        bytes += static_cast<int64_t>(m->key_len() + m->len());
        last_consumed_ms = wall_ms();
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default:
        // Reported once per kind; the run goes on until --timeout-ms without records.
        if (reported_errors.insert(m->err()).second) std::cerr << "consume: " << m->errstr() << "\n";
    }
    std::string fatal;
    if (consumer->fatal_error(fatal) != RdKafka::ERR_NO_ERROR) {
      std::cerr << "consumer fatal error: " << fatal << "\n";
      break;
    }
  }
  const int64_t end_ms = wall_ms();
  consumer->close();

  const double elapsed_s = static_cast<double>(std::max<int64_t>(end_ms - start_ms, 1)) / 1000.0;
  const int64_t join_ms = assign_mode ? 0 : rebalance.join_ms();
  const int64_t fetch_ms = (end_ms - start_ms) - join_ms;
  const double fetch_s = static_cast<double>(std::max<int64_t>(fetch_ms, 1)) / 1000.0;
  const double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
  if (read < messages)
    std::printf("WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. "
                "You can use the --timeout-ms option to increase the timeout.\n",
                timeout_ms);
  if (!args.has("hide-header"))
    std::printf("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n");
  std::printf("%s, %s, %.4f, %.4f, %lld, %.4f, %lld, %lld, %.4f, %.4f\n", format_time(start_ms).c_str(),
              format_time(end_ms).c_str(), mb, mb / elapsed_s, static_cast<long long>(read),
              static_cast<double>(read) / elapsed_s, static_cast<long long>(join_ms), static_cast<long long>(fetch_ms),
              mb / fetch_s, static_cast<double>(read) / fetch_s);
  std::fflush(stdout);
  if (read < messages) {
    std::cerr << "kctl perf consume: " << read << " of " << messages << " messages within --timeout-ms "
              << timeout_ms << "\n";
    return 1;
  }
  return 0;
}

KCTL_REGISTER(CommandSpec{
    "perf consume",
    "consumer throughput test, like kafka-consumer-perf-test (ends after --timeout-ms without a record)",
    "--bootstrap-server HOST:PORT --topic TOPIC --messages N [--group GROUP | --assign] [--consumer.config FILE]",
    {{"topic", "TOPIC", "topic to consume"},
     {"messages", "N", "number of messages to consume"},
     {"group", "GROUP", "consumer group (default perf-consumer-<random>)"},
     {"assign", "", "no group: assign every partition, from the beginning"},
     {"from-latest", "", "without a committed offset, start at the end instead of the beginning"},
     {"consumer.config", "FILE", "consumer properties file"},
     {"hide-header", "", "print the summary line without the header"}},
    true,
    run_perf_consume});

}  // namespace
}  // namespace kctl
