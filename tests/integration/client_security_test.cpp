// Client security against an in-process refbroker serving PLAINTEXT, SSL, SASL_PLAINTEXT and
// SASL_SSL listeners (plus SSL listeners with an expired and a wrong-host certificate), with
// certificates from tests/support/gen_certs.sh made at test time:
// - the producer and consumer cores produce and consume over SSL, SASL_PLAINTEXT and SASL_SSL
//   with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; so do the C (through a consumer group) and C++
//   facades; a client certificate with an encrypted key gets through ssl.client.auth=required;
// - a wrong password, or a mechanism the listener does not enable, fails with _AUTHENTICATION and
//   the broker's message, through the error callback, and a blocking metadata call returns it
//   promptly instead of timing out;
// - a CA that did not sign the broker's certificate, an expired certificate and a host name
//   mismatch fail with _SSL and OpenSSL's reason; ssl.endpoint.identification.algorithm=none
//   accepts the wrong-host certificate;
// - with connections.max.reauth.ms, a producer keeps producing across re-authentications
//   (KIP-368) with nothing lost and no connection dropped.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "broker.h"
#include "consumer.h"
#include "producer.h"
#include "support/broker_fixture.h"

using namespace kafka::client;
namespace fs = std::filesystem;

namespace {

[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

const char* const kMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Errors and log lines seen through the callbacks (any thread).
struct Seen {
  std::mutex mu;
  std::vector<std::pair<int, std::string>> errors;
  std::vector<std::string> logs;
  void error(int e, const std::string& reason) {
    std::lock_guard lk(mu);
    errors.emplace_back(e, reason);
  }
  void log(const std::string& fac, const std::string& msg) {
    std::lock_guard lk(mu);
    logs.push_back(fac + ": " + msg);
  }
  // The first error with this code, or "" if none.
  std::string reason_of(int code) {
    std::lock_guard lk(mu);
    for (auto& [e, r] : errors)
      if (e == code) return r.empty() ? "<empty>" : r;
    return "";
  }
  std::string all() {
    std::lock_guard lk(mu);
    std::string out;
    for (auto& [e, r] : errors) out += err_name(e) + ": " + r + "\n";
    return out;
  }
  size_t count_logs(const std::string& needle) {
    std::lock_guard lk(mu);
    size_t n = 0;
    for (auto& l : logs) n += l.find(needle) != std::string::npos;
    return n;
  }
};

class SecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new fs::path(shared_certs());
    data_ = new fs::path(testing_support::fresh_temp_dir("client-security-broker"));
    broker_ = start_broker(*data_, {}).release();
  }
  static void TearDownTestSuite() {
    if (broker_) broker_->stop();
    delete broker_;
    broker_ = nullptr;
    std::error_code ec;
    if (data_) fs::remove_all(*data_, ec);
    delete data_;
    delete certs_;
  }

