// Typed producer configuration parsed from librdkafka property names, with librdkafka's
// defaults. The facade validates names and ranges; parsing here still rejects malformed values
// with a librdkafka-style message so the core is safe to use directly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/compression.h"
#include "partitioner.h"

namespace kafka::client {

using Properties = std::map<std::string, std::string>;

// security.protocol and its TLS/SASL settings (librdkafka names and defaults).
enum class SecurityProtocol { Plaintext, Ssl, SaslPlaintext, SaslSsl };

class TlsContext;  // OpenSSL context (tls.h), built once per client from the ssl.* properties

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::Plaintext;
  std::string sasl_mechanism = "GSSAPI";        // sasl.mechanisms / sasl.mechanism
  std::string sasl_username, sasl_password;     // sasl.username / sasl.password
  std::string ca_location;                      // ssl.ca.location: file or directory; empty = system store
  std::string ca_pem;                           // ssl.ca.pem
  std::string certificate_location, certificate_pem;  // ssl.certificate.location / .pem (client cert)
  std::string key_location, key_pem, key_password;    // ssl.key.location / .pem / .password
  std::string crl_location;                     // ssl.crl.location
  std::string cipher_suites, curves_list, sigalgs_list;  // ssl.cipher.suites / ssl.curves.list / ssl.sigalgs.list
  bool verify_certificate = true;               // enable.ssl.certificate.verification
  bool verify_hostname = true;                  // ssl.endpoint.identification.algorithm=https (none: false)
  std::shared_ptr<TlsContext> tls;              // set by parse_producer_config for ssl / sasl_ssl

  bool uses_tls() const { return protocol == SecurityProtocol::Ssl || protocol == SecurityProtocol::SaslSsl; }
  bool uses_sasl() const {
    return protocol == SecurityProtocol::SaslPlaintext || protocol == SecurityProtocol::SaslSsl;
  }
};

// Builds the TLS client context (CA store, client certificate and key, ciphers, CRL). nullptr and
// a librdkafka-style message ("ssl.ca.location failed: ...") in errstr on failure. tls.cpp.
std::shared_ptr<TlsContext> make_tls_context(const SecurityConfig& sec, std::string& errstr);

// Topic-level properties (librdkafka's default_topic_conf / rd_kafka_topic_conf_t).
struct TopicConfig {
  int16_t acks = -1;                    // request.required.acks / acks
  int32_t request_timeout_ms = 30000;   // request.timeout.ms
  int64_t message_timeout_ms = 300000;  // message.timeout.ms / delivery.timeout.ms (0 = infinite)
  PartitionerKind partitioner = PartitionerKind::ConsistentRandom;
  std::optional<Compression> compression;  // nullopt: inherit the global codec
  int compression_level = -1;
};

struct ProducerConfig {
  std::vector<std::string> bootstrap;      // host:port
  std::string client_id = "rdkafka";
  double linger_ms = 5;                    // linger.ms / queue.buffering.max.ms
  int64_t batch_size = 1000000;
  int32_t batch_num_messages = 10000;
  int64_t queue_max_messages = 100000;     // queue.buffering.max.messages
  int64_t queue_max_kbytes = 1048576;      // queue.buffering.max.kbytes
  Compression compression = Compression::None;  // compression.codec / compression.type
  int32_t retries = INT32_MAX;             // retries / message.send.max.retries
  int64_t retry_backoff_ms = 100;
  int32_t max_in_flight = 1000000;         // max.in.flight(.requests.per.connection)
  int64_t message_max_bytes = 1000000;
  bool idempotence = false;                // enable.idempotence
  bool gapless = false;                    // enable.gapless.guarantee
  std::string transactional_id;            // non-empty: transactional producer (implies idempotence)
  int32_t transaction_timeout_ms = 60000;  // transaction.timeout.ms, sent in InitProducerId
  int64_t sticky_linger_ms = 10;           // sticky.partitioning.linger.ms
  int64_t metadata_max_age_ms = 900000;
  int64_t metadata_refresh_interval_ms = 300000;  // topic.metadata.refresh.interval.ms
  int64_t metadata_propagation_max_ms = 30000;    // topic.metadata.propagation.max.ms
  int64_t reconnect_backoff_ms = 100;
  int64_t reconnect_backoff_max_ms = 10000;
  int64_t socket_timeout_ms = 60000;
  int64_t connections_max_idle_ms = 0;
  bool nagle_disable = false;              // socket.nagle.disable
  int32_t socket_send_buffer = 0;
  int32_t socket_receive_buffer = 0;
  bool api_version_request = true;
  int64_t api_version_request_timeout_ms = 10000;
  bool dr_only_error = false;              // delivery.report.only.error
  int64_t statistics_interval_ms = 0;
  int log_level = 6;
  std::string debug;
  bool allow_auto_create_topics = true;
  int isolation_level = 1;                 // isolation.level (read_committed) for ListOffsets    // allow.auto.create.topics (producer default)
  SecurityConfig security;                 // security.protocol, ssl.*, sasl.*
  TopicConfig topic;                       // default topic config
};

// Consumer properties (librdkafka names and defaults). Connection-level properties
// (bootstrap.servers, client.id, socket.*, reconnect.*, ...) are parsed by parse_producer_config
// for the shared engine; this holds what only the consumer reads.
enum class OffsetReset { Earliest, Latest, Error };

struct ConsumerConfig {
  std::string group_id;                        // group.id (empty: no group)
  std::optional<std::string> group_instance_id;  // group.instance.id (KIP-345 static membership)
  std::string client_id = "rdkafka";
  int32_t session_timeout_ms = 45000;
  int32_t heartbeat_interval_ms = 3000;
  int32_t max_poll_interval_ms = 300000;
  std::vector<std::string> assignment_strategies{"range", "roundrobin"};  // partition.assignment.strategy
  bool enable_auto_commit = true;
  int32_t auto_commit_interval_ms = 5000;
  bool enable_auto_offset_store = true;
  OffsetReset auto_offset_reset = OffsetReset::Latest;
  bool enable_partition_eof = false;
  bool check_crcs = false;
  int32_t queued_min_messages = 100000;
  int32_t queued_max_messages_kbytes = 65536;
  int32_t fetch_min_bytes = 1;
  int32_t fetch_wait_max_ms = 500;
  int32_t fetch_max_bytes = 52428800;
  int32_t max_partition_fetch_bytes = 1048576;  // max.partition.fetch.bytes / fetch.message.max.bytes
  int32_t fetch_error_backoff_ms = 500;
  int isolation_level = 1;                      // read_committed
  bool allow_auto_create_topics = false;
  int64_t metadata_refresh_interval_ms = 300000;  // topic.metadata.refresh.interval.ms
  int32_t coordinator_query_interval_ms = 600000;
  std::string group_protocol_type = "consumer";
};

// Parses `props` into `out` (starting from out's current values). Returns false and sets
// errstr on a malformed or unsupported value.
bool parse_consumer_config(const Properties& props, ConsumerConfig& out, std::string& errstr);

// Parses `props` into `out` (starting from out's current values). Returns false and sets
// errstr on a malformed or unsupported value.
bool parse_producer_config(const Properties& props, ProducerConfig& out, std::string& errstr);

// Topic-level properties only, over `out`.
bool parse_topic_config(const Properties& props, TopicConfig& out, std::string& errstr);

}  // namespace kafka::client
