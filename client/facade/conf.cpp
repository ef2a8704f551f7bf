// Configuration objects of the C API: rd_kafka_conf_t / rd_kafka_topic_conf_t.
//
// The property table follows librdkafka 2.0.2's CONFIGURATION.md: the same names, aliases,
// types, ranges, defaults and enumerated values, and the same validation and error texts.
// Properties of features kafkaplus lacks (GSSAPI, plugins, PKCS#12 keystores, ...) are rejected the
// way a librdkafka build without that feature rejects them; consumer properties are accepted and
// stored. TLS and SASL PLAIN/SCRAM are implemented (client/src/tls.cpp, connection.cpp).
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <strings.h>

#include "internal.h"

namespace kafkaplus::facade {
namespace {

constexpr const char* kNoSslExtra = "not implemented by kafkaplus (TLS uses PEM files or ssl.*.pem strings)";
constexpr const char* kNoGssapi = "GSSAPI (Kerberos) is not implemented by kafkaplus: use PLAIN or SCRAM";
constexpr const char* kNoOauth = "SASL OAUTHBEARER is not implemented by kafkaplus yet";
constexpr const char* kNoPlugins = "libdl/dlopen(3) not available at build time";
constexpr const char* kNoHttp = "libcurl not available at build time";
constexpr const char* kNoRegex = "regular expressions are not implemented by kafkaplus yet";

bool validate_partitioner(const char* v) {
  static const char* const names[] = {"random",  "consistent",     "consistent_random", "murmur2",
                                      "murmur2_random", "fnv1a", "fnv1a_random"};
  for (const char* n : names)
    if (std::strcmp(v, n) == 0) return true;
  return false;
}

// A single SASL mechanism name: no list delimiters.
bool validate_single(const char* v) { return !std::strchr(v, ',') && !std::strchr(v, ' '); }

// broker.version.fallback: a dotted version number such as 0.9.0 or 2.8.1.
bool validate_broker_version(const char* v) {
  int parts = 0;
  const char* p = v;
  while (*p) {
    if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
    while (std::isdigit(static_cast<unsigned char>(*p))) ++p;
    ++parts;
    if (*p == '.') {
      ++p;
      if (!*p) return false;
    } else if (*p) {
      return false;
    }
  }
  return parts >= 2;
}

constexpr int G = kGlobal;
constexpr int T = kTopic;
constexpr int P = kProducer;
constexpr int C = kConsumer;
constexpr int CG = kCgrp | kConsumer;

PropDef Str(int scope, const char* name, const char* def = nullptr, const char* unsupported = nullptr) {
  PropDef d{scope, name, PType::Str};
  d.sdef = def;
  d.unsupported = unsupported;
  return d;
}
PropDef Int(int scope, const char* name, int vmin, int vmax, int vdef, const char* unsupported = nullptr) {
  PropDef d{scope, name, PType::Int, vmin, vmax, vdef};
  d.unsupported = unsupported;
  return d;
}
PropDef Bool(int scope, const char* name, bool def, const char* unsupported = nullptr) {
  PropDef d{scope, name, PType::Bool, 0, 1, def ? 1 : 0};
  d.unsupported = unsupported;
  return d;
}
PropDef Ptr(int scope, const char* name, const char* unsupported = nullptr) {
  PropDef d{scope, name, PType::Ptr};
  d.unsupported = unsupported;
  return d;
}
PropDef Alias(int scope, const char* name, const char* target) {
  PropDef d{scope, name, PType::Alias};
  d.sdef = target;
  return d;
}
PropDef Enum(int scope, const char* name, int vdef, std::vector<S2IEntry> values,
             const char* unsupported = nullptr) {
  PropDef d{scope, name, PType::S2I};
  d.vdef = vdef;
  d.s2i = std::move(values);
  d.unsupported = unsupported;
  return d;
}

std::vector<PropDef> build_table() {
  std::vector<PropDef> t;
  auto add = [&](PropDef d) { t.push_back(std::move(d)); };

  // ---- global ----
  {
    PropDef d{G, "builtin.features", PType::S2F, 0, 0x7fffffff, 0xffff};
    d.s2i = {{0x1, "gzip"},
             {0x2, "snappy"},
             {0x4, "ssl"},
             {0x8, "sasl"},
             {0x10, "regex", kNoRegex},
             {0x20, "lz4"},
             {0x40, "sasl_gssapi", kNoGssapi},
             {0x80, "sasl_plain"},
             {0x100, "sasl_scram"},
             {0x200, "plugins", kNoPlugins},
             {0x400, "zstd"},
             {0x800, "sasl_oauthbearer", kNoOauth},
             {0x1000, "http", kNoHttp},
             {0x2000, "oidc", kNoHttp}};
    add(d);
  }
  add(Str(G, "client.id", "rdkafka"));
  add(Str(G | kHidden, "client.software.name", "kafkaplus"));
  add(Str(G | kHidden, "client.software.version"));
  add(Str(G, "metadata.broker.list"));
  add(Alias(G, "bootstrap.servers", "metadata.broker.list"));
  add(Int(G, "message.max.bytes", 1000, 1000000000, 1000000));
  add(Int(G, "message.copy.max.bytes", 0, 1000000000, 0xffff));
  add(Int(G, "receive.message.max.bytes", 1000, INT_MAX, 100000000));
  add(Int(G, "max.in.flight.requests.per.connection", 1, 1000000, 1000000));
  add(Alias(G, "max.in.flight", "max.in.flight.requests.per.connection"));
  add(Int(G | kDeprecated | kHidden, "metadata.request.timeout.ms", 10, 900 * 1000, 10));
  add(Int(G, "topic.metadata.refresh.interval.ms", -1, 3600 * 1000, 5 * 60 * 1000));
  add(Int(G, "metadata.max.age.ms", 1, 24 * 3600 * 1000, 15 * 60 * 1000));
  add(Int(G, "topic.metadata.refresh.fast.interval.ms", 1, 60 * 1000, 250));
  add(Int(G | kDeprecated, "topic.metadata.refresh.fast.cnt", 0, 1000, 10));
  add(Bool(G, "topic.metadata.refresh.sparse", true));
  add(Int(G, "topic.metadata.propagation.max.ms", 0, 3600 * 1000, 30 * 1000));
  {
    PropDef d{G, "topic.blacklist", PType::PatList};
    add(d);
  }
  {
    PropDef d{G, "debug", PType::S2F};
    d.s2i = {{0x1, "generic"},     {0x2, "broker"},   {0x4, "topic"},       {0x8, "metadata"},
             {0x10, "feature"},    {0x20, "queue"},   {0x40, "msg"},        {0x80, "protocol"},
             {0x100, "cgrp"},      {0x200, "security"}, {0x400, "fetch"},   {0x800, "interceptor"},
             {0x1000, "plugin"},   {0x2000, "consumer"}, {0x4000, "admin"}, {0x8000, "eos"},
             {0x10000, "mock"},    {0x20000, "assignor"}, {0x40000, "conf"}, {0xfffff, "all"}};
    add(d);
  }
  add(Int(G, "socket.timeout.ms", 10, 300 * 1000, 60 * 1000));
  add(Int(G | kDeprecated, "socket.blocking.max.ms", 1, 60 * 1000, 1000));
  add(Int(G, "socket.send.buffer.bytes", 0, 100000000, 0));
  add(Int(G, "socket.receive.buffer.bytes", 0, 100000000, 0));
  add(Bool(G, "socket.keepalive.enable", false));
  add(Bool(G, "socket.nagle.disable", false));
  add(Int(G, "socket.max.fails", 0, 1000000, 1));
  add(Int(G, "broker.address.ttl", 0, 86400 * 1000, 1000));
  add(Enum(G, "broker.address.family", 0, {{0, "any"}, {2, "v4"}, {10, "v6"}}));
  add(Int(G, "socket.connection.setup.timeout.ms", 1000, INT_MAX, 30 * 1000));
  add(Int(G, "connections.max.idle.ms", 0, INT_MAX, 0));
  add(Bool(G | kHidden, "enable.sparse.connections", true));
  add(Int(G | kDeprecated, "reconnect.backoff.jitter.ms", 0, 3600 * 1000, 0));
  add(Int(G, "reconnect.backoff.ms", 0, 3600 * 1000, 100));
  add(Int(G, "reconnect.backoff.max.ms", 0, 3600 * 1000, 10 * 1000));
  add(Int(G, "statistics.interval.ms", 0, 86400 * 1000, 0));
  add(Int(G, "enabled_events", 0, INT_MAX, 0));
  add(Ptr(G, "error_cb"));
  add(Ptr(G, "throttle_cb"));
  add(Ptr(G, "stats_cb"));
  add(Ptr(G, "log_cb"));
  add(Int(G, "log_level", 0, 7, 6));
  add(Bool(G, "log.queue", false));
  add(Bool(G, "log.thread.name", true));
  add(Bool(G, "enable.random.seed", true));
  add(Bool(G, "log.connection.close", true));
  add(Ptr(G, "background_event_cb"));
  add(Ptr(G, "socket_cb"));
  add(Ptr(G, "connect_cb"));
  add(Ptr(G, "closesocket_cb"));
  add(Ptr(G, "open_cb"));
  add(Ptr(G, "resolve_cb"));
  add(Ptr(G, "opaque"));
  add(Ptr(G, "default_topic_conf"));
  add(Int(G, "internal.termination.signal", 0, 128, 0));
  add(Bool(G, "api.version.request", true));
  add(Int(G, "api.version.request.timeout.ms", 1, 5 * 60 * 1000, 10 * 1000));
  add(Int(G, "api.version.fallback.ms", 0, 86400 * 7 * 1000, 0));
  {
    PropDef d = Str(G, "broker.version.fallback", "0.10.0");
    d.validate = validate_broker_version;
    add(d);
  }
  add(Bool(G, "allow.auto.create.topics", false));

  // Security: TLS (OpenSSL) and SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, parsed by the core
  // (client/src/config.cpp); GSSAPI, OAUTHBEARER, keystores and engines are not implemented.
  add(Enum(G, "security.protocol", 0, {{0, "plaintext"}, {1, "ssl"}, {2, "sasl_plaintext"}, {3, "sasl_ssl"}}));
  for (const char* n : {"ssl.cipher.suites", "ssl.curves.list", "ssl.sigalgs.list"}) add(Str(G, n));
  for (const char* n : {"ssl.key.location", "ssl.key.password", "ssl.key.pem"}) add(Str(G | kSensitive, n));
  {
    PropDef d{G | kSensitive, "ssl_key", PType::Internal};
    d.unsupported = kNoSslExtra;
    add(d);
  }
  add(Str(G, "ssl.certificate.location"));
  add(Str(G, "ssl.certificate.pem"));
  {
    PropDef d{G, "ssl_certificate", PType::Internal};
    d.unsupported = kNoSslExtra;
    add(d);
  }
  add(Str(G, "ssl.ca.location"));
  add(Str(G | kSensitive, "ssl.ca.pem"));
  {
    PropDef d{G, "ssl_ca", PType::Internal};
    d.unsupported = kNoSslExtra;
    add(d);
  }
  add(Str(G, "ssl.ca.certificate.stores", "Root", "configuration only valid on Windows"));
  add(Str(G, "ssl.crl.location"));
  add(Str(G, "ssl.keystore.location", nullptr, kNoSslExtra));
  add(Str(G | kSensitive, "ssl.keystore.password", nullptr, kNoSslExtra));
  add(Str(G, "ssl.providers", nullptr, kNoSslExtra));
  add(Str(G | kDeprecated, "ssl.engine.location", nullptr, kNoSslExtra));
  add(Str(G, "ssl.engine.id", "dynamic", kNoSslExtra));
  add(Ptr(G, "ssl_engine_callback_data", kNoSslExtra));
  add(Bool(G, "enable.ssl.certificate.verification", true));
  add(Enum(G, "ssl.endpoint.identification.algorithm", 1, {{0, "none"}, {1, "https"}}));
  add(Ptr(G, "ssl.certificate.verify_cb", kNoSslExtra));
  {
    PropDef d{G, "ssl.truststore.location", PType::Invalid};
    d.sdef =
        "Java TrustStores are not supported, use `ssl.ca.location` and a certificate file instead. "
        "See https://github.com/edenhill/librdkafka/wiki/Using-SSL-with-librdkafka for more information.";
    add(d);
  }
  {
    PropDef d{G, "sasl.jaas.config", PType::Invalid};
    d.sdef =
        "Java JAAS configuration is not supported, see "
        "https://github.com/edenhill/librdkafka/wiki/Using-SASL-with-librdkafka for more information.";
    add(d);
  }
  {
    PropDef d = Str(G, "sasl.mechanisms", "GSSAPI");
    d.validate = validate_single;
    add(d);
  }
  add(Alias(G, "sasl.mechanism", "sasl.mechanisms"));
  add(Str(G, "sasl.kerberos.service.name", "kafka"));
  add(Str(G, "sasl.kerberos.principal", "kafkaclient"));
  add(Str(G, "sasl.kerberos.kinit.cmd",
          "kinit -R -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal} || "
          "kinit -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal}"));
  add(Str(G, "sasl.kerberos.keytab"));
  add(Int(G, "sasl.kerberos.min.time.before.relogin", 0, 86400 * 1000, 60 * 1000));
  add(Str(G | kSensitive, "sasl.username"));
  add(Str(G | kSensitive, "sasl.password"));
  add(Str(G | kSensitive, "sasl.oauthbearer.config"));
  add(Bool(G, "enable.sasl.oauthbearer.unsecure.jwt", false));
  add(Ptr(G, "oauthbearer_token_refresh_cb"));
  add(Bool(G | kHidden, "enable_sasl_queue", false));
  add(Enum(G, "sasl.oauthbearer.method", 0, {{0, "default"}, {1, "oidc", kNoHttp}}));
  for (const char* n : {"sasl.oauthbearer.client.id", "sasl.oauthbearer.client.secret", "sasl.oauthbearer.scope",
                        "sasl.oauthbearer.extensions", "sasl.oauthbearer.token.endpoint.url"})
    add(Str(G, n, nullptr, kNoHttp));
  add(Str(G, "plugin.library.paths", nullptr, kNoPlugins));
  add(PropDef{G, "interceptors", PType::Internal});

  // ---- global consumer group / consumer (stored for the consumer to come) ----
  add(Str(G | CG, "group.id"));
  add(Str(G | CG, "group.instance.id"));
  add(Str(G | CG, "partition.assignment.strategy", "range,roundrobin"));
  add(Int(G | CG, "session.timeout.ms", 1, 3600 * 1000, 45 * 1000));
  add(Int(G | CG, "heartbeat.interval.ms", 1, 3600 * 1000, 3 * 1000));
  {
    PropDef d{G | CG, "group.protocol.type", PType::KStr};
    d.sdef = "consumer";
    add(d);
  }
  add(Int(G | CG, "coordinator.query.interval.ms", 1, 3600 * 1000, 10 * 60 * 1000));
  add(Int(G | C, "max.poll.interval.ms", 1, 86400 * 1000, 300000));
  add(Bool(G | C, "enable.auto.commit", true));
  add(Int(G | C, "auto.commit.interval.ms", 0, 86400 * 1000, 5 * 1000));
  add(Bool(G | C, "enable.auto.offset.store", true));
  add(Int(G | C, "queued.min.messages", 1, 10000000, 100000));
  add(Int(G | C, "queued.max.messages.kbytes", 1, INT_MAX / 1024, 0x10000));
  add(Int(G | C, "fetch.wait.max.ms", 0, 300 * 1000, 500));
  add(Int(G | C, "fetch.message.max.bytes", 1, 1000000000, 1024 * 1024));
  add(Alias(G | C, "max.partition.fetch.bytes", "fetch.message.max.bytes"));
  add(Int(G | C, "fetch.max.bytes", 0, INT_MAX - 512, 50 * 1024 * 1024));
  add(Int(G | C, "fetch.min.bytes", 1, 100000000, 1));
  add(Int(G | C, "fetch.error.backoff.ms", 0, 300 * 1000, 500));
  add(Enum(G | C | kDeprecated, "offset.store.method", 2, {{0, "none"}, {1, "file"}, {2, "broker"}}));
  add(Enum(G | C, "isolation.level", 1, {{0, "read_uncommitted"}, {1, "read_committed"}}));
  add(Ptr(G | C, "consume_cb"));
  add(Ptr(G | C, "rebalance_cb"));
  add(Ptr(G | C, "offset_commit_cb"));
  add(Bool(G | C, "enable.partition.eof", false));
  add(Bool(G | C, "check.crcs", false));
  {
    PropDef d{G, "client.rack", PType::KStr};
    d.sdef = "";
    add(d);
  }

  // ---- global producer ----
  add(Str(G | P, "transactional.id"));
  add(Int(G | P, "transaction.timeout.ms", 1000, INT_MAX, 60000));
  add(Bool(G | P, "enable.idempotence", false));
  add(Bool(G | P | kExperimental, "enable.gapless.guarantee", false));
  add(Int(G | P, "queue.buffering.max.messages", 0, INT_MAX, 100000));
  add(Int(G | P, "queue.buffering.max.kbytes", 1, INT_MAX, 0x100000));
  {
    PropDef d{G | P, "queue.buffering.max.ms", PType::Dbl};
    d.dmin = 0;
    d.dmax = 900.0 * 1000.0;
    d.ddef = 5.0;
    add(d);
  }
  add(Alias(G | P, "linger.ms", "queue.buffering.max.ms"));
  add(Int(G | P, "message.send.max.retries", 0, INT32_MAX, INT32_MAX));
  add(Alias(G | P, "retries", "message.send.max.retries"));
  add(Int(G | P, "retry.backoff.ms", 1, 300 * 1000, 100));
  add(Int(G | P, "queue.buffering.backpressure.threshold", 1, 1000000, 1));
  add(Enum(G | P, "compression.codec", 0, {{0, "none"}, {1, "gzip"}, {2, "snappy"}, {3, "lz4"}, {4, "zstd"}}));
  add(Alias(G | P, "compression.type", "compression.codec"));
  add(Int(G | P, "batch.num.messages", 1, 1000000, 10000));
  add(Int(G | P, "batch.size", 1, INT_MAX, 1000000));
  add(Bool(G | P, "delivery.report.only.error", false));
  add(Ptr(G | P, "dr_cb"));
  add(Ptr(G | P, "dr_msg_cb"));
  add(Int(G | P, "sticky.partitioning.linger.ms", 0, 900000, 10));

  // ---- topic producer ----
  {
    PropDef d = Int(T | P, "request.required.acks", -1, 1000, -1);
    d.s2i = {{-1, "all"}};
    add(d);
  }
  add(Alias(T | P, "acks", "request.required.acks"));
  add(Int(T | P, "request.timeout.ms", 1, 900 * 1000, 30 * 1000));
  add(Int(T | P, "message.timeout.ms", 0, INT32_MAX, 300 * 1000));
  add(Alias(T | P, "delivery.timeout.ms", "message.timeout.ms"));
  add(Enum(T | P | kDeprecated | kExperimental, "queuing.strategy", 0, {{0, "fifo"}, {1, "lifo"}}));
  add(Bool(T | P | kDeprecated, "produce.offset.report", false));
  {
    PropDef d = Str(T | P, "partitioner", "consistent_random");
    d.validate = validate_partitioner;
    add(d);
  }
  add(Ptr(T | P, "partitioner_cb"));
  add(Ptr(T | P | kDeprecated | kExperimental, "msg_order_cmp"));
  add(Ptr(T, "opaque"));
  add(Enum(T | P, "compression.codec", 5,
           {{0, "none"}, {1, "gzip"}, {2, "snappy"}, {3, "lz4"}, {4, "zstd"}, {5, "inherit"}}));
  add(Alias(T | P, "compression.type", "compression.codec"));
  add(Int(T | P, "compression.level", -1, 12, -1));

  // ---- topic consumer (legacy) ----
  add(Bool(T | C | kDeprecated, "auto.commit.enable", true));
  add(Alias(T | C, "enable.auto.commit", "auto.commit.enable"));
  add(Int(T | C, "auto.commit.interval.ms", 10, 86400 * 1000, 60 * 1000));
  add(Enum(T | C, "auto.offset.reset", -1,
           {{-2, "smallest"}, {-2, "earliest"}, {-2, "beginning"}, {-1, "largest"}, {-1, "latest"}, {-1, "end"},
            {-1001, "error"}}));
  add(Str(T | C | kDeprecated, "offset.store.path", "."));
  add(Int(T | C | kDeprecated, "offset.store.sync.interval.ms", -1, 86400 * 1000, -1));
  add(Enum(T | C | kDeprecated, "offset.store.method", 2, {{1, "file"}, {2, "broker"}}));
  add(Int(T | C, "consume.callback.max.messages", 0, 1000000, 0));
  return t;
}

std::string vformat(const char* fmt, va_list ap) {
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  return buf;
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vformat(fmt, ap);
  va_end(ap);
  return s;
}

int s2i_find(const PropDef& p, const char* value) {
  for (size_t i = 0; i < p.s2i.size(); i++)
    if (strcasecmp(p.s2i[i].str, value) == 0) return static_cast<int>(i);
  return -1;
}

// The flag names set in ival, comma-separated (unsupported ones left out).
std::string flags_to_string(const PropDef& p, int ival) {
  std::string out;
  for (const auto& e : p.s2i) {
    if ((ival & e.val) != e.val || e.unsupported) continue;
    if (!out.empty()) out += ",";
    out += e.str;
  }
  return out;
}

void initialize_defaults(ConfValues& cv) {
  const auto& tab = properties();
  cv.v.assign(tab.size(), PropValue{});
  for (size_t i = 0; i < tab.size(); i++) {
    const PropDef& p = tab[i];
    if (!(p.scope & cv.scope)) continue;
    PropValue& pv = cv.v[i];
    switch (p.type) {
      case PType::Str:
      case PType::KStr:
        if (p.sdef) {
          pv.has = true;
          pv.str = p.sdef;
        }
        break;
      case PType::Int:
      case PType::Bool:
      case PType::S2I:
      case PType::S2F: pv.ival = p.vdef; break;
      case PType::Dbl: pv.dval = p.ddef; break;
      default: break;
    }
  }
}

}  // namespace

const std::vector<PropDef>& properties() {
  static const std::vector<PropDef> table = build_table();
  return table;
}

int find_property(int scope, std::string_view name) {
  const auto& tab = properties();
  for (int hops = 0; hops < 4; hops++) {
    int found = -1;
    for (size_t i = 0; i < tab.size(); i++) {
      if ((tab[i].scope & scope) && name == tab[i].name) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) return -1;
    if (tab[found].type != PType::Alias) return found;
    name = tab[found].sdef;
  }
  return -1;
}

void set_errstr(char* errstr, size_t size, const std::string& msg) {
  if (!errstr || size == 0) return;
  size_t n = std::min(msg.size(), size - 1);
  std::memcpy(errstr, msg.data(), n);
  errstr[n] = '\0';
}

ConfValues::ConfValues(int s) : scope(s) { initialize_defaults(*this); }

rd_kafka_conf_res_t ConfValues::set(std::string_view name, const char* value, char* errstr, size_t errstr_size) {
  const auto& tab = properties();
  int idx = -1;
  // Resolve the name within this scope, following aliases.
  {
    std::string_view n = name;
    for (int hops = 0; hops < 4 && idx < 0; hops++) {
      int found = -1;
      for (size_t i = 0; i < tab.size(); i++)
        if ((tab[i].scope & scope) && n == tab[i].name) {
          found = static_cast<int>(i);
          break;
        }
      if (found < 0) break;
      if (tab[found].type == PType::Alias) {
        n = tab[found].sdef;
        continue;
      }
      idx = found;
    }
  }
  if (idx < 0) {
    set_errstr(errstr, errstr_size, format("No such configuration property: \"%.*s\"", (int)name.size(), name.data()));
    return RD_KAFKA_CONF_UNKNOWN;
  }
  const PropDef& p = tab[idx];
  PropValue& pv = v[idx];
  if (value && !*value) value = nullptr;  // an empty string means "no value"

  auto fail = [&](const std::string& msg) {
    set_errstr(errstr, errstr_size, msg);
    return RD_KAFKA_CONF_INVALID;
  };

  if (p.unsupported)
    return fail(format("Configuration property \"%s\" not supported in this build: %s", p.name, p.unsupported));

  switch (p.type) {
    case PType::Str:
    case PType::KStr:
    case PType::PatList: {
      if (p.type == PType::Str && value)
        while (std::isspace(static_cast<unsigned char>(*value))) value++;
      if (p.validate && (!value || !p.validate(value)))
        return fail(format("Invalid value for configuration property \"%s\": %s", p.name, value ? value : "(null)"));
      pv.has = value != nullptr;
      pv.str = value ? value : "";
      pv.modified = true;
      return RD_KAFKA_CONF_OK;
    }
    case PType::Ptr:
      return fail(format("Property \"%s\" must be set through dedicated .._set_..() function", p.name));
    case PType::Bool: {
      if (!value) return fail(format("Bool configuration property \"%s\" cannot be set to empty value", p.name));
      int b;
      if (!strcasecmp(value, "true") || !strcasecmp(value, "t") || !std::strcmp(value, "1"))
        b = 1;
      else if (!strcasecmp(value, "false") || !strcasecmp(value, "f") || !std::strcmp(value, "0"))
        b = 0;
      else
        return fail(format("Expected bool value for \"%s\": true or false", p.name));
      pv.ival = b;
      pv.modified = true;
      return RD_KAFKA_CONF_OK;
    }
    case PType::Int: {
      if (!value)
        return fail(format("Integer configuration property \"%s\" cannot be set to empty value", p.name));
      char* end = nullptr;
      int ival = static_cast<int>(std::strtol(value, &end, 0));
      if (end == value) {
        int m = s2i_find(p, value);
        if (m < 0) return fail(format("Invalid value for configuration property \"%s\"", p.name));
        if (p.s2i[m].unsupported)
          return fail(format("Unsupported value \"%s\" for configuration property \"%s\": %s", value, p.name,
                             p.s2i[m].unsupported));
        ival = p.s2i[m].val;
      }
      if (ival < p.vmin || ival > p.vmax)
        return fail(format("Configuration property \"%s\" value %i is outside allowed range %i..%i\n", p.name, ival,
                           p.vmin, p.vmax));
      pv.ival = ival;
      pv.modified = true;
      return RD_KAFKA_CONF_OK;
    }
    case PType::Dbl: {
      if (!value)
        return fail(format("Float configuration property \"%s\" cannot be set to empty value", p.name));
      char* end = nullptr;
      double d = std::strtod(value, &end);
      if (end == value) return fail(format("Invalid value for configuration property \"%s\"", p.name));
      if (d < p.dmin || d > p.dmax)
        return fail(format("Configuration property \"%s\" value %g is outside allowed range %g..%g\n", p.name, d,
                           p.dmin, p.dmax));
      pv.dval = d;
      pv.modified = true;
      return RD_KAFKA_CONF_OK;
    }
    case PType::S2I:
    case PType::S2F: {
      if (!value) return fail(format("Configuration property \"%s\" cannot be set to empty value", p.name));
      std::string_view rest(value);
      int flags = pv.ival;
      bool any = false;
      while (true) {
        std::string_view tok;
        bool last = true;
        if (p.type == PType::S2F) {
          size_t comma = rest.find(',');
          tok = rest.substr(0, comma);
          last = comma == std::string_view::npos;
          rest = last ? std::string_view() : rest.substr(comma + 1);
        } else {
          tok = rest;
        }
        while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.front()))) tok.remove_prefix(1);
        while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.back()))) tok.remove_suffix(1);
        int mode = 0;  // 0 add/replace, -1 remove
        if (p.type == PType::S2F && !tok.empty() && (tok.front() == '+' || tok.front() == '-')) {
          mode = tok.front() == '-' ? -1 : 0;
          tok.remove_prefix(1);
        }
        if (!tok.empty()) {
          const S2IEntry* match = nullptr;
          for (const auto& e : p.s2i)
            if (std::strlen(e.str) == tok.size() && strncasecmp(e.str, tok.data(), tok.size()) == 0) {
              match = &e;
              break;
            }
          if (!match)
            return fail(format("Invalid value \"%.*s\" for configuration property \"%s\"", (int)tok.size(),
                               tok.data(), p.name));
          if (match->unsupported)
            return fail(format("Unsupported value \"%.*s\" for configuration property \"%s\": %s", (int)tok.size(),
                               tok.data(), p.name, match->unsupported));
          if (p.type == PType::S2I) {
            pv.ival = match->val;
            pv.modified = true;
            return RD_KAFKA_CONF_OK;
          }
          flags = mode < 0 ? (flags & ~match->val) : (flags | match->val);
          any = true;
        }
        if (last) break;
      }
      if (p.type == PType::S2I)  // only blanks
        return fail(format("Invalid value \"%s\" for configuration property \"%s\"", value, p.name));
      (void)any;
      pv.ival = flags;
      pv.modified = true;
      return RD_KAFKA_CONF_OK;
    }
    case PType::Internal: return fail(format("Internal property \"%s\" not settable", p.name));
    case PType::Invalid: return fail(p.sdef);
    case PType::Alias: break;
  }
  return fail(format("Invalid value for configuration property \"%s\"", p.name));
}