  // RSA key generation takes seconds and ctest runs every test in its own process: the
  // certificates are made once per build directory (into a temporary directory renamed into
  // place, so concurrent tests never see half of them).
  static fs::path shared_certs() {
    fs::path dir = fs::path(KAFKAPLUS_CERTS_DIR);
    if (fs::exists(dir / "server-chain.pem")) return dir;
    fs::path tmp = testing_support::fresh_temp_dir("client-security-certs");
    std::string cmd = "bash " + std::string(KAFKAPLUS_SOURCE_DIR) + "/tests/support/gen_certs.sh " + tmp.string();
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::error_code ec;
    fs::rename(tmp, dir, ec);
    if (ec) {  // another test process won the race (or another file system): copy if still missing
      if (!fs::exists(dir / "server-chain.pem")) fs::copy(tmp, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
      fs::remove_all(tmp, ec);
    }
    return dir;
  }

  static std::string cert(const char* name) { return (*certs_ / name).string(); }

  static std::unique_ptr<refbroker::Broker> start_broker(const fs::path& dir,
                                                          std::map<std::string, std::string> extra) {
    refbroker::BrokerOptions o;
    o.data_dir = dir;
    o.config = {
        {"listeners",
         "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,"
         "EXPIRED://127.0.0.1:0,WRONGHOST://127.0.0.1:0,CLIENTAUTH://127.0.0.1:0,PLAINONLY://127.0.0.1:0"},
        {"listener.security.protocol.map",
         "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,EXPIRED:SSL,WRONGHOST:SSL,"
         "CLIENTAUTH:SSL,PLAINONLY:SASL_PLAINTEXT"},
        {"listener.name.plainonly.sasl.enabled.mechanisms", "PLAIN"},
        {"listener.name.clientauth.ssl.client.auth", "required"},
        {"listener.name.clientauth.ssl.truststore.location", cert("ca.pem")},
        {"ssl.keystore.type", "PEM"},
        {"ssl.keystore.location", cert("server-chain.pem")},
        {"ssl.key.location", cert("server-enc.key")},
        {"ssl.key.password", "serverpass"},
        {"listener.name.expired.ssl.certificate.location", cert("expired.pem")},
        {"listener.name.expired.ssl.key.location", cert("expired.key")},
        {"listener.name.expired.ssl.key.password", ""},
        {"listener.name.wronghost.ssl.certificate.location", cert("wronghost.pem")},
        {"listener.name.wronghost.ssl.key.location", cert("wronghost.key")},
        {"listener.name.wronghost.ssl.key.password", ""},
        {"sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"},
        {"refbroker.sasl.users.alice", "alice-secret"},
        {"refbroker.log.fsync", "false"},
    };
    for (auto& [k, v] : extra) o.config[k] = v;
    auto b = std::make_unique<refbroker::Broker>(o);
    b->start();
    return b;
  }

  // librdkafka properties for one listener.
  static Properties props(const std::string& listener, const std::string& protocol, const std::string& mechanism = "",
                          const std::string& password = "alice-secret", refbroker::Broker* broker = nullptr) {
    Properties p{{"bootstrap.servers", (broker ? broker : broker_)->bootstrap(listener)},
                 {"security.protocol", protocol}};
    std::string lower;
    for (char c : protocol) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("ssl") != std::string::npos) p["ssl.ca.location"] = cert("ca.pem");
    if (lower.rfind("sasl", 0) == 0) {
      p["sasl.mechanisms"] = mechanism;
      p["sasl.username"] = "alice";
      p["sasl.password"] = password;
    }
    return p;
  }

  // Produces n values to topic partition 0 with the core; returns the number delivered.
  static int produce(Properties p, const std::string& topic, int n, Seen* seen = nullptr) {
    std::atomic<int> delivered{0}, failed{0};
    ProducerCallbacks cb;
    cb.delivery = [&](DeliveryReport& r) { (r.error() ? failed : delivered)++; };
    if (seen) cb.error = [seen](int e, const std::string& r) { seen->error(e, r); };
    std::string errstr;
    p["linger.ms"] = "2";
    auto prod = ProducerCore::create(p, cb, errstr);
    EXPECT_TRUE(prod) << errstr;
    if (!prod) return 0;
    for (int i = 0; i < n; ++i) {
      std::string v = "value-" + std::to_string(i);
      Message m;
      m.topic = topic;
      m.partition = 0;
      m.value = kafka::as_bytes(v);
      EXPECT_EQ(prod->produce(m, true), 0);
    }
    EXPECT_EQ(prod->flush(20000), 0);
    EXPECT_EQ(failed.load(), 0);
    return delivered.load();
  }

