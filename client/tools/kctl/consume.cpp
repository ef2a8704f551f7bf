// kctl consume: the console consumer (kafka-console-consumer) on the public librdkafka-compatible
// C API. With --group it subscribes (and commits, as Kafka's console consumer does); without,
// it assigns the topic's partitions itself and commits nothing.
//
// Output follows Kafka's DefaultMessageFormatter: per message, in this order and each only when
// asked, "CreateTime:<ms>" (or LogAppendTime / NO_TIMESTAMP), "Partition:<p>", "Offset:<o>",
// headers "k:v,k2:v2" (NO_HEADERS), key, value (always unless print.value=false), separated by
// key.separator (tab), ended by line.separator (newline); null keys/values print null.literal
// ("null").
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>
#include <unistd.h>

#include "cluster.h"
#include "console.h"

namespace kctl {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

struct Formatter {
  bool key, value, headers, timestamp, partition, offset;
  std::string key_sep, line_sep, headers_sep, headers_key_sep, null_literal;

  explicit Formatter(const std::map<std::string, std::string>& p) {
    key = property_bool(p, "print.key", false);
    value = property_bool(p, "print.value", true);
    headers = property_bool(p, "print.headers", false);
    timestamp = property_bool(p, "print.timestamp", false);
    partition = property_bool(p, "print.partition", false);
    offset = property_bool(p, "print.offset", false);
    key_sep = property_or(p, "key.separator", "\t");
    line_sep = property_or(p, "line.separator", "\n");
    headers_sep = property_or(p, "headers.separator", ",");
    headers_key_sep = property_or(p, "headers.key.separator", ":");
    null_literal = property_or(p, "null.literal", "null");
  }

  void print(const rd_kafka_message_t* m, std::string& out) const {
    out.clear();
    bool first = true;
    auto field = [&](const std::string& s) {
      if (!first) out += key_sep;
      first = false;
      out += s;
    };
    if (timestamp) {
      rd_kafka_timestamp_type_t tt;
      int64_t ts = rd_kafka_message_timestamp(m, &tt);
      if (tt == RD_KAFKA_TIMESTAMP_CREATE_TIME) field("CreateTime:" + std::to_string(ts));
      else if (tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) field("LogAppendTime:" + std::to_string(ts));
      else field("NO_TIMESTAMP");
    }
    if (partition) field("Partition:" + std::to_string(m->partition));
    if (offset) field("Offset:" + std::to_string(m->offset));
    if (headers) {
      rd_kafka_headers_t* hs = nullptr;
      std::string text;
      if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR && hs && rd_kafka_header_cnt(hs) > 0) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          if (i) text += headers_sep;
          text += name;
          text += headers_key_sep;
          text += val ? std::string(static_cast<const char*>(val), size) : null_literal;
        }
      } else {
        text = "NO_HEADERS";
      }
      field(text);
    }
    if (key) field(m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : null_literal);
    if (value) field(m->payload ? std::string(static_cast<const char*>(m->payload), m->len) : null_literal);
    out += line_sep;
  }
};