std::optional<std::string> ConfValues::get_string(int idx) const {
  const PropDef& p = properties()[idx];
  const PropValue& pv = v[idx];
  switch (p.type) {
    case PType::Str:
    case PType::KStr:
    case PType::PatList:
      if (!pv.has) return std::nullopt;
      return pv.str;
    case PType::Ptr: {
      if (!pv.ptr) return std::nullopt;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%p", pv.ptr);
      return std::string(buf);
    }
    case PType::Bool: return std::string(pv.ival ? "true" : "false");
    case PType::Int: return std::to_string(pv.ival);
    case PType::Dbl: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", pv.dval);
      return std::string(buf);
    }
    case PType::S2I:
      for (const auto& e : p.s2i)
        if (e.val == pv.ival) return std::string(e.str);
      return std::nullopt;
    case PType::S2F: return flags_to_string(p, pv.ival);
    default: return std::nullopt;
  }
}

rd_kafka_conf_res_t ConfValues::get(std::string_view name, char* dest, size_t* dest_size) const {
  int idx = find_property(scope, name);
  if (idx < 0) return RD_KAFKA_CONF_UNKNOWN;
  auto s = get_string(idx);
  if (!s) return RD_KAFKA_CONF_UNKNOWN;  // no value: reported like an unknown name, as librdkafka does
  if (dest && dest_size && *dest_size > 0) {
    size_t n = std::min(s->size(), *dest_size - 1);
    std::memcpy(dest, s->data(), n);
    dest[n] = '\0';
  }
  if (dest_size) *dest_size = s->size() + 1;
  return RD_KAFKA_CONF_OK;
}