  // Consumes partition 0 of topic from the beginning with the core until n values arrived.
  static std::vector<std::string> consume(Properties p, const std::string& topic, size_t n) {
    std::string errstr;
    auto c = ConsumerCore::create(p, {}, errstr);
    EXPECT_TRUE(c) << errstr;
    if (!c) return {};
    TopicPartitionList l;
    TopicPartitionOffset t;
    t.topic = topic;
    t.partition = 0;
    t.offset = kOffsetBeginning;
    l.push_back(t);
    EXPECT_EQ(c->assign(l), 0);
    std::vector<std::string> out;
    int64_t deadline = now_ms() + 20000;
    while (out.size() < n && now_ms() < deadline) {
      auto m = c->consume(100);
      if (!m || m->error()) continue;
      out.emplace_back(kafka::as_string(*m->value()));
    }
    c->close();
    return out;
  }

  static void round_trip(const Properties& p, const std::string& topic) {
    ASSERT_EQ(produce(p, topic, 200), 200);
    auto got = consume(p, topic, 200);
    ASSERT_EQ(got.size(), 200u);
    EXPECT_EQ(got.front(), "value-0");
    EXPECT_EQ(got.back(), "value-199");
  }

  // A producer whose error callback (run from poll()) records into `seen`; null after a test
  // failure when creation fails.
  static std::unique_ptr<ProducerCore> producer_reporting_to(Seen& seen, const Properties& p) {
    ProducerCallbacks cb;
    cb.error = [&seen](int e, const std::string& r) { seen.error(e, r); };
    std::string errstr;
    auto prod = ProducerCore::create(p, cb, errstr);
    EXPECT_TRUE(prod) << errstr;
    return prod;
  }

  // Expects a connection the broker or the TLS handshake refuses: metadata() fails and the error
  // callback reports it (within 5 s).
  static void expect_refused_and_reported(ProducerCore& prod, Seen& seen) {
    ClusterMetadata md;
    EXPECT_NE(prod.metadata(true, nullptr, md, 1000), 0);
    int64_t deadline = now_ms() + 5000;
    while (seen.all().empty() && now_ms() < deadline) prod.poll(50);
    EXPECT_FALSE(seen.all().empty());
  }

  // Expects a producer with `p` to fail connecting with `code`, the reason containing `needle`,
  // reported through the error callback, and metadata() to give up with the same code quickly.
  static void expect_failure(Properties p, int code, const std::string& needle) {
    Seen seen;
    auto prod = producer_reporting_to(seen, p);
    ASSERT_TRUE(prod);
    ClusterMetadata md;
    int64_t t0 = now_ms();
    int rc = prod->metadata(true, nullptr, md, 20000);
    int64_t took = now_ms() - t0;
    EXPECT_EQ(rc, code) << err_name(rc);
    EXPECT_LT(took, 10000) << "metadata() should fail promptly";
    // The error callback runs from poll().
    int64_t deadline = now_ms() + 10000;
    while (seen.reason_of(code).empty() && now_ms() < deadline) prod->poll(50);
    std::string reason = seen.reason_of(code);
    EXPECT_NE(reason.find(needle), std::string::npos) << "errors seen:\n" << seen.all();
  }

  static fs::path* certs_;
  static fs::path* data_;
  static refbroker::Broker* broker_;
};

fs::path* SecurityTest::certs_ = nullptr;
fs::path* SecurityTest::data_ = nullptr;
refbroker::Broker* SecurityTest::broker_ = nullptr;

TEST_F(SecurityTest, CoreOverSsl) { round_trip(props("SSL", "ssl"), "sec-ssl"); }

TEST_F(SecurityTest, CoreOverSaslPlaintextEachMechanism) {
  for (const char* m : kMechanisms) {
    SCOPED_TRACE(m);
    round_trip(props("SASL_PLAINTEXT", "sasl_plaintext", m), std::string("sec-saslplain-") + m);
  }
}

TEST_F(SecurityTest, CoreOverSaslSslEachMechanism) {
  for (const char* m : kMechanisms) {
    SCOPED_TRACE(m);
    round_trip(props("SASL_SSL", "SASL_SSL", m), std::string("sec-saslssl-") + m);
  }
}

