// kctl produce: the console producer (kafka-console-producer). One message per stdin line, on
// the public librdkafka-compatible C API (so it exercises what applications use).
//
// Idempotence is on by default, as in Kafka 3.x's producer, unless --acks is 0 or 1 (Java then
// turns it off silently too); --enable-idempotence forces it (and refuses acks 0/1),
// --disable-idempotence turns it off. --producer-property wins over both.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cluster.h"
#include "console.h"

namespace kctl {
namespace {

struct Line {
  std::string key, value;
  bool has_key = false, null_key = false, null_value = false;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct DeliveryState {
  long failed = 0;
  long delivered = 0;
};

// One write per report: the library's log lines come from other threads.
void report(const std::string& text) {
  std::string line = "kctl produce: " + text + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<DeliveryState*>(opaque);
  if (!m->err) {
    ++st->delivered;
    return;
  }
  ++st->failed;
  auto line = reinterpret_cast<uintptr_t>(m->_private);
  report("line " + std::to_string(line) + ": " + kafka_error_name(m->err) + ": " + rd_kafka_message_errstr(m));
}

// Kafka's LineMessageReader: [headers<headers.delimiter>][key<key.separator>]value.
class LineParser {
 public:
  explicit LineParser(const std::map<std::string, std::string>& p) {
    parse_key_ = property_bool(p, "parse.key", false);
    parse_headers_ = property_bool(p, "parse.headers", false);
    key_sep_ = property_or(p, "key.separator", "\t");
    headers_delim_ = property_or(p, "headers.delimiter", "\t");
    headers_sep_ = property_or(p, "headers.separator", ",");
    headers_key_sep_ = property_or(p, "headers.key.separator", ":");
    null_marker_ = property_or(p, "null.marker", "");
    ignore_error_ = property_bool(p, "ignore.error", false);
    for (auto* s : {&key_sep_, &headers_delim_, &headers_sep_, &headers_key_sep_})
      if (s->empty()) throw UsageError("separators must not be empty");
    // Kafka's LineMessageReader rules.
    if (headers_delim_ == headers_sep_) throw UsageError("headers.delimiter and headers.separator may not be equal");
    if (headers_delim_ == headers_key_sep_)
      throw UsageError("headers.delimiter and headers.key.separator may not be equal");
    if (headers_sep_ == headers_key_sep_)
      throw UsageError("headers.separator and headers.key.separator may not be equal");
  }

  // Returns an error text for a malformed line, empty on success.
  std::string parse(const std::string& text, Line& out) const {
    std::string rest = text;
    if (parse_headers_) {
      auto d = rest.find(headers_delim_);
      if (d == std::string::npos) {
        if (!ignore_error_) return "no headers delimiter in the line";
      } else {
        std::string hs = rest.substr(0, d);
        rest = rest.substr(d + headers_delim_.size());
        size_t pos = 0;
        while (!hs.empty() && pos <= hs.size()) {
          size_t e = hs.find(headers_sep_, pos);
          std::string h = hs.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
          auto ks = h.find(headers_key_sep_);
          if (ks == std::string::npos) out.headers.emplace_back(h, "");
          else out.headers.emplace_back(h.substr(0, ks), h.substr(ks + headers_key_sep_.size()));
          if (e == std::string::npos) break;
          pos = e + headers_sep_.size();
        }
      }
    }
    if (parse_key_) {
      auto s = rest.find(key_sep_);
      if (s == std::string::npos) {
        if (!ignore_error_) return "no key separator in the line";
        out.value = rest;
      } else {
        out.has_key = true;
        out.key = rest.substr(0, s);
        out.value = rest.substr(s + key_sep_.size());
        out.null_key = !null_marker_.empty() && out.key == null_marker_;
      }
    } else {
      out.value = rest;
    }
    out.null_value = !null_marker_.empty() && out.value == null_marker_;
    return {};
  }