void ConfValues::set_ptr(const char* name, void* p) {
  int idx = find_property(scope, name);
  if (idx < 0) return;
  v[idx].ptr = p;
  v[idx].has = p != nullptr;
  v[idx].modified = true;
}

void* ConfValues::ptr(const char* name) const {
  int idx = find_property(scope, name);
  return idx < 0 ? nullptr : v[idx].ptr;
}

int ConfValues::int_value(const char* name) const {
  int idx = find_property(scope, name);
  return idx < 0 ? 0 : v[idx].ival;
}

double ConfValues::dbl_value(const char* name) const {
  int idx = find_property(scope, name);
  return idx < 0 ? 0 : v[idx].dval;
}

bool ConfValues::is_modified(const char* name) const {
  int idx = find_property(scope, name);
  return idx >= 0 && v[idx].modified;
}

void ConfValues::dump(std::vector<std::string>& out) const {
  const auto& tab = properties();
  for (size_t i = 0; i < tab.size(); i++) {
    const PropDef& p = tab[i];
    if (!(p.scope & scope) || p.type == PType::Alias || p.type == PType::Invalid) continue;
    auto s = get_string(static_cast<int>(i));
    if (!s) continue;
    out.push_back(p.name);
    out.push_back(*s);
  }
}

void ConfValues::modified_properties(std::map<std::string, std::string>& out) const {
  const auto& tab = properties();
  for (size_t i = 0; i < tab.size(); i++) {
    const PropDef& p = tab[i];
    if (!(p.scope & scope) || !v[i].modified || p.type == PType::Ptr) continue;
    auto s = get_string(static_cast<int>(i));
    if (!s) {
      if (p.type == PType::Str || p.type == PType::KStr || p.type == PType::PatList) s = "";
      else continue;
    }
    out[p.name] = *s;
    for (const PropDef& a : tab)
      if (a.type == PType::Alias && (a.scope & scope) && std::strcmp(a.sdef, p.name) == 0) out[a.name] = *s;
  }
}

}  // namespace kafkaplus::facade