int run_consume(const Args& args) {
  std::string topic = args.required("topic");
  auto group = args.get("group");
  auto props = property_map(args, {"property", "formatter-property"});
  Formatter fmt(props);
  if (group && args.has("partition")) throw UsageError("--group and --partition cannot be combined");
  if (args.has("offset") && !args.has("partition")) throw UsageError("--offset needs --partition");
  if (args.has("offset") && args.has("from-beginning")) throw UsageError("--offset and --from-beginning cannot be combined");
  int64_t start = args.has("from-beginning") ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
  if (auto o = args.get("offset")) {
    if (*o == "earliest") start = RD_KAFKA_OFFSET_BEGINNING;
    else if (*o == "latest") start = RD_KAFKA_OFFSET_END;
    else if (auto v = parse_int(*o); v && *v >= 0) start = *v;
    else throw UsageError("--offset expects earliest, latest or an offset >= 0, got '" + *o + "'");
  }
  int64_t max_messages = args.get_int("max-messages", -1, 1);
  int64_t idle_ms = args.get_int("timeout-ms-idle", -1, 1);
  std::string iso = args.get_or("isolation-level", "read_uncommitted");
  if (iso != "read_uncommitted" && iso != "read_committed")
    throw UsageError("--isolation-level expects read_uncommitted or read_committed");
  bool exit_at_end = args.has("exit-at-end");
  int32_t only_partition = static_cast<int32_t>(args.get_int("partition", -1, 0, INT32_MAX));

  std::vector<std::pair<std::string, std::string>> conf{
      {"group.id", group ? *group : "kctl-console-consumer-" + std::to_string(getpid())},
      {"enable.auto.commit", group ? "true" : "false"},
      {"auto.offset.reset", start == RD_KAFKA_OFFSET_BEGINNING ? "earliest" : "latest"},
      {"isolation.level", iso},
      {"enable.partition.eof", exit_at_end ? "true" : "false"},
  };
  for (auto& kv : args.all("consumer-property")) conf.push_back(split_kv(kv, "consumer-property"));
  rd_kafka_conf_t* c = make_conf(args, conf);

  // The topic must exist (and the cluster answer) within --timeout-ms.
  int32_t partitions = 0;
  try {
    Deadline d(args.timeout_ms());
    auto admin = connect_admin(args);
    std::vector<std::string> one{topic};
    kafka::client::AdminMetadata md;
    if (auto r = admin->metadata(&one, md, d.left_ms())) fail("cannot read the metadata", r);
    for (auto& t : md.topics)
      if (t.name == topic && !t.err) partitions = static_cast<int32_t>(t.partitions.size());
    if (partitions == 0) throw CommandError("Topic '" + topic + "' does not exist");
    if (only_partition >= partitions)
      throw CommandError("Topic '" + topic + "' has no partition " + std::to_string(only_partition));
  } catch (...) {
    rd_kafka_conf_destroy(c);
    throw;
  }

  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(c);
    throw UsageError(errstr);
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_resp_err_t err;
  if (group) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(rk, list);
  } else {
    for (int32_t p = 0; p < partitions; ++p)
      if (only_partition < 0 || p == only_partition) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = start;
    err = rd_kafka_assign(rk, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    rd_kafka_destroy(rk);
    throw CommandError("cannot " + std::string(group ? "subscribe" : "assign") + ": " + kafka_error_text(err));
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  int rc = 0;
  int64_t count = 0;
  std::set<int32_t> at_end;
  auto last = std::chrono::steady_clock::now();
  std::string line;
  while (!g_stop.load() && (max_messages < 0 || count < max_messages)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) {
      if (idle_ms > 0 && std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(idle_ms)) break;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
      rd_kafka_message_destroy(m);
      if (!exit_at_end) continue;
      // Done when every assigned partition has reached its end.
      rd_kafka_topic_partition_list_t* a = nullptr;
      bool all = false;
      if (rd_kafka_assignment(rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
        all = a->cnt > 0;
        for (int i = 0; i < a->cnt; ++i) all &= at_end.count(a->elems[i].partition) != 0;
        rd_kafka_topic_partition_list_destroy(a);
      }
      if (all) break;
      continue;
    }
    if (m->err) {
      int e = m->err;
      std::string text = rd_kafka_message_errstr(m) ? rd_kafka_message_errstr(m) : "";
      rd_kafka_message_destroy(m);
      // Connection trouble is retried by the client; anything else ends the run.
      bool transient = e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                       e == RD_KAFKA_RESP_ERR__RESOLVE || e == RD_KAFKA_RESP_ERR__TIMED_OUT;
      std::string report = "kctl consume: " + std::string(transient ? "warning: " : "") + kafka_error_name(e) + ": " +
                           text + "\n";
      std::fwrite(report.data(), 1, report.size(), stderr);  // one write: log lines come from other threads
      if (!transient) {
        rc = 1;
        break;
      }
      continue;
    }
    last = std::chrono::steady_clock::now();
    at_end.erase(m->partition);
    fmt.print(m, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    ++count;
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::cerr << "Processed a total of " << count << " messages\n";
  return rc;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "consume",
    "console consumer: print messages of a topic (kafka-console-consumer)",
    "--topic T [--group G | --partition P [--offset earliest|latest|N]] [--from-beginning] [options]",
    {
        {"topic", "T", "the topic"},
        {"group", "G", "consume as a member of group G (subscribe; offsets committed)"},
        {"from-beginning", "", "start at the log start when there is no committed offset (default: the end)"},
        {"partition", "P", "only this partition (no group)"},
        {"offset", "earliest|latest|N", "with --partition: where to start"},
        {"max-messages", "N", "exit after N messages"},
        {"timeout-ms-idle", "MS", "exit when no message arrived for MS milliseconds"},
        {"exit-at-end", "", "exit once every assigned partition has been read to its end"},
        {"isolation-level", "LEVEL", "read_uncommitted (default, as Kafka's console consumer) or read_committed"},
        {"property", "KEY=VALUE",
         "formatter: print.key, print.value, print.headers, print.timestamp, print.partition, print.offset "
         "(true/false), key.separator, line.separator, headers.separator, headers.key.separator, null.literal",
         true},
        {"formatter-property", "KEY=VALUE", "same as --property", true},
        {"consumer-property", "KEY=VALUE", "any consumer property (librdkafka names)", true},
    },
    true,
    &run_consume,
});

}  // namespace kctl