 private:
  bool parse_key_, parse_headers_, ignore_error_;
  std::string key_sep_, headers_delim_, headers_sep_, headers_key_sep_, null_marker_;
};

int run_produce(const Args& args) {
  std::string topic = args.required("topic");
  auto props = property_map(args, {"property"});
  if (auto ks = args.get("key-separator")) {
    props["parse.key"] = "true";
    props["key.separator"] = *ks;
  }
  LineParser parser(props);
  std::vector<std::pair<std::string, std::string>> fixed_headers;
  for (auto& h : args.all("header")) fixed_headers.push_back(split_kv(h, "header"));
  int32_t partition = static_cast<int32_t>(args.get_int("partition", RD_KAFKA_PARTITION_UA, 0, INT32_MAX));

  std::vector<std::pair<std::string, std::string>> conf;
  std::string acks = args.get_or("acks", "all");
  if (acks != "all" && acks != "-1" && acks != "0" && acks != "1")
    throw UsageError("--acks expects all, -1, 0 or 1, got '" + acks + "'");
  bool weak_acks = acks == "0" || acks == "1";
  if (args.has("enable-idempotence") && args.has("disable-idempotence"))
    throw UsageError("--enable-idempotence and --disable-idempotence cannot be combined");
  if (args.has("enable-idempotence") && weak_acks)
    throw UsageError("--enable-idempotence needs --acks all (got " + acks + ")");
  bool idempotence = args.has("enable-idempotence") || (!args.has("disable-idempotence") && !weak_acks);
  conf.emplace_back("enable.idempotence", idempotence ? "true" : "false");
  conf.emplace_back("acks", acks == "all" ? "-1" : acks);
  if (auto c = args.get("compression-type")) conf.emplace_back("compression.type", *c);
  // Every message is delivered or failed within --timeout-ms (librdkafka's message.timeout.ms).
  conf.emplace_back("message.timeout.ms", std::to_string(args.timeout_ms()));
  conf.emplace_back("linger.ms", "5");
  for (auto& kv : args.all("producer-property")) conf.push_back(split_kv(kv, "producer-property"));

  rd_kafka_conf_t* c = make_conf(args, conf);
  // The cluster must answer (and accept our credentials) within --timeout-ms before any line is
  // read; later failures are reported per message.
  try {
    Deadline d(args.timeout_ms());
    auto admin = connect_admin(args);
    std::vector<std::string> brokers_only;
    kafka::client::AdminMetadata md;
    if (auto r = admin->metadata(&brokers_only, md, d.left_ms())) fail("cannot reach the cluster", r);
  } catch (...) {
    rd_kafka_conf_destroy(c);
    throw;
  }
  DeliveryState st;
  rd_kafka_conf_set_opaque(c, &st);
  rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(c);
    throw UsageError(errstr);
  }
  long lineno = 0, local_failed = 0;
  std::string text;
  while (std::getline(std::cin, text)) {
    ++lineno;
    Line line;
    if (auto e = parser.parse(text, line); !e.empty()) {
      report("line " + std::to_string(lineno) + ": " + e);
      ++local_failed;
      continue;
    }
    rd_kafka_headers_t* hdrs = nullptr;
    if (!fixed_headers.empty() || !line.headers.empty()) {
      hdrs = rd_kafka_headers_new(fixed_headers.size() + line.headers.size());
      for (auto* list : {&fixed_headers, &line.headers})
        for (auto& [k, v] : *list) rd_kafka_header_add(hdrs, k.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
    }
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(line.null_value ? nullptr : line.value.data(), line.null_value ? 0 : line.value.size()),
          RD_KAFKA_V_KEY(line.has_key && !line.null_key ? line.key.data() : nullptr,
                         line.has_key && !line.null_key ? line.key.size() : 0),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(lineno))),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 100);
        continue;
      }
      if (err) {
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        report("line " + std::to_string(lineno) + ": " + kafka_error_text(err));
        ++local_failed;
      }
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  // message.timeout.ms bounds every message; the margin covers the last ones' requests.
  rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, args.timeout_ms() + 5000);
  rd_kafka_poll(rk, 0);
  int left = rd_kafka_outq_len(rk);
  rd_kafka_destroy(rk);
  if (ferr && left > 0) {
    report(std::to_string(left) + " message(s) not delivered within the timeout");
    return 1;
  }
  return (st.failed || local_failed) ? 1 : 0;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "produce",
    "console producer: one message per stdin line (kafka-console-producer)",
    "--topic T [--key-separator SEP] [--header K=V] [--partition P] [options] < lines",
    {
        {"topic", "T", "the topic"},
        {"property", "KEY=VALUE",
         "line parsing as kafka-console-producer: parse.key, key.separator (tab), parse.headers, headers.delimiter "
         "(tab), headers.separator (,), headers.key.separator (:), null.marker, ignore.error",
         true},
        {"key-separator", "SEP", "shorthand for --property parse.key=true --property key.separator=SEP"},
        {"header", "KEY=VALUE", "a header added to every message", true},
        {"partition", "P", "produce to this partition (default: the partitioner's choice)"},
        {"compression-type", "CODEC", "none, gzip, snappy, lz4 or zstd"},
        {"acks", "all|-1|0|1", "acknowledgements (default all)"},
        {"enable-idempotence", "", "idempotent producer (the default unless --acks 0/1)"},
        {"disable-idempotence", "", "plain producer"},
        {"producer-property", "KEY=VALUE", "any producer property (librdkafka names)", true},
    },
    true,
    &run_produce,
});

}  // namespace kctl
