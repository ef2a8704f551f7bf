// Producer configuration: librdkafka's property names, aliases and defaults, and the error
// numbering helpers.
#include <gtest/gtest.h>

#include "config.h"
#include "errors_local.h"

using namespace kafka::client;

TEST(ClientConfig, LibrdkafkaDefaults) {
  ProducerConfig c;
  std::string e;
  ASSERT_TRUE(parse_producer_config({}, c, e)) << e;
  EXPECT_EQ(c.client_id, "rdkafka");
  EXPECT_EQ(c.linger_ms, 5);
  EXPECT_EQ(c.batch_size, 1000000);
  EXPECT_EQ(c.batch_num_messages, 10000);
  EXPECT_EQ(c.queue_max_messages, 100000);
  EXPECT_EQ(c.queue_max_kbytes, 1048576);
  EXPECT_EQ(c.compression, kafka::Compression::None);
  EXPECT_EQ(c.topic.acks, -1);
  EXPECT_EQ(c.topic.request_timeout_ms, 30000);
  EXPECT_EQ(c.topic.message_timeout_ms, 300000);
  EXPECT_EQ(c.topic.partitioner, PartitionerKind::ConsistentRandom);
  EXPECT_EQ(c.retries, INT32_MAX);
  EXPECT_EQ(c.retry_backoff_ms, 100);
  EXPECT_EQ(c.max_in_flight, 1000000);
  EXPECT_EQ(c.message_max_bytes, 1000000);
  EXPECT_FALSE(c.idempotence);
  EXPECT_EQ(c.sticky_linger_ms, 10);
  EXPECT_EQ(c.metadata_max_age_ms, 900000);
  EXPECT_EQ(c.metadata_refresh_interval_ms, 300000);
  EXPECT_EQ(c.reconnect_backoff_ms, 100);
  EXPECT_EQ(c.reconnect_backoff_max_ms, 10000);
  EXPECT_EQ(c.socket_timeout_ms, 60000);
  EXPECT_TRUE(c.api_version_request);
}