using kafkaplus::facade::ConfValues;
using kafkaplus::facade::properties;
using kafkaplus::facade::PType;

rd_kafka_conf_s::rd_kafka_conf_s(const rd_kafka_conf_s& o)
    : values(o.values),
      topic_conf(o.topic_conf ? new rd_kafka_topic_conf_s(*o.topic_conf) : nullptr),
      dr_cb(o.dr_cb),
      dr_msg_cb(o.dr_msg_cb),
      error_cb(o.error_cb),
      log_cb(o.log_cb),
      stats_cb(o.stats_cb),
      consume_cb(o.consume_cb),
      rebalance_cb(o.rebalance_cb),
      offset_commit_cb(o.offset_commit_cb),
      opaque(o.opaque) {
  if (o.values.ptr("default_topic_conf")) values.set_ptr("default_topic_conf", topic_conf);
}

rd_kafka_conf_s::~rd_kafka_conf_s() { delete topic_conf; }

extern "C" {

rd_kafka_conf_t* rd_kafka_conf_new(void) { return new rd_kafka_conf_s(); }

void rd_kafka_conf_destroy(rd_kafka_conf_t* conf) { delete conf; }

rd_kafka_conf_t* rd_kafka_conf_dup(const rd_kafka_conf_t* conf) { return new rd_kafka_conf_s(*conf); }

rd_kafka_conf_t* rd_kafka_conf_dup_filter(const rd_kafka_conf_t* conf, size_t filter_cnt, const char** filter) {
  auto* c = new rd_kafka_conf_s(*conf);
  const auto& tab = properties();
  auto filtered = [&](const char* name) {
    for (size_t f = 0; f < filter_cnt; f++)
      if (std::strncmp(name, filter[f], std::strlen(filter[f])) == 0) return true;
    return false;
  };
  rd_kafka_conf_s fresh;
  for (size_t i = 0; i < tab.size(); i++)
    if ((tab[i].scope & kafkaplus::facade::kGlobal) && filtered(tab[i].name)) c->values.v[i] = fresh.values.v[i];
  if (filtered("dr_cb")) c->dr_cb = nullptr;
  if (filtered("dr_msg_cb")) c->dr_msg_cb = nullptr;
  if (filtered("error_cb")) c->error_cb = nullptr;
  if (filtered("log_cb")) c->log_cb = rd_kafka_log_print;
  if (filtered("stats_cb")) c->stats_cb = nullptr;
  if (filtered("consume_cb")) c->consume_cb = nullptr;
  if (filtered("rebalance_cb")) c->rebalance_cb = nullptr;
  if (filtered("offset_commit_cb")) c->offset_commit_cb = nullptr;
  if (filtered("opaque")) c->opaque = nullptr;
  if (filtered("default_topic_conf")) {
    delete c->topic_conf;
    c->topic_conf = nullptr;
  }
  return c;
}

rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t* conf, const char* name, const char* value, char* errstr,
                                      size_t errstr_size) {
  rd_kafka_conf_res_t res = conf->values.set(name, value, errstr, errstr_size);
  if (res != RD_KAFKA_CONF_UNKNOWN) return res;
  // Not a global property: try it as a default topic property.
  if (!conf->topic_conf) conf->topic_conf = new rd_kafka_topic_conf_s();
  return conf->topic_conf->values.set(name, value, errstr, errstr_size);
}

