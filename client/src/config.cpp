#include "config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace kafka::client {
namespace {

const std::string* find(const Properties& p, const char* a, const char* b = nullptr) {
  // The later alias wins only if the first is absent; librdkafka treats aliases as one property.
  auto it = p.find(a);
  if (it != p.end()) return &it->second;
  if (b) {
    it = p.find(b);
    if (it != p.end()) return &it->second;
  }
  return nullptr;
}

bool bad(std::string& errstr, const std::string& key, const std::string& value, const char* why) {
  errstr = "Invalid value \"" + value + "\" for configuration property \"" + key + "\": " + why;
  return false;
}

bool parse_int(const char* key, const std::string& v, int64_t min, int64_t max, int64_t& out, std::string& errstr) {
  const char* s = v.c_str();
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0') return bad(errstr, key, v, "expected an integer");
  if (x < min || x > max) {
    errstr = "Configuration property \"" + std::string(key) + "\" value " + v + " is outside allowed range " +
             std::to_string(min) + ".." + std::to_string(max);
    return false;
  }
  out = x;
  return true;
}

bool get_int(const Properties& p, const char* key, const char* alias, int64_t min, int64_t max, int64_t& out,
             std::string& errstr) {
  const std::string* v = find(p, key, alias);
  if (!v) return true;
  return parse_int(key, *v, min, max, out, errstr);
}

template <class T>
bool get_int_as(const Properties& p, const char* key, const char* alias, int64_t min, int64_t max, T& out,
                std::string& errstr) {
  int64_t v = out;
  if (!get_int(p, key, alias, min, max, v, errstr)) return false;
  out = static_cast<T>(v);
  return true;
}

bool get_bool(const Properties& p, const char* key, const char* alias, bool& out, std::string& errstr) {
  const std::string* v = find(p, key, alias);
  if (!v) return true;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "t" || s == "1" || s == "yes" || s == "on") out = true;
  else if (s == "false" || s == "f" || s == "0" || s == "no" || s == "off") out = false;
  else return bad(errstr, key, *v, "expected true or false");
  return true;
}