TEST(ClientConfig, Aliases) {
  ProducerConfig c;
  std::string e;
  ASSERT_TRUE(parse_producer_config({{"metadata.broker.list", "a:1, b:2,PLAINTEXT://c:3"},
                                     {"queue.buffering.max.ms", "0.5"},
                                     {"compression.codec", "zstd"},
                                     {"request.required.acks", "1"},
                                     {"delivery.timeout.ms", "1234"},
                                     {"message.send.max.retries", "3"},
                                     {"max.in.flight.requests.per.connection", "7"}},
                                    c, e))
      << e;
  EXPECT_EQ(c.bootstrap, (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_DOUBLE_EQ(c.linger_ms, 0.5);
  EXPECT_EQ(c.compression, kafka::Compression::Zstd);
  EXPECT_EQ(c.topic.acks, 1);
  EXPECT_EQ(c.topic.message_timeout_ms, 1234);
  EXPECT_EQ(c.retries, 3);
  EXPECT_EQ(c.max_in_flight, 7);

  ProducerConfig d;
  ASSERT_TRUE(parse_producer_config({{"acks", "all"}, {"compression.type", "lz4"}}, d, e)) << e;
  EXPECT_EQ(d.topic.acks, -1);
  EXPECT_EQ(d.compression, kafka::Compression::Lz4);
}

TEST(ClientConfig, Idempotence) {
  ProducerConfig c;
  std::string e;
  ASSERT_TRUE(parse_producer_config({{"enable.idempotence", "true"}}, c, e)) << e;
  EXPECT_EQ(c.topic.acks, -1);
  EXPECT_EQ(c.max_in_flight, 5);
  ProducerConfig d;
  EXPECT_FALSE(parse_producer_config({{"enable.idempotence", "true"}, {"acks", "0"}}, d, e));
}

TEST(ClientConfig, BadValues) {
  std::string e;
  for (Properties p : std::vector<Properties>{{{"linger.ms", "abc"}},
                                              {{"batch.num.messages", "0"}},
                                              {{"partitioner", "nope"}},
                                              {{"compression.codec", "brotli"}},
                                              {{"enable.idempotence", "maybe"}},
                                              {{"security.protocol", "tls"}}}) {
    ProducerConfig c;
    EXPECT_FALSE(parse_producer_config(p, c, e)) << p.begin()->first;
    EXPECT_FALSE(e.empty());
  }
}

TEST(ClientConfig, Security) {
  std::string e;
  {
    ProducerConfig c;
    ASSERT_TRUE(parse_producer_config({}, c, e)) << e;
    EXPECT_EQ(c.security.protocol, SecurityProtocol::Plaintext);
    EXPECT_EQ(c.security.sasl_mechanism, "GSSAPI");
    EXPECT_TRUE(c.security.verify_hostname);
    EXPECT_TRUE(c.security.verify_certificate);
    EXPECT_FALSE(c.security.tls);
  }
  {
    ProducerConfig c;  // case-insensitive, as librdkafka; the system CA store by default
    ASSERT_TRUE(parse_producer_config({{"security.protocol", "SASL_SSL"},
                                       {"sasl.mechanism", "SCRAM-SHA-256"},
                                       {"sasl.username", "alice"},
                                       {"sasl.password", "secret"},
                                       {"ssl.endpoint.identification.algorithm", "none"}},
                                      c, e))
        << e;
    EXPECT_EQ(c.security.protocol, SecurityProtocol::SaslSsl);
    EXPECT_EQ(c.security.sasl_mechanism, "SCRAM-SHA-256");
    EXPECT_EQ(c.security.sasl_username, "alice");
    EXPECT_FALSE(c.security.verify_hostname);
    EXPECT_TRUE(c.security.tls);
  }
  ProducerConfig c;
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "sasl_plaintext"}}, c, e));
  EXPECT_EQ(e.rfind("No provider for SASL mechanism GSSAPI", 0), 0u) << e;
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "sasl_plaintext"}, {"sasl.mechanisms", "PLAIN"}}, c, e));
  EXPECT_EQ(e, "sasl.username and sasl.password must be set");
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "ssl"}, {"ssl.ca.location", "/nonexistent/ca.pem"}}, c, e));
  EXPECT_EQ(e.rfind("ssl.ca.location failed: ", 0), 0u) << e;
  c = ProducerConfig{};  // parsing starts from the previous values
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "ssl"}, {"ssl.key.location", "/nonexistent/k.pem"}}, c, e));
  EXPECT_EQ(e.rfind("ssl.key.location failed: ", 0), 0u) << e;
  c = ProducerConfig{};
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "ssl"}, {"ssl.ca.pem", "not a certificate"}}, c, e));
  EXPECT_EQ(e.rfind("ssl.ca.pem failed", 0), 0u) << e;
  c = ProducerConfig{};
  EXPECT_FALSE(parse_producer_config({{"security.protocol", "ssl"}, {"ssl.cipher.suites", "NO-SUCH-CIPHER"}}, c, e));
  EXPECT_EQ(e.rfind("ssl.cipher.suites failed", 0), 0u) << e;
  EXPECT_FALSE(parse_producer_config({{"ssl.endpoint.identification.algorithm", "dns"}}, c, e));
  c = ProducerConfig{};  // librdkafka's "probe": the distribution's CA bundle
  EXPECT_TRUE(parse_producer_config({{"security.protocol", "ssl"}, {"ssl.ca.location", "probe"}}, c, e)) << e;
  EXPECT_TRUE(c.security.tls);
  // ssl.* properties are ignored (not loaded) for plaintext, as librdkafka.
  ProducerConfig plain;
  EXPECT_TRUE(parse_producer_config({{"ssl.ca.location", "/nonexistent/ca.pem"}}, plain, e)) << e;
}

TEST(ClientConfig, TopicOverrides) {
  TopicConfig t;
  std::string e;
  ASSERT_TRUE(parse_topic_config({{"acks", "0"}, {"partitioner", "murmur2"}, {"compression.type", "inherit"}}, t, e));
  EXPECT_EQ(t.acks, 0);
  EXPECT_EQ(t.partitioner, PartitionerKind::Murmur2);
  EXPECT_FALSE(t.compression);
}

TEST(ClientErrors, LibrdkafkaNumbering) {
  EXPECT_EQ(err(LocalErr::QUEUE_FULL), -184);
  EXPECT_EQ(err(LocalErr::MSG_TIMED_OUT), -192);
  EXPECT_EQ(err(LocalErr::PURGE_QUEUE), -152);
  EXPECT_EQ(err(LocalErr::FATAL), -150);
  EXPECT_EQ(err_name(-192), "_MSG_TIMED_OUT");
  EXPECT_EQ(err_name(10), "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(err_name(6), "NOT_LEADER_FOR_PARTITION");  // rd_kafka_err2name(6) in librdkafka 2.0.2
  EXPECT_EQ(err_str(6), "Broker: Not leader for partition");
  EXPECT_EQ(err_name(3), "UNKNOWN_TOPIC_OR_PART");
  EXPECT_EQ(err_str(-184), "Local: Queue full");
  EXPECT_EQ(err_str(0), "Success");
}