void rd_kafka_conf_set_dr_cb(rd_kafka_conf_t* conf,
                             void (*dr_cb)(rd_kafka_t*, void*, size_t, rd_kafka_resp_err_t, void*, void*)) {
  conf->dr_cb = dr_cb;
  conf->values.set_ptr("dr_cb", reinterpret_cast<void*>(dr_cb));
}

void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t* conf,
                                 void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  conf->dr_msg_cb = dr_msg_cb;
  conf->values.set_ptr("dr_msg_cb", reinterpret_cast<void*>(dr_msg_cb));
}

void rd_kafka_conf_set_error_cb(rd_kafka_conf_t* conf, void (*error_cb)(rd_kafka_t*, int, const char*, void*)) {
  conf->error_cb = error_cb;
  conf->values.set_ptr("error_cb", reinterpret_cast<void*>(error_cb));
}

void rd_kafka_conf_set_log_cb(rd_kafka_conf_t* conf, void (*log_cb)(const rd_kafka_t*, int, const char*, const char*)) {
  conf->log_cb = log_cb;
  conf->values.set_ptr("log_cb", reinterpret_cast<void*>(log_cb));
}

void rd_kafka_conf_set_stats_cb(rd_kafka_conf_t* conf, int (*stats_cb)(rd_kafka_t*, char*, size_t, void*)) {
  conf->stats_cb = stats_cb;
  conf->values.set_ptr("stats_cb", reinterpret_cast<void*>(stats_cb));
}

