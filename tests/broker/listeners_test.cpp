// The embeddable broker with several listeners: ports per listener through refbroker::Broker,
// Metadata answering with the listener a client came through, SASL gating and PLAIN over raw
// requests, and clear startup errors for bad security configuration.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "broker.h"
#include "config.h"
#include "kafka/protocol/messages.h"
#include "support/broker_fixture.h"
#include "support/raw_client.h"

namespace {

using namespace kafka;
using testing_support::RawClient;

class ListenersTest : public testing_support::BrokerFixture {
 protected:
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"},
            {"listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0"},
            {"listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"},
            {"advertised.listeners", "EXTERNAL://broker.example:0"},
            {"sasl.enabled.mechanisms", "PLAIN"},
            {"refbroker.sasl.users.alice", "alice-secret"}};
  }
};

TEST_F(ListenersTest, PortsPerListenerAndMetadataPerListener) {
  auto ls = broker().listeners();
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0].name, "INTERNAL");
  EXPECT_EQ(ls[1].security_protocol, "PLAINTEXT");
  EXPECT_EQ(ls[2].security_protocol, "SASL_PLAINTEXT");
  for (auto& l : ls) EXPECT_NE(l.port, 0) << l.name;
  EXPECT_EQ(broker().port(), ls[0].port);
  EXPECT_EQ(broker().port("external"), ls[1].port);
  EXPECT_THROW(broker().port("nope"), std::out_of_range);

  proto::MetadataRequest md;
  md.topics.reset();
  RawClient internal(broker().bootstrap("INTERNAL"));
  auto r = internal.call(md, 9);
  ASSERT_EQ(r.brokers.size(), 1u);
  EXPECT_EQ(r.brokers[0].host, "127.0.0.1");
  EXPECT_EQ(r.brokers[0].port, ls[0].port);
  RawClient external(broker().bootstrap("EXTERNAL"));
  r = external.call(md, 9);
  EXPECT_EQ(r.brokers[0].host, "broker.example");  // advertised host, bound port (advertised port 0)
  EXPECT_EQ(r.brokers[0].port, ls[1].port);
}

TEST_F(ListenersTest, SaslListenerAnswersOnlyTheHandshakeUntilAuthenticated) {
  RawClient c(broker().bootstrap("SASL_PLAINTEXT"));
  proto::SaslHandshakeRequest hs;
  hs.mechanism = "PLAIN";
  ASSERT_EQ(c.call(hs, 1).error_code, 0);
  proto::SaslAuthenticateRequest auth;
  auth.auth_bytes = proto::Bytes(std::string_view("\0alice\0alice-secret", 19));
  auto a = c.call(auth, 2);
  ASSERT_EQ(a.error_code, 0) << a.error_message.value_or("");
  proto::MetadataRequest md;
  md.topics.reset();
  EXPECT_EQ(c.call(md, 9).brokers.at(0).port, broker().port("SASL_PLAINTEXT"));

  RawClient bad(broker().bootstrap("SASL_PLAINTEXT"));
  ASSERT_EQ(bad.call(hs, 1).error_code, 0);
  auth.auth_bytes = proto::Bytes(std::string_view("\0alice\0nope", 11));
  a = bad.call(auth, 2);
  EXPECT_EQ(a.error_code, code(Error::SASL_AUTHENTICATION_FAILED));
  EXPECT_EQ(a.error_message.value_or(""), "Authentication failed: Invalid username or password");

  RawClient early(broker().bootstrap("SASL_PLAINTEXT"));
  EXPECT_ANY_THROW(early.call(md, 9));  // closed without an answer
}

TEST(ListenersConfig, BadSecurityConfigurationFailsStartWithAClearMessage) {
  auto dir = testing_support::fresh_temp_dir("refbroker-listeners");
  auto start_error = [&](std::map<std::string, std::string> config) -> std::string {
    refbroker::BrokerOptions o;
    o.data_dir = dir;
    o.config = std::move(config);
    refbroker::Broker b(o);
    try {
      b.start();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "started";
  };
  EXPECT_NE(start_error({{"listeners", "SSL://127.0.0.1:0"}}).find("needs a certificate and key"), std::string::npos);
  EXPECT_NE(start_error({{"listeners", "SSL://127.0.0.1:0"}, {"ssl.keystore.location", "/nonexistent.pem"}})
                .find("/nonexistent.pem"),
            std::string::npos);
  EXPECT_NE(start_error({{"listeners", "SASL_SSL://127.0.0.1:0"}}).find("GSSAPI"), std::string::npos);
  EXPECT_NE(start_error({{"listeners", "BOGUS://127.0.0.1:0"}}).find("BOGUS"), std::string::npos);
  EXPECT_NE(start_error({{"authorizer.class.name", "x"}, {"refbroker.acl.1", "allow bob Read topic literal t"}})
                .find("Invalid ACL"),
            std::string::npos);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
