// Configuration objects of the librdkafka-compatible facades: property names, aliases, defaults,
// validation messages and the C/C++ API around them (no client instance needed).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>

namespace {

struct CConf {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  ~CConf() { rd_kafka_conf_destroy(c); }
  std::string err;
  rd_kafka_conf_res_t set(const char* n, const char* v) {
    char buf[512] = "";
    auto r = rd_kafka_conf_set(c, n, v, buf, sizeof buf);
    err = buf;
    return r;
  }
  std::string get(const char* n) {
    char buf[512];
    size_t sz = sizeof buf;
    if (rd_kafka_conf_get(c, n, buf, &sz) != RD_KAFKA_CONF_OK) return "<unset>";
    return buf;
  }
};

TEST(FacadeConf, GlobalDefaults) {
  CConf c;
  EXPECT_EQ(c.get("client.id"), "rdkafka");
  EXPECT_EQ(c.get("message.max.bytes"), "1000000");
  EXPECT_EQ(c.get("queue.buffering.max.ms"), "5");
  EXPECT_EQ(c.get("linger.ms"), "5");
  EXPECT_EQ(c.get("queue.buffering.max.messages"), "100000");
  EXPECT_EQ(c.get("queue.buffering.max.kbytes"), "1048576");
  EXPECT_EQ(c.get("message.send.max.retries"), "2147483647");
  EXPECT_EQ(c.get("retry.backoff.ms"), "100");
  EXPECT_EQ(c.get("compression.codec"), "none");
  EXPECT_EQ(c.get("compression.type"), "none");
  EXPECT_EQ(c.get("batch.num.messages"), "10000");
  EXPECT_EQ(c.get("batch.size"), "1000000");
  EXPECT_EQ(c.get("enable.idempotence"), "false");
  EXPECT_EQ(c.get("socket.timeout.ms"), "60000");
  EXPECT_EQ(c.get("security.protocol"), "plaintext");
  EXPECT_EQ(c.get("broker.address.family"), "any");
  EXPECT_EQ(c.get("isolation.level"), "read_committed");
  EXPECT_EQ(c.get("partition.assignment.strategy"), "range,roundrobin");
  EXPECT_EQ(c.get("log_level"), "6");
  EXPECT_EQ(c.get("sticky.partitioning.linger.ms"), "10");
  EXPECT_EQ(c.get("builtin.features"), "gzip,snappy,ssl,sasl,lz4,sasl_plain,sasl_scram,zstd");
  // Unset strings read back as unknown, as in librdkafka.
  EXPECT_EQ(c.get("bootstrap.servers"), "<unset>");
  EXPECT_EQ(c.get("group.id"), "<unset>");
}

TEST(FacadeConf, TopicDefaults) {
  rd_kafka_topic_conf_t* t = rd_kafka_topic_conf_new();
  auto get = [&](const char* n) {
    char buf[256];
    size_t sz = sizeof buf;
    return rd_kafka_topic_conf_get(t, n, buf, &sz) == RD_KAFKA_CONF_OK ? std::string(buf) : "<unset>";
  };
  EXPECT_EQ(get("request.required.acks"), "-1");
  EXPECT_EQ(get("acks"), "-1");
  EXPECT_EQ(get("message.timeout.ms"), "300000");
  EXPECT_EQ(get("delivery.timeout.ms"), "300000");
  EXPECT_EQ(get("request.timeout.ms"), "30000");
  EXPECT_EQ(get("partitioner"), "consistent_random");
  EXPECT_EQ(get("compression.codec"), "inherit");
  EXPECT_EQ(get("compression.level"), "-1");
  EXPECT_EQ(get("auto.offset.reset"), "largest");
  rd_kafka_topic_conf_destroy(t);
}

TEST(FacadeConf, AliasesShareOneValue) {
  CConf c;
  ASSERT_EQ(c.set("bootstrap.servers", "a:1,b:2"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("metadata.broker.list"), "a:1,b:2");
  ASSERT_EQ(c.set("linger.ms", "12.5"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("queue.buffering.max.ms"), "12.5");
  ASSERT_EQ(c.set("compression.type", "zstd"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("compression.codec"), "zstd");
  ASSERT_EQ(c.set("retries", "3"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("message.send.max.retries"), "3");
  ASSERT_EQ(c.set("max.in.flight", "5"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("max.in.flight.requests.per.connection"), "5");
  ASSERT_EQ(c.set("sasl.mechanism", "PLAIN"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("sasl.mechanisms"), "PLAIN");
  ASSERT_EQ(c.set("max.partition.fetch.bytes", "2048"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("fetch.message.max.bytes"), "2048");
}

TEST(FacadeConf, TopicPropertiesOnGlobalConfGoToDefaultTopicConf) {
  CConf c;
  ASSERT_EQ(c.set("acks", "all"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("request.required.acks"), "-1");
  ASSERT_EQ(c.set("request.required.acks", "1"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("acks"), "1");
  ASSERT_EQ(c.set("delivery.timeout.ms", "1234"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("message.timeout.ms"), "1234");
  ASSERT_EQ(c.set("partitioner", "murmur2_random"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("partitioner"), "murmur2_random");
  // compression.codec is a global property too: the global one wins.
  ASSERT_EQ(c.set("compression.codec", "lz4"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("compression.codec"), "lz4");
}

TEST(FacadeConf, UnknownProperty) {
  CConf c;
  EXPECT_EQ(c.set("foo", "bar"), RD_KAFKA_CONF_UNKNOWN);
  EXPECT_EQ(c.err, "No such configuration property: \"foo\"");
  rd_kafka_topic_conf_t* t = rd_kafka_topic_conf_new();
  char buf[256];
  EXPECT_EQ(rd_kafka_topic_conf_set(t, "client.id", "x", buf, sizeof buf), RD_KAFKA_CONF_UNKNOWN);
  EXPECT_STREQ(buf, "No such configuration property: \"client.id\"");
  rd_kafka_topic_conf_destroy(t);
}

TEST(FacadeConf, ValidationMessages) {
  CConf c;
  EXPECT_EQ(c.set("message.max.bytes", "10"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Configuration property \"message.max.bytes\" value 10 is outside allowed range 1000..1000000000\n");
  EXPECT_EQ(c.set("message.max.bytes", "lots"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Invalid value for configuration property \"message.max.bytes\"");
  EXPECT_EQ(c.set("linger.ms", "-1"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Configuration property \"queue.buffering.max.ms\" value -1 is outside allowed range 0..900000\n");
  EXPECT_EQ(c.set("compression.codec", "brotli"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Invalid value \"brotli\" for configuration property \"compression.codec\"");
  EXPECT_EQ(c.set("enable.idempotence", "maybe"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Expected bool value for \"enable.idempotence\": true or false");
  EXPECT_EQ(c.set("enable.idempotence", ""), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Bool configuration property \"enable.idempotence\" cannot be set to empty value");
  EXPECT_EQ(c.set("partitioner", "roundrobin"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Invalid value for configuration property \"partitioner\": roundrobin");
  EXPECT_EQ(c.set("acks", "2000"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Configuration property \"request.required.acks\" value 2000 is outside allowed range -1..1000\n");
  EXPECT_EQ(c.set("dr_msg_cb", "x"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Property \"dr_msg_cb\" must be set through dedicated .._set_..() function");
  EXPECT_EQ(c.set("sasl.jaas.config", "x"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err.rfind("Java JAAS configuration is not supported", 0), 0u);
  EXPECT_EQ(c.set("ssl.keystore.location", "/etc/ssl/ks.p12"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err.rfind("Configuration property \"ssl.keystore.location\" not supported in this build: ", 0), 0u);
  EXPECT_EQ(c.set("security.protocol", "tls"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Invalid value \"tls\" for configuration property \"security.protocol\"");
  EXPECT_EQ(c.set("builtin.features", "sasl_gssapi"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err.rfind("Unsupported value \"sasl_gssapi\" for configuration property \"builtin.features\": ", 0), 0u);
  EXPECT_EQ(c.set("debug", "broker,nonsense"), RD_KAFKA_CONF_INVALID);
  EXPECT_EQ(c.err, "Invalid value \"nonsense\" for configuration property \"debug\"");
  EXPECT_EQ(c.set("sasl.mechanisms", "PLAIN,SCRAM-SHA-256"), RD_KAFKA_CONF_INVALID);
}

// The security properties are accepted with librdkafka's names, defaults and value forms.
TEST(FacadeConf, SecurityProperties) {
  CConf c;
  EXPECT_EQ(c.get("security.protocol"), "plaintext");
  EXPECT_EQ(c.get("sasl.mechanisms"), "GSSAPI");
  EXPECT_EQ(c.get("ssl.endpoint.identification.algorithm"), "https");
  EXPECT_EQ(c.get("enable.ssl.certificate.verification"), "true");
  EXPECT_EQ(c.set("security.protocol", "SASL_SSL"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("security.protocol"), "sasl_ssl");
  EXPECT_EQ(c.set("security.protocol", "Ssl"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("security.protocol"), "ssl");
  EXPECT_EQ(c.set("security.protocol", "sasl_plaintext"), RD_KAFKA_CONF_OK);
  for (const char* n : {"ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.key.password",
                        "ssl.ca.pem", "ssl.certificate.pem", "ssl.key.pem", "ssl.crl.location", "ssl.cipher.suites",
                        "ssl.curves.list", "ssl.sigalgs.list", "sasl.username", "sasl.password"})
    EXPECT_EQ(c.set(n, "x"), RD_KAFKA_CONF_OK) << n << ": " << c.err;
  EXPECT_EQ(c.set("ssl.endpoint.identification.algorithm", "none"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("ssl.endpoint.identification.algorithm"), "none");
  EXPECT_EQ(c.set("enable.ssl.certificate.verification", "false"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.set("sasl.mechanism", "SCRAM-SHA-512"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(c.set("builtin.features", "ssl,sasl_plain,sasl_scram"), RD_KAFKA_CONF_OK);
}

TEST(FacadeConf, ValueForms) {
  CConf c;
  EXPECT_EQ(c.set("enable.idempotence", "TRUE"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("enable.idempotence"), "true");
  EXPECT_EQ(c.set("enable.idempotence", "0"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("enable.idempotence"), "false");
  EXPECT_EQ(c.set("message.max.bytes", "0x10000"), RD_KAFKA_CONF_OK);  // strtol base 0
  EXPECT_EQ(c.get("message.max.bytes"), "65536");
  EXPECT_EQ(c.set("compression.codec", "GZIP"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("compression.codec"), "gzip");
  EXPECT_EQ(c.set("debug", "broker, topic ,msg"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("debug"), "broker,topic,msg");
  EXPECT_EQ(c.set("client.id", "  spaced"), RD_KAFKA_CONF_OK);  // strings are left-trimmed
  EXPECT_EQ(c.get("client.id"), "spaced");
  // Consumer properties are accepted and stored.
  EXPECT_EQ(c.set("group.id", "g1"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("group.id"), "g1");
  EXPECT_EQ(c.set("auto.offset.reset", "earliest"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("auto.offset.reset"), "smallest");
  EXPECT_EQ(c.set("enable.auto.commit", "false"), RD_KAFKA_CONF_OK);
  EXPECT_EQ(c.get("enable.auto.commit"), "false");
}

TEST(FacadeConf, GetSizeQueryAndTruncation) {
  CConf c;
  size_t sz = 0;
  ASSERT_EQ(rd_kafka_conf_get(c.c, "client.id", nullptr, &sz), RD_KAFKA_CONF_OK);
  EXPECT_EQ(sz, 8u);  // "rdkafka" + NUL
  char small[4];
  sz = sizeof small;
  ASSERT_EQ(rd_kafka_conf_get(c.c, "client.id", small, &sz), RD_KAFKA_CONF_OK);
  EXPECT_STREQ(small, "rdk");
  EXPECT_EQ(sz, 8u);
  EXPECT_EQ(rd_kafka_conf_get(c.c, "nope", nullptr, &sz), RD_KAFKA_CONF_UNKNOWN);
}

TEST(FacadeConf, DumpAndDup) {
  CConf c;
  ASSERT_EQ(c.set("bootstrap.servers", "h:1"), RD_KAFKA_CONF_OK);
  rd_kafka_conf_t* d = rd_kafka_conf_dup(c.c);
  size_t cnt = 0;
  const char** arr = rd_kafka_conf_dump(d, &cnt);
  ASSERT_EQ(cnt % 2, 0u);
  bool found = false, alias_listed = false;
  for (size_t i = 0; i < cnt; i += 2) {
    if (std::string(arr[i]) == "metadata.broker.list") found = std::string(arr[i + 1]) == "h:1";
    if (std::string(arr[i]) == "bootstrap.servers") alias_listed = true;
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(alias_listed);
  rd_kafka_conf_dump_free(arr, cnt);
  const char* filter[] = {"metadata."};
  rd_kafka_conf_t* f = rd_kafka_conf_dup_filter(c.c, 1, filter);
  char buf[64];
  size_t sz = sizeof buf;
  EXPECT_EQ(rd_kafka_conf_get(f, "bootstrap.servers", buf, &sz), RD_KAFKA_CONF_UNKNOWN);
  rd_kafka_conf_destroy(f);
  rd_kafka_conf_destroy(d);
}

TEST(FacadeConf, CppConf) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::unique_ptr<RdKafka::Conf> tconf(RdKafka::Conf::create(RdKafka::Conf::CONF_TOPIC));
  std::string err, v;
  EXPECT_EQ(conf->set("bootstrap.servers", "localhost:9092", err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->get("metadata.broker.list", v), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(v, "localhost:9092");
  EXPECT_EQ(conf->set("foo.bar", "1", err), RdKafka::Conf::CONF_UNKNOWN);
  EXPECT_EQ(err, "No such configuration property: \"foo.bar\"");
  EXPECT_EQ(conf->set("linger.ms", "x", err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Invalid value for configuration property \"queue.buffering.max.ms\"");

  struct Dr : RdKafka::DeliveryReportCb {
    void dr_cb(RdKafka::Message&) override {}
  } dr;
  struct Ev : RdKafka::EventCb {
    void event_cb(RdKafka::Event&) override {}
  } ev;
  struct Part : RdKafka::PartitionerCb {
    int32_t partitioner_cb(const RdKafka::Topic*, const std::string*, int32_t, void*) override { return 0; }
  } part;
  EXPECT_EQ(conf->set("dr_cb", &dr, err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("event_cb", &ev, err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("dr_cb", &ev, err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Invalid value type, expected RdKafka::EventCb");
  EXPECT_EQ(tconf->set("dr_cb", &dr, err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Requires RdKafka::Conf::CONF_GLOBAL object");
  EXPECT_EQ(conf->set("partitioner_cb", &part, err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Requires RdKafka::Conf::CONF_TOPIC object");
  EXPECT_EQ(tconf->set("partitioner_cb", &part, err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(tconf->set("acks", "1", err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("default_topic_conf", tconf.get(), err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->get("acks", v), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(v, "1");

  RdKafka::DeliveryReportCb* got_dr = nullptr;
  RdKafka::EventCb* got_ev = nullptr;
  RdKafka::PartitionerCb* got_part = nullptr;
  EXPECT_EQ(conf->get(got_dr), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(got_dr, &dr);
  EXPECT_EQ(conf->get(got_ev), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(got_ev, &ev);
  EXPECT_EQ(tconf->get(got_part), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(got_part, &part);
  EXPECT_EQ(conf->get(got_part), RdKafka::Conf::CONF_INVALID);

  std::unique_ptr<std::list<std::string>> dump(conf->dump());
  ASSERT_FALSE(dump->empty());
  EXPECT_EQ(dump->size() % 2, 0u);
  EXPECT_NE(conf->c_ptr_global(), nullptr);
  EXPECT_EQ(conf->c_ptr_topic(), nullptr);
}

TEST(FacadeConf, NewRejectsInconsistentConfig) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(c, "enable.idempotence", "true", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(c, "acks", "1", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`acks` must be set to `all` when `enable.idempotence` is true");
  rd_kafka_conf_destroy(c);  // still ours after a failed rd_kafka_new

  c = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(c, "linger.ms", "100", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(c, "message.timeout.ms", "50", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`message.timeout.ms` must be greater than `linger.ms`");
  rd_kafka_conf_destroy(c);

  // Consumers have their own cross-property checks (more in facade_consumer_api_test).
  c = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(c, "max.poll.interval.ms", "1000", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`max.poll.interval.ms`must be >= `session.timeout.ms`");
  rd_kafka_conf_destroy(c);
}

}  // namespace