void rd_kafka_conf_set_consume_cb(rd_kafka_conf_t* conf, void (*consume_cb)(rd_kafka_message_t*, void*)) {
  conf->consume_cb = consume_cb;
  conf->values.set_ptr("consume_cb", reinterpret_cast<void*>(consume_cb));
}

void rd_kafka_conf_set_rebalance_cb(rd_kafka_conf_t* conf,
                                    void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                         rd_kafka_topic_partition_list_t*, void*)) {
  conf->rebalance_cb = rebalance_cb;
  conf->values.set_ptr("rebalance_cb", reinterpret_cast<void*>(rebalance_cb));
}

void rd_kafka_conf_set_offset_commit_cb(rd_kafka_conf_t* conf,
                                        void (*offset_commit_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                                 rd_kafka_topic_partition_list_t*, void*)) {
  conf->offset_commit_cb = offset_commit_cb;
  conf->values.set_ptr("offset_commit_cb", reinterpret_cast<void*>(offset_commit_cb));
}

void rd_kafka_conf_set_opaque(rd_kafka_conf_t* conf, void* opaque) {
  conf->opaque = opaque;
  conf->values.set_ptr("opaque", opaque);
}

void rd_kafka_conf_set_default_topic_conf(rd_kafka_conf_t* conf, rd_kafka_topic_conf_t* tconf) {
  delete conf->topic_conf;
  conf->topic_conf = tconf;
  conf->values.set_ptr("default_topic_conf", tconf);
}