TEST_F(SecurityTest, CaDirectoryAndPemString) {
  // ssl.ca.location may be a hashed directory (c_rehash layout); ssl.ca.pem takes the PEM itself.
  fs::path dir = testing_support::fresh_temp_dir("client-security-cadir");
  std::string cmd = "cd " + dir.string() + " && cp " + cert("ca.pem") + " . && ln -sf ca.pem $(openssl x509 -hash -noout -in ca.pem).0";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto p = props("SSL", "ssl");
  p["ssl.ca.location"] = dir.string();
  EXPECT_EQ(produce(p, "sec-cadir", 10), 10);
  auto q = props("SSL", "ssl");
  q.erase("ssl.ca.location");
  std::string pem;
  {
    std::FILE* f = std::fopen(cert("ca.pem").c_str(), "r");
    ASSERT_TRUE(f);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) pem.append(buf, n);
    std::fclose(f);
  }
  q["ssl.ca.pem"] = pem;
  EXPECT_EQ(produce(q, "sec-capem", 10), 10);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// ssl.client.auth=required: our certificate (ssl.certificate.location + ssl.key.location, the key
// encrypted and opened with ssl.key.password) gets in; without one the connection is refused.
TEST_F(SecurityTest, ClientCertificate) {
  fs::path dir = testing_support::fresh_temp_dir("client-security-clientkey");
  std::string enc_key = (dir / "client-enc.key").string();
  std::string cmd = "openssl pkey -in " + cert("client.key") + " -out " + enc_key + " -aes256 -passout pass:keypass";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto p = props("CLIENTAUTH", "ssl");
  p["ssl.certificate.location"] = cert("client.pem");
  p["ssl.key.location"] = enc_key;
  p["ssl.key.password"] = "keypass";
  round_trip(p, "sec-clientauth");

  // A wrong key password fails at creation, with the property named.
  auto bad = p;
  bad["ssl.key.password"] = "nope";
  std::string errstr;
  EXPECT_FALSE(ProducerCore::create(bad, {}, errstr));
  EXPECT_EQ(errstr.rfind("ssl.key.location failed: ", 0), 0u) << errstr;
  bad.erase("ssl.key.password");  // an encrypted key without a password: an error, not a prompt
  EXPECT_FALSE(ProducerCore::create(bad, {}, errstr));
  EXPECT_EQ(errstr.rfind("ssl.key.location failed: ", 0), 0u) << errstr;

  // No certificate: the broker refuses the connection, and the client reports it as an error.
  Seen seen;
  auto prod = producer_reporting_to(seen, props("CLIENTAUTH", "ssl"));
  ASSERT_TRUE(prod);
  expect_refused_and_reported(*prod, seen);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_F(SecurityTest, WrongPasswordIsAnAuthenticationError) {
  for (const char* m : kMechanisms) {
    SCOPED_TRACE(m);
    // The broker's own message follows librdkafka's prefix.
    expect_failure(props("SASL_SSL", "sasl_ssl", m, "wrong"), err(LocalErr::AUTHENTICATION),
                   "SASL authentication error: Authentication failed");
  }
}

TEST_F(SecurityTest, MechanismTheBrokerDoesNotEnableIsAnAuthenticationError) {
  expect_failure(props("PLAINONLY", "sasl_plaintext", "SCRAM-SHA-512"), err(LocalErr::AUTHENTICATION),
                 "SASL SCRAM-SHA-512 mechanism handshake failed: ");
  expect_failure(props("PLAINONLY", "sasl_plaintext", "SCRAM-SHA-512"), err(LocalErr::AUTHENTICATION),
                 "broker's supported mechanisms: PLAIN");
  EXPECT_EQ(produce(props("PLAINONLY", "sasl_plaintext", "PLAIN"), "sec-plainonly", 5), 5);
}

TEST_F(SecurityTest, UntrustedCaIsAnSslError) {
  auto p = props("SSL", "ssl");
  p["ssl.ca.location"] = cert("other-ca.pem");
  expect_failure(p, err(LocalErr::SSL), "certificate verify failed");
}

TEST_F(SecurityTest, ExpiredCertificateIsAnSslError) {
  expect_failure(props("EXPIRED", "ssl"), err(LocalErr::SSL), "certificate has expired");
}

TEST_F(SecurityTest, HostnameMismatchIsAnSslError) {
  // Connecting by address checks the SAN's IP entries, by name its DNS entries.
  expect_failure(props("WRONGHOST", "ssl"), err(LocalErr::SSL), "IP address mismatch");
  auto by_name = props("WRONGHOST", "ssl");
  by_name["bootstrap.servers"] = "localhost:" + std::to_string(broker_->port("WRONGHOST"));
  expect_failure(by_name, err(LocalErr::SSL), "hostname mismatch");
  // Without endpoint identification the same certificate (signed by the trusted CA) is accepted.
  auto p = props("WRONGHOST", "ssl");
  p["ssl.endpoint.identification.algorithm"] = "none";
  EXPECT_EQ(produce(p, "sec-wronghost-none", 10), 10);
}

TEST_F(SecurityTest, TlsClientAgainstPlaintextListenerFailsClearly) {
  Seen seen;
  auto prod = producer_reporting_to(seen, props("PLAINTEXT", "ssl"));
  ASSERT_TRUE(prod);
  expect_refused_and_reported(*prod, seen);
  EXPECT_NE(seen.all().find("SSL handshake failed"), std::string::npos) << seen.all();
}

// Undelivered messages of a producer that cannot authenticate fail at message.timeout.ms, and
// the error callback says why.
TEST_F(SecurityTest, ProduceWithWrongPasswordTimesOutWithReportedCause) {
  Seen seen;
  ProducerCallbacks cb;
  std::atomic<int> timed_out{0};
  cb.delivery = [&](DeliveryReport& r) { timed_out += r.error() == err(LocalErr::MSG_TIMED_OUT); };
  cb.error = [&](int e, const std::string& r) { seen.error(e, r); };
  auto p = props("SASL_PLAINTEXT", "sasl_plaintext", "SCRAM-SHA-256", "wrong");
  p["message.timeout.ms"] = "1500";
  std::string errstr;
  auto prod = ProducerCore::create(p, cb, errstr);
  ASSERT_TRUE(prod) << errstr;
  Message m;
  m.topic = "sec-never";
  m.value = kafka::as_bytes(std::string_view("x"));
  ASSERT_EQ(prod->produce(m), 0);
  EXPECT_EQ(prod->flush(10000), 0);
  EXPECT_EQ(timed_out.load(), 1);
  EXPECT_NE(seen.reason_of(err(LocalErr::AUTHENTICATION)), "") << seen.all();
}

TEST_F(SecurityTest, CFacadeProducesAndConsumesOverSaslSsl) {
  auto p = props("SASL_SSL", "sasl_ssl", "SCRAM-SHA-512");
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto& [k, v] : p) ASSERT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr), RD_KAFKA_CONF_OK) << k << ": " << errstr;
  static std::atomic<int> delivered;
  delivered = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (!m->err) ++delivered;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  ASSERT_TRUE(rk) << errstr;
  for (int i = 0; i < 50; ++i) {
    std::string v = "c-" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("sec-cfacade"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delivered.load(), 50);
  rd_kafka_destroy(rk);

  rd_kafka_conf_t* cconf = rd_kafka_conf_new();
  for (auto& [k, v] : p) ASSERT_EQ(rd_kafka_conf_set(cconf, k.c_str(), v.c_str(), errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(cconf, "group.id", "sec-cfacade-group", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(cconf, "auto.offset.reset", "earliest", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  rd_kafka_t* ck = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof errstr);
  ASSERT_TRUE(ck) << errstr;
  rd_kafka_poll_set_consumer(ck);
  // Through the group: FindCoordinator, the coordinator's own connection and the commits all
  // run over SASL_SSL too.
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, "sec-cfacade", RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(ck, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  int got = 0;
  int64_t deadline = now_ms() + 20000;
  while (got < 50 && now_ms() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(ck, 100);
    if (!m) continue;
    if (!m->err) ++got;
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(got, 50);
  EXPECT_EQ(rd_kafka_commit(ck, nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_close(ck);
  rd_kafka_destroy(ck);
}

TEST_F(SecurityTest, CppFacadeProducesAndConsumesOverSsl) {
  auto p = props("SSL", "ssl");
  std::string errstr;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (auto& [k, v] : p) ASSERT_EQ(conf->set(k, v, errstr), RdKafka::Conf::CONF_OK) << k << ": " << errstr;
  std::unique_ptr<RdKafka::Producer> prod(RdKafka::Producer::create(conf.get(), errstr));
  ASSERT_TRUE(prod) << errstr;
  for (int i = 0; i < 30; ++i) {
    std::string v = "cpp-" + std::to_string(i);
    ASSERT_EQ(prod->produce("sec-cppfacade", 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0,
                            nullptr),
              RdKafka::ERR_NO_ERROR);
  }
  EXPECT_EQ(prod->flush(20000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(prod->outq_len(), 0);

  ASSERT_EQ(conf->set("group.id", "sec-cpp-group", errstr), RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::KafkaConsumer> cons(RdKafka::KafkaConsumer::create(conf.get(), errstr));
  ASSERT_TRUE(cons) << errstr;
  std::vector<RdKafka::TopicPartition*> parts{RdKafka::TopicPartition::create("sec-cppfacade", 0, RdKafka::Topic::OFFSET_BEGINNING)};
  ASSERT_EQ(cons->assign(parts), RdKafka::ERR_NO_ERROR);
  RdKafka::TopicPartition::destroy(parts);
  int got = 0;
  int64_t deadline = now_ms() + 20000;
  while (got < 30 && now_ms() < deadline) {
    std::unique_ptr<RdKafka::Message> m(cons->consume(100));
    if (m && m->err() == RdKafka::ERR_NO_ERROR) ++got;
  }
  EXPECT_EQ(got, 30);
  cons->close();
}

TEST_F(SecurityTest, CppFacadeReportsWrongPasswordThroughEventCallback) {
  struct Events : RdKafka::EventCb {
    std::mutex mu;
    std::vector<std::pair<RdKafka::ErrorCode, std::string>> errors;
    void event_cb(RdKafka::Event& e) override {
      if (e.type() != RdKafka::Event::EVENT_ERROR) return;
      std::lock_guard lk(mu);
      errors.emplace_back(e.err(), e.str());
    }
  } events;
  auto p = props("SASL_SSL", "sasl_ssl", "PLAIN", "wrong");
  std::string errstr;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (auto& [k, v] : p) ASSERT_EQ(conf->set(k, v, errstr), RdKafka::Conf::CONF_OK) << k << ": " << errstr;
  ASSERT_EQ(conf->set("event_cb", &events, errstr), RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::Producer> prod(RdKafka::Producer::create(conf.get(), errstr));
  ASSERT_TRUE(prod) << errstr;
  RdKafka::Metadata* md = nullptr;
  EXPECT_EQ(prod->metadata(true, nullptr, &md, 10000), RdKafka::ERR__AUTHENTICATION);
  delete md;
  std::string reason;
  int64_t deadline = now_ms() + 10000;
  while (reason.empty() && now_ms() < deadline) {
    prod->poll(50);
    std::lock_guard lk(events.mu);
    for (auto& [e, s] : events.errors)
      if (e == RdKafka::ERR__AUTHENTICATION) reason = s;
  }
  EXPECT_NE(reason.find("SASL authentication error"), std::string::npos) << reason;
}

// KIP-368: the broker gives sessions a lifetime of connections.max.reauth.ms; the producer and a
// consumer reading at the same time re-authenticate on their live connections and keep going,
// losing, reordering and dropping nothing.
TEST_F(SecurityTest, ReauthenticationKeepsAProducerRunning) {
  fs::path dir = testing_support::fresh_temp_dir("client-security-reauth");
  auto broker = start_broker(dir, {{"connections.max.reauth.ms", "1000"}});
  for (const char* mech : {"SCRAM-SHA-256", "PLAIN"}) {
    SCOPED_TRACE(mech);
    Seen seen;
    ProducerCallbacks cb;
    std::atomic<int> delivered{0}, failed{0};
    cb.delivery = [&](DeliveryReport& r) { (r.error() ? failed : delivered)++; };
    cb.error = [&](int e, const std::string& r) { seen.error(e, r); };
    cb.log = [&](int, const std::string& fac, const std::string& msg) { seen.log(fac, msg); };
    auto p = props("SASL_SSL", "sasl_ssl", mech, "alice-secret", broker.get());
    p["log_level"] = "7";
    p["debug"] = "security";
    p["linger.ms"] = "1";
    std::string errstr;
    auto prod = ProducerCore::create(p, cb, errstr);
    ASSERT_TRUE(prod) << errstr;
    std::string topic = std::string("sec-reauth-") + mech;
    int sent = 0;
    auto produce_next = [&] {
      std::string v = std::to_string(sent);
      Message m;
      m.topic = topic;
      m.partition = 0;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(prod->produce(m, true), 0);
      ++sent;
    };
    produce_next();  // creates the topic before the consumer is assigned to it
    ASSERT_EQ(prod->flush(10000), 0);
    // A consumer reads concurrently, its Fetch connection re-authenticating too.
    Seen cseen;
    ConsumerCallbacks ccb;
    ccb.error = [&](int e, const std::string& r) { cseen.error(e, r); };
    ccb.log = [&](int, const std::string& fac, const std::string& msg) { cseen.log(fac, msg); };
    auto cp = props("SASL_SSL", "sasl_ssl", mech, "alice-secret", broker.get());
    cp["log_level"] = "7";
    cp["debug"] = "security";
    cp["fetch.wait.max.ms"] = "100";
    auto cons = ConsumerCore::create(cp, ccb, errstr);
    ASSERT_TRUE(cons) << errstr;
    TopicPartitionOffset tp;
    tp.topic = topic;
    tp.partition = 0;
    tp.offset = kOffsetBeginning;
    ASSERT_EQ(cons->assign({tp}), 0);
    std::atomic<int> sent_total{-1};
    std::vector<std::string> got;
    std::thread reader([&] {
      int64_t deadline = now_ms() + 30000;
      while (now_ms() < deadline && (sent_total.load() < 0 || static_cast<int>(got.size()) < sent_total.load())) {
        auto m = cons->consume(50);
        if (!m) continue;
        if (m->error()) {
          cseen.error(m->error(), m->error_string());
          continue;
        }
        got.emplace_back(kafka::as_string(*m->value()));
      }
    });
    int64_t end = now_ms() + 3000;
    while (now_ms() < end) {  // a steady trickle (~1000/s), so requests are in flight at every re-authentication
      produce_next();
      prod->poll(1);
    }
    EXPECT_EQ(prod->flush(20000), 0);
    sent_total = sent;
    reader.join();
    cons->close();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(delivered.load(), sent);
    EXPECT_GE(seen.count_logs("re-authenticated"), 2u);
    EXPECT_GE(cseen.count_logs("re-authenticated"), 2u);
    EXPECT_EQ(seen.all(), "") << "no producer connection may fail across re-authentication";
    EXPECT_EQ(cseen.all(), "") << "no consumer connection may fail across re-authentication";
    // The consumer saw all of it, in order, while it was produced.
    ASSERT_EQ(static_cast<int>(got.size()), sent);
    for (int i = 0; i < sent; ++i)
      if (got[i] != std::to_string(i)) {
        ADD_FAILURE() << "message " << i << " is " << got[i];
        break;
      }
  }
  broker->stop();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