std::vector<std::string> split_brokers(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  for (auto& b : out) {  // strip a plaintext:// / PLAINTEXT:// prefix
    auto pos = b.find("://");
    if (pos != std::string::npos) b = b.substr(pos + 3);
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

bool parse_security_config(const Properties& p, SecurityConfig& sec, std::string& errstr) {
  if (const std::string* v = find(p, "security.protocol")) {
    std::string s = lower(*v);
    if (s == "plaintext") sec.protocol = SecurityProtocol::Plaintext;
    else if (s == "ssl") sec.protocol = SecurityProtocol::Ssl;
    else if (s == "sasl_plaintext") sec.protocol = SecurityProtocol::SaslPlaintext;
    else if (s == "sasl_ssl") sec.protocol = SecurityProtocol::SaslSsl;
    else return bad(errstr, "security.protocol", *v, "expected plaintext, ssl, sasl_plaintext or sasl_ssl");
  }
  auto str = [&](const char* key, const char* alias, std::string& out) {
    if (const std::string* v = find(p, key, alias)) out = *v;
  };
  str("sasl.mechanisms", "sasl.mechanism", sec.sasl_mechanism);
  str("sasl.username", nullptr, sec.sasl_username);
  str("sasl.password", nullptr, sec.sasl_password);
  str("ssl.ca.location", nullptr, sec.ca_location);
  str("ssl.ca.pem", nullptr, sec.ca_pem);
  str("ssl.certificate.location", nullptr, sec.certificate_location);
  str("ssl.certificate.pem", nullptr, sec.certificate_pem);
  str("ssl.key.location", nullptr, sec.key_location);
  str("ssl.key.pem", nullptr, sec.key_pem);
  str("ssl.key.password", nullptr, sec.key_password);
  str("ssl.crl.location", nullptr, sec.crl_location);
  str("ssl.cipher.suites", nullptr, sec.cipher_suites);
  str("ssl.curves.list", nullptr, sec.curves_list);
  str("ssl.sigalgs.list", nullptr, sec.sigalgs_list);
  if (!get_bool(p, "enable.ssl.certificate.verification", nullptr, sec.verify_certificate, errstr)) return false;
  if (const std::string* v = find(p, "ssl.endpoint.identification.algorithm")) {
    std::string s = lower(*v);
    if (s == "https") sec.verify_hostname = true;
    else if (s == "none") sec.verify_hostname = false;
    else return bad(errstr, "ssl.endpoint.identification.algorithm", *v, "expected none or https");
  }
  if (sec.uses_sasl()) {
    // As librdkafka built without Cyrus SASL: PLAIN and SCRAM have providers, GSSAPI has none.
    const std::string& m = sec.sasl_mechanism;
    if (m != "PLAIN" && m != "SCRAM-SHA-256" && m != "SCRAM-SHA-512") {
      errstr = "No provider for SASL mechanism " + m +
               ": recompile librdkafka with libsasl2 or openssl support. Current build options: PLAIN SASL_SCRAM";
      return false;
    }
    if (sec.sasl_username.empty() || sec.sasl_password.empty()) {
      errstr = "sasl.username and sasl.password must be set";
      return false;
    }
  }
  if (sec.uses_tls()) {
    sec.tls = make_tls_context(sec, errstr);
    if (!sec.tls) return false;
  } else {
    sec.tls.reset();
  }
  return true;
}

}  // namespace

bool parse_topic_config(const Properties& p, TopicConfig& t, std::string& errstr) {
  if (const std::string* v = find(p, "request.required.acks", "acks")) {
    int64_t a = -1;
    if (*v != "all" && !parse_int("request.required.acks", *v, -1, 1000, a, errstr)) return false;
    t.acks = static_cast<int16_t>(a);
  }
  if (!get_int_as(p, "request.timeout.ms", nullptr, 1, 900000, t.request_timeout_ms, errstr)) return false;
  if (!get_int_as(p, "message.timeout.ms", "delivery.timeout.ms", 0, INT32_MAX, t.message_timeout_ms, errstr))
    return false;
  if (const std::string* v = find(p, "partitioner")) {
    auto k = parse_partitioner(*v);
    if (!k) return bad(errstr, "partitioner", *v, "unknown partitioner");
    t.partitioner = *k;
  }
  if (const std::string* v = find(p, "compression.type", "compression.codec")) {
    if (*v == "inherit") t.compression.reset();
    else if (auto c = parse_compression(*v)) t.compression = *c;
    else return bad(errstr, "compression.type", *v, "expected none, gzip, snappy, lz4, zstd or inherit");
  }
  if (!get_int_as(p, "compression.level", nullptr, -1, 12, t.compression_level, errstr)) return false;
  return true;
}

bool parse_producer_config(const Properties& p, ProducerConfig& c, std::string& errstr) {
  if (const std::string* v = find(p, "bootstrap.servers", "metadata.broker.list")) c.bootstrap = split_brokers(*v);
  if (const std::string* v = find(p, "client.id")) c.client_id = *v;
  if (const std::string* v = find(p, "linger.ms", "queue.buffering.max.ms")) {
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0' || d < 0 || d > 900000) return bad(errstr, "linger.ms", *v, "expected 0..900000");
    c.linger_ms = d;
  }
  if (!get_int(p, "batch.size", nullptr, 1, INT32_MAX, c.batch_size, errstr)) return false;
  if (!get_int_as(p, "batch.num.messages", nullptr, 1, 1000000, c.batch_num_messages, errstr)) return false;
  if (!get_int(p, "queue.buffering.max.messages", nullptr, 0, INT32_MAX, c.queue_max_messages, errstr)) return false;
  if (!get_int(p, "queue.buffering.max.kbytes", nullptr, 1, INT32_MAX, c.queue_max_kbytes, errstr)) return false;
  // The global codec: compression.codec / compression.type (librdkafka aliases).
  if (const std::string* v = find(p, "compression.codec", "compression.type")) {
    if (*v == "inherit") {
    } else if (auto comp = parse_compression(*v)) {
      c.compression = *comp;
    } else {
      return bad(errstr, "compression.codec", *v, "expected none, gzip, snappy, lz4 or zstd");
    }
  }
  if (!get_int_as(p, "retries", "message.send.max.retries", 0, INT32_MAX, c.retries, errstr)) return false;
  if (!get_int(p, "retry.backoff.ms", nullptr, 1, 300000, c.retry_backoff_ms, errstr)) return false;
  if (!get_int_as(p, "max.in.flight", "max.in.flight.requests.per.connection", 1, 1000000, c.max_in_flight, errstr))
    return false;
  if (!get_int(p, "message.max.bytes", nullptr, 1000, 1000000000, c.message_max_bytes, errstr)) return false;
  if (!get_bool(p, "enable.idempotence", nullptr, c.idempotence, errstr)) return false;
  if (!get_bool(p, "enable.gapless.guarantee", nullptr, c.gapless, errstr)) return false;
  if (!get_int(p, "sticky.partitioning.linger.ms", nullptr, 0, 900000, c.sticky_linger_ms, errstr)) return false;
  if (!get_int(p, "metadata.max.age.ms", nullptr, 1, 86400000, c.metadata_max_age_ms, errstr)) return false;
  if (!get_int(p, "topic.metadata.refresh.interval.ms", nullptr, -1, 3600000, c.metadata_refresh_interval_ms, errstr))
    return false;
  if (!get_int(p, "topic.metadata.propagation.max.ms", nullptr, 0, 3600000, c.metadata_propagation_max_ms, errstr))
    return false;
  if (!get_int(p, "reconnect.backoff.ms", nullptr, 0, 3600000, c.reconnect_backoff_ms, errstr)) return false;
  if (!get_int(p, "reconnect.backoff.max.ms", nullptr, 0, 3600000, c.reconnect_backoff_max_ms, errstr)) return false;
  if (!get_int(p, "socket.timeout.ms", nullptr, 10, 300000, c.socket_timeout_ms, errstr)) return false;
  if (!get_int(p, "connections.max.idle.ms", nullptr, 0, INT32_MAX, c.connections_max_idle_ms, errstr)) return false;
  if (!get_bool(p, "socket.nagle.disable", nullptr, c.nagle_disable, errstr)) return false;
  if (!get_int_as(p, "socket.send.buffer.bytes", nullptr, 0, 100000000, c.socket_send_buffer, errstr)) return false;
  if (!get_int_as(p, "socket.receive.buffer.bytes", nullptr, 0, 100000000, c.socket_receive_buffer, errstr))
    return false;
  if (!get_bool(p, "api.version.request", nullptr, c.api_version_request, errstr)) return false;
  if (!get_int(p, "api.version.request.timeout.ms", nullptr, 10, 300000, c.api_version_request_timeout_ms, errstr))
    return false;
  if (!get_bool(p, "delivery.report.only.error", nullptr, c.dr_only_error, errstr)) return false;
  if (!get_int(p, "statistics.interval.ms", nullptr, 0, 86400000, c.statistics_interval_ms, errstr)) return false;
  if (!get_int_as(p, "log_level", nullptr, 0, 7, c.log_level, errstr)) return false;
  if (const std::string* v = find(p, "debug")) c.debug = *v;
  if (!get_bool(p, "allow.auto.create.topics", nullptr, c.allow_auto_create_topics, errstr)) return false;
  if (const std::string* v = find(p, "isolation.level")) {
    if (*v == "read_committed") c.isolation_level = 1;
    else if (*v == "read_uncommitted") c.isolation_level = 0;
    else return bad(errstr, "isolation.level", *v, "expected read_committed or read_uncommitted");
  }
  if (!parse_security_config(p, c.security, errstr)) return false;
  if (const std::string* v = find(p, "transactional.id"); v && !v->empty()) {
    c.transactional_id = *v;
    c.idempotence = true;  // as librdkafka: a transactional producer is idempotent
  }
  if (!get_int_as(p, "transaction.timeout.ms", nullptr, 1000, INT32_MAX, c.transaction_timeout_ms, errstr))
    return false;

  if (!parse_topic_config(p, c.topic, errstr)) return false;
  // A topic-level "compression.type" in the global conf sets the global codec too when
  // compression.codec is absent (librdkafka aliases them).
  if (c.topic.compression && !find(p, "compression.codec")) c.compression = *c.topic.compression;
  if (!c.transactional_id.empty() &&
      (c.topic.message_timeout_ms == 0 || c.topic.message_timeout_ms > c.transaction_timeout_ms)) {
    // As librdkafka: a message must not outlive the transaction it belongs to.
    if (find(p, "message.timeout.ms", "delivery.timeout.ms")) {
      errstr = "`message.timeout.ms` must be set <= `transaction.timeout.ms`";
      return false;
    }
    c.topic.message_timeout_ms = c.transaction_timeout_ms;
  }

  if (c.idempotence) {
    // librdkafka: idempotence requires acks=all, max.in.flight <= 5, retries > 0.
    bool acks_set = find(p, "request.required.acks", "acks") != nullptr;
    if (acks_set && c.topic.acks != -1) {
      errstr = "`acks` must be set to `all` when `enable.idempotence` is true";
      return false;
    }
    c.topic.acks = -1;
    bool mif_set = find(p, "max.in.flight", "max.in.flight.requests.per.connection") != nullptr;
    if (mif_set && c.max_in_flight > 5) {
      errstr = "`max.in.flight` must be set <= 5 when `enable.idempotence` is true";
      return false;
    }
    if (!mif_set) c.max_in_flight = 5;
    if (find(p, "retries", "message.send.max.retries") && c.retries < 1) {
      errstr = "`retries` must be set >= 1 when `enable.idempotence` is true";
      return false;
    }
  }
  if (c.bootstrap.empty()) {
    // librdkafka allows a producer without brokers (it then times out messages); so do we.
  }
  return true;
}

bool parse_consumer_config(const Properties& p, ConsumerConfig& c, std::string& errstr) {
  if (const std::string* v = find(p, "group.id")) c.group_id = *v;
  if (const std::string* v = find(p, "group.instance.id"); v && !v->empty()) c.group_instance_id = *v;
  if (const std::string* v = find(p, "client.id")) c.client_id = *v;
  if (!get_int_as(p, "session.timeout.ms", nullptr, 1, 3600000, c.session_timeout_ms, errstr)) return false;
  if (!get_int_as(p, "heartbeat.interval.ms", nullptr, 1, 3600000, c.heartbeat_interval_ms, errstr)) return false;
  if (!get_int_as(p, "max.poll.interval.ms", nullptr, 1, 86400000, c.max_poll_interval_ms, errstr)) return false;
  if (const std::string* v = find(p, "partition.assignment.strategy")) {
    std::vector<std::string> names;
    std::string cur;
    for (char ch : *v + ",") {
      if (ch == ',' || ch == ' ' || ch == '\t') {
        if (!cur.empty()) names.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(ch);
      }
    }
    if (names.empty()) return bad(errstr, "partition.assignment.strategy", *v, "expected a list of assignors");
    bool cooperative = false, eager = false;
    for (auto& n : names) {
      if (n == "cooperative-sticky") cooperative = true;
      else if (n == "range" || n == "roundrobin") eager = true;
      else return bad(errstr, "partition.assignment.strategy", *v, "unknown assignor (range, roundrobin, cooperative-sticky)");
    }
    if (cooperative && eager) {
      // librdkafka refuses to mix protocols: the rebalance protocol must be one.
      errstr = "Configuration property \"partition.assignment.strategy\": mixing cooperative and eager assignors is not supported";
      return false;
    }
    c.assignment_strategies = std::move(names);
  }
  if (!get_bool(p, "enable.auto.commit", nullptr, c.enable_auto_commit, errstr)) return false;
  if (!get_int_as(p, "auto.commit.interval.ms", nullptr, 0, 86400000, c.auto_commit_interval_ms, errstr)) return false;
  if (!get_bool(p, "enable.auto.offset.store", nullptr, c.enable_auto_offset_store, errstr)) return false;
  if (const std::string* v = find(p, "auto.offset.reset")) {
    if (*v == "smallest" || *v == "earliest" || *v == "beginning") c.auto_offset_reset = OffsetReset::Earliest;
    else if (*v == "largest" || *v == "latest" || *v == "end") c.auto_offset_reset = OffsetReset::Latest;
    else if (*v == "error") c.auto_offset_reset = OffsetReset::Error;
    else return bad(errstr, "auto.offset.reset", *v, "expected smallest, earliest, beginning, largest, latest, end or error");
  }
  if (!get_bool(p, "enable.partition.eof", nullptr, c.enable_partition_eof, errstr)) return false;
  if (!get_bool(p, "check.crcs", nullptr, c.check_crcs, errstr)) return false;
  if (!get_int_as(p, "queued.min.messages", nullptr, 1, 10000000, c.queued_min_messages, errstr)) return false;
  if (!get_int_as(p, "queued.max.messages.kbytes", nullptr, 1, 2097151, c.queued_max_messages_kbytes, errstr))
    return false;
  if (!get_int_as(p, "fetch.min.bytes", nullptr, 1, 100000000, c.fetch_min_bytes, errstr)) return false;
  if (!get_int_as(p, "fetch.wait.max.ms", nullptr, 0, 300000, c.fetch_wait_max_ms, errstr)) return false;
  if (!get_int_as(p, "fetch.max.bytes", nullptr, 0, 2147483135, c.fetch_max_bytes, errstr)) return false;
  if (!get_int_as(p, "max.partition.fetch.bytes", "fetch.message.max.bytes", 1, 1000000000,
                  c.max_partition_fetch_bytes, errstr))
    return false;
  if (!get_int_as(p, "fetch.error.backoff.ms", nullptr, 0, 300000, c.fetch_error_backoff_ms, errstr)) return false;
  if (const std::string* v = find(p, "isolation.level")) {
    if (*v == "read_committed") c.isolation_level = 1;
    else if (*v == "read_uncommitted") c.isolation_level = 0;
    else return bad(errstr, "isolation.level", *v, "expected read_committed or read_uncommitted");
  }
  if (!get_bool(p, "allow.auto.create.topics", nullptr, c.allow_auto_create_topics, errstr)) return false;
  if (!get_int(p, "topic.metadata.refresh.interval.ms", nullptr, -1, 3600000, c.metadata_refresh_interval_ms, errstr))
    return false;
  if (!get_int_as(p, "coordinator.query.interval.ms", nullptr, 1, 3600000, c.coordinator_query_interval_ms, errstr))
    return false;
  if (const std::string* v = find(p, "group.protocol.type")) {
    if (v->empty()) return bad(errstr, "group.protocol.type", *v, "must not be empty");
    c.group_protocol_type = *v;
  }
  if (c.heartbeat_interval_ms >= c.session_timeout_ms) {
    errstr = "`heartbeat.interval.ms` must be less than `session.timeout.ms`";
    return false;
  }
  if (c.max_poll_interval_ms < c.session_timeout_ms) {
    // librdkafka: "`max.poll.interval.ms`must be >= `session.timeout.ms`"
    errstr = "`max.poll.interval.ms`must be >= `session.timeout.ms`";
    return false;
  }
  if (c.fetch_max_bytes < c.max_partition_fetch_bytes && find(p, "fetch.max.bytes")) {
    errstr = "`fetch.max.bytes` must be >= `max.partition.fetch.bytes`";
    return false;
  }
  return true;
}

}  // namespace kafka::client