rd_kafka_conf_res_t rd_kafka_conf_get(const rd_kafka_conf_t* conf, const char* name, char* dest,
                                      size_t* dest_size) {
  rd_kafka_conf_res_t res = conf->values.get(name, dest, dest_size);
  if (res != RD_KAFKA_CONF_UNKNOWN || !conf->topic_conf) return res;
  return conf->topic_conf->values.get(name, dest, dest_size);
}

rd_kafka_conf_res_t rd_kafka_topic_conf_get(const rd_kafka_topic_conf_t* conf, const char* name, char* dest,
                                            size_t* dest_size) {
  return conf->values.get(name, dest, dest_size);
}

static const char** dump_array(const std::vector<std::string>& items, size_t* cntp) {
  auto** arr = static_cast<char**>(std::calloc(items.size() + 1, sizeof(char*)));
  for (size_t i = 0; i < items.size(); i++) arr[i] = strdup(items[i].c_str());
  *cntp = items.size();
  return const_cast<const char**>(arr);
}

const char** rd_kafka_conf_dump(rd_kafka_conf_t* conf, size_t* cntp) {
  std::vector<std::string> items;
  conf->values.dump(items);
  return dump_array(items, cntp);
}

const char** rd_kafka_topic_conf_dump(rd_kafka_topic_conf_t* conf, size_t* cntp) {
  std::vector<std::string> items;
  conf->values.dump(items);
  return dump_array(items, cntp);
}

void rd_kafka_conf_dump_free(const char** arr, size_t cnt) {
  for (size_t i = 0; i < cnt; i++) std::free(const_cast<char*>(arr[i]));
  std::free(const_cast<char**>(arr));
}

void rd_kafka_conf_properties_show(FILE* fp) {
  const auto& tab = properties();
  for (int pass = 0; pass < 2; pass++) {
    int scope = pass == 0 ? kafkaplus::facade::kGlobal : kafkaplus::facade::kTopic;
    std::fprintf(fp, "%s\n\n", pass == 0 ? "## Global configuration properties" : "## Topic configuration properties");
    std::fprintf(fp, "%-40s | C/P | %-30s | %s\n", "Property", "Range", "Default");
    std::fprintf(fp, "%s\n", std::string(100, '-').c_str());
    ConfValues defaults(scope);
    for (size_t i = 0; i < tab.size(); i++) {
      const auto& p = tab[i];
      if (!(p.scope & scope) || (p.scope & kafkaplus::facade::kHidden) || p.type == PType::Invalid) continue;
      const char* cp = (p.scope & kafkaplus::facade::kProducer) ? "P"
                       : (p.scope & kafkaplus::facade::kConsumer) ? "C"
                                                                  : "*";
      std::string range;
      switch (p.type) {
        case PType::Int: range = std::to_string(p.vmin) + " .. " + std::to_string(p.vmax); break;
        case PType::Dbl: {
          char b[64];
          std::snprintf(b, sizeof b, "%g .. %g", p.dmin, p.dmax);
          range = b;
          break;
        }
        case PType::Bool: range = "true, false"; break;
        case PType::S2I:
        case PType::S2F:
          for (const auto& e : p.s2i) {
            if (e.unsupported) continue;
            if (!range.empty()) range += ", ";
            range += e.str;
          }
          break;
        default: break;
      }
      std::string def;
      if (p.type == PType::Alias) {
        def = std::string("alias for ") + p.sdef;
      } else if (p.type != PType::Ptr) {
        auto s = defaults.get_string(static_cast<int>(i));
        if (s) def = *s;
      } else {
        def = "(set with a dedicated function)";
      }
      std::fprintf(fp, "%-40s |  %s  | %-30s | %s%s\n", p.name, cp, range.c_str(), def.c_str(),
                   p.unsupported ? "  [not supported in this build]" : "");
    }
    std::fprintf(fp, "\n");
  }
}

rd_kafka_topic_conf_t* rd_kafka_topic_conf_new(void) { return new rd_kafka_topic_conf_s(); }

rd_kafka_topic_conf_t* rd_kafka_topic_conf_dup(const rd_kafka_topic_conf_t* conf) {
  return new rd_kafka_topic_conf_s(*conf);
}

rd_kafka_topic_conf_t* rd_kafka_default_topic_conf_dup(rd_kafka_t* rk) {
  if (rk->conf.topic_conf) return new rd_kafka_topic_conf_s(*rk->conf.topic_conf);
  return new rd_kafka_topic_conf_s();
}

void rd_kafka_topic_conf_destroy(rd_kafka_topic_conf_t* topic_conf) { delete topic_conf; }

rd_kafka_conf_res_t rd_kafka_topic_conf_set(rd_kafka_topic_conf_t* conf, const char* name, const char* value,
                                            char* errstr, size_t errstr_size) {
  return conf->values.set(name, value, errstr, errstr_size);
}

void rd_kafka_topic_conf_set_opaque(rd_kafka_topic_conf_t* conf, void* rkt_opaque) {
  conf->opaque = rkt_opaque;
  conf->values.set_ptr("opaque", rkt_opaque);
}

void rd_kafka_topic_conf_set_partitioner_cb(rd_kafka_topic_conf_t* topic_conf,
                                            int32_t (*partitioner)(const rd_kafka_topic_t*, const void*, size_t,
                                                                   int32_t, void*, void*)) {
  topic_conf->partitioner = partitioner;
  topic_conf->values.set_ptr("partitioner_cb", reinterpret_cast<void*>(partitioner));
}

}  // extern "C"
