// In-process tests of refbroker's security pieces: listener parsing, the SASL state machine
// (PLAIN, SCRAM with our own ScramClient, gating, re-authentication, session expiry) and the ACL
// matcher (literal/prefixed/wildcard patterns, deny wins, implied operations, super users).
#include <gtest/gtest.h>

#include "acl.h"
#include "kafka/sasl/scram.h"
#include "listeners.h"
#include "sasl.h"

using namespace refbroker;
using kafka::Error;
using kafka::proto::ApiKey;

namespace {

BrokerConfig config_of(std::initializer_list<std::pair<const char*, const char*>> kv) {
  BrokerConfig c;
  for (auto& [k, v] : kv) c.set(k, v);
  return c;
}

std::string plain_token(const std::string& user, const std::string& pw, const std::string& authzid = "") {
  return authzid + std::string(1, '\0') + user + std::string(1, '\0') + pw;
}

SaslListenerConfig sasl_config() {
  auto c = config_of({{"sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"},
                      {"refbroker.sasl.users.alice", "alice-secret"},
                      {"listener.name.sasl_plaintext.plain.sasl.jaas.config",
                       "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
                       "password=\"admin-secret\" user_admin=\"admin-secret\" user_bob=\"bob-pw\";"},
                      {"connections.max.reauth.ms", "1000"}});
  ListenerSpec l;
  l.name = "SASL_PLAINTEXT";
  l.protocol = SecurityProtocol::SaslPlaintext;
  return load_sasl_config(c, l);
}

}  // namespace

TEST(Listeners, ParsesNamesProtocolsAndAdvertisedAddresses) {
  auto c = config_of({{"listeners", "PLAINTEXT://127.0.0.1:0, client://:9093,SASL_SSL://[::1]:0"},
                      {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CLIENT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"},
                      {"advertised.listeners", "CLIENT://kafka.example:19093"}});
  auto ls = parse_listeners(c, "127.0.0.1", 0);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0].name, "PLAINTEXT");
  EXPECT_EQ(ls[1].name, "CLIENT");
  EXPECT_EQ(ls[1].protocol, SecurityProtocol::SaslPlaintext);
  EXPECT_EQ(ls[1].host, "0.0.0.0");
  EXPECT_EQ(ls[1].advertised_host, "kafka.example");
  EXPECT_EQ(ls[1].advertised_port, 19093);
  EXPECT_EQ(ls[2].host, "::1");
  EXPECT_EQ(ls[2].config_prefix(), "listener.name.sasl_ssl.");
}

TEST(Listeners, DefaultIsOnePlaintextListener) {
  auto ls = parse_listeners(BrokerConfig{}, "127.0.0.1", 9092);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].protocol, SecurityProtocol::Plaintext);
  EXPECT_EQ(ls[0].port, 9092);
}

TEST(Listeners, RejectsBadEntriesWithTheValue) {
  auto expect_error = [](BrokerConfig c, const std::string& part) {
    try {
      parse_listeners(c, "127.0.0.1", 0);
      FAIL() << "expected ConfigError containing " << part;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error(config_of({{"listeners", "FOO://127.0.0.1:0"}}), "No security protocol defined for listener FOO");
  expect_error(config_of({{"listeners", "PLAINTEXT://127.0.0.1"}}), "PLAINTEXT://127.0.0.1");
  expect_error(config_of({{"listeners", "PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0"}}), "different name");
  expect_error(config_of({{"listeners", "PLAINTEXT://h:99999"}}), "0..65535");
  expect_error(config_of({{"listeners", "PLAINTEXT://h:1"}, {"advertised.listeners", "SSL://x:1"}}), "not in listeners");
  expect_error(config_of({{"listener.security.protocol.map", "A:TLS"}}), "A:TLS");
}

TEST(SaslConfig, RejectsUnsupportedMechanisms) {
  ListenerSpec l;
  l.name = "SASL_SSL";
  EXPECT_THROW(load_sasl_config(BrokerConfig{}, l), ConfigError);  // Kafka's default is GSSAPI
  EXPECT_THROW(load_sasl_config(config_of({{"sasl.enabled.mechanisms", "PLAIN,OAUTHBEARER"}}), l), ConfigError);
}

TEST(SaslSession, OnlyHandshakeApisBeforeAuthentication) {
  auto cfg = sasl_config();
  SaslSession s(&cfg);
  EXPECT_FALSE(s.authenticated());
  EXPECT_TRUE(s.admits(ApiKey::ApiVersions, 0));
  EXPECT_TRUE(s.admits(ApiKey::SaslHandshake, 0));
  EXPECT_FALSE(s.admits(ApiKey::Metadata, 0));
  EXPECT_FALSE(s.admits(ApiKey::Produce, 0));
  EXPECT_FALSE(s.admits(ApiKey::SaslAuthenticate, 0));  // before the handshake
  ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
  EXPECT_TRUE(s.admits(ApiKey::SaslAuthenticate, 0));
  EXPECT_FALSE(s.admits(ApiKey::ApiVersions, 0));
  EXPECT_FALSE(s.admits(ApiKey::Metadata, 0));
}

TEST(SaslSession, PlainAcceptsConfiguredAndJaasUsers) {
  auto cfg = sasl_config();
  for (auto [user, pw] : {std::pair{"alice", "alice-secret"}, std::pair{"bob", "bob-pw"}}) {
    SaslSession s(&cfg);
    ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
    auto r = s.authenticate(plain_token(user, pw), 0);
    EXPECT_EQ(r.error, Error::NONE) << r.message;
    EXPECT_TRUE(s.authenticated());
    EXPECT_EQ(s.principal(), std::string("User:") + user);
    EXPECT_EQ(r.session_lifetime_ms, 1000);
    EXPECT_TRUE(s.admits(ApiKey::Produce, 999));
  }
}

TEST(SaslSession, PlainRejectsWrongPasswordsWithoutSayingWhich) {
  auto cfg = sasl_config();
  for (auto token : {plain_token("alice", "wrong"), plain_token("nobody", "alice-secret"), plain_token("alice", ""),
                     std::string("alice-secret"), plain_token("alice", "alice-secret", "bob")}) {
    SaslSession s(&cfg);
    ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
    auto r = s.authenticate(token, 0);
    EXPECT_EQ(r.error, Error::SASL_AUTHENTICATION_FAILED);
    EXPECT_TRUE(r.close);
    EXPECT_FALSE(s.authenticated());
    EXPECT_EQ(r.message.find("alice-secret"), std::string::npos);
    EXPECT_FALSE(s.admits(ApiKey::Metadata, 0));
  }
}

TEST(SaslSession, UnknownMechanismAndOutOfOrderRequests) {
  auto cfg = sasl_config();
  SaslSession s(&cfg);
  auto h = s.handshake("GSSAPI", 1);
  EXPECT_EQ(h.error, Error::UNSUPPORTED_SASL_MECHANISM);
  EXPECT_EQ(h.mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
  SaslSession t(&cfg);
  EXPECT_EQ(t.authenticate(plain_token("alice", "alice-secret"), 0).error, Error::ILLEGAL_SASL_STATE);
  SaslSession plaintext(nullptr);
  EXPECT_TRUE(plaintext.authenticated());
  EXPECT_TRUE(plaintext.admits(ApiKey::Produce, 0));
  EXPECT_EQ(plaintext.handshake("PLAIN", 1).error, Error::ILLEGAL_SASL_STATE);
}

TEST(SaslSession, ScramBothMechanismsWithOurClient) {
  auto cfg = sasl_config();
  for (auto mech : {kafka::sasl::ScramMechanism::Sha256, kafka::sasl::ScramMechanism::Sha512}) {
    SaslSession s(&cfg);
    ASSERT_EQ(s.handshake(kafka::sasl::scram_mechanism_name(mech), 1).error, Error::NONE);
    kafka::sasl::ScramClient client(mech, "alice", "alice-secret");
    auto first = s.authenticate(client.client_first(), 0);
    ASSERT_EQ(first.error, Error::NONE) << first.message;
    EXPECT_FALSE(s.authenticated());
    std::string final_msg, err;
    ASSERT_TRUE(client.client_final(first.response, final_msg, err)) << err;
    auto done = s.authenticate(final_msg, 0);
    ASSERT_EQ(done.error, Error::NONE) << done.message;
    EXPECT_TRUE(client.verify_server_final(done.response, err)) << err;
    EXPECT_TRUE(s.authenticated());
    EXPECT_EQ(s.principal(), "User:alice");
  }
}

TEST(SaslSession, ScramRejectsWrongPasswordAndReplayedFinalMessage) {
  auto cfg = sasl_config();
  auto mech = kafka::sasl::ScramMechanism::Sha256;
  // A captured successful exchange...
  SaslSession first(&cfg);
  ASSERT_EQ(first.handshake("SCRAM-SHA-256", 1).error, Error::NONE);
  kafka::sasl::ScramClient client(mech, "alice", "alice-secret", "fixed-client-nonce");
  auto server_first = first.authenticate(client.client_first(), 0);
  std::string final_msg, err;
  ASSERT_TRUE(client.client_final(server_first.response, final_msg, err));
  ASSERT_EQ(first.authenticate(final_msg, 0).error, Error::NONE);
  // ...replayed on a new connection: the server nonce differs, so it fails.
  SaslSession replay(&cfg);
  ASSERT_EQ(replay.handshake("SCRAM-SHA-256", 1).error, Error::NONE);
  kafka::sasl::ScramClient again(mech, "alice", "alice-secret", "fixed-client-nonce");
  ASSERT_EQ(replay.authenticate(again.client_first(), 0).error, Error::NONE);
  auto r = replay.authenticate(final_msg, 0);
  EXPECT_EQ(r.error, Error::SASL_AUTHENTICATION_FAILED);
  EXPECT_TRUE(r.close);
  EXPECT_FALSE(replay.authenticated());

  SaslSession wrong(&cfg);
  ASSERT_EQ(wrong.handshake("SCRAM-SHA-256", 1).error, Error::NONE);
  kafka::sasl::ScramClient bad(mech, "alice", "not-the-password");
  auto sf = wrong.authenticate(bad.client_first(), 0);
  ASSERT_EQ(sf.error, Error::NONE);
  ASSERT_TRUE(bad.client_final(sf.response, final_msg, err));
  r = wrong.authenticate(final_msg, 0);
  EXPECT_EQ(r.error, Error::SASL_AUTHENTICATION_FAILED);
  EXPECT_NE(r.message.find("SCRAM-SHA-256"), std::string::npos) << r.message;

  SaslSession garbage(&cfg);
  ASSERT_EQ(garbage.handshake("SCRAM-SHA-512", 1).error, Error::NONE);
  EXPECT_EQ(garbage.authenticate("not scram at all", 0).error, Error::SASL_AUTHENTICATION_FAILED);
}

TEST(SaslSession, PreSaltedScramCredentials) {
  auto cred = kafka::sasl::make_scram_credential(kafka::sasl::ScramMechanism::Sha512, "carol-pw", "0123456789abcdef", 8192);
  auto value = "salt=" + kafka::sasl::base64_encode(cred.salt) + ",stored_key=" +
               kafka::sasl::base64_encode(cred.stored_key) + ",server_key=" +
               kafka::sasl::base64_encode(cred.server_key) + ",iterations=8192";
  BrokerConfig c;
  c.set("sasl.enabled.mechanisms", "SCRAM-SHA-512");
  c.set("refbroker.sasl.scram.SCRAM-SHA-512.carol", value);
  ListenerSpec l;
  l.name = "SASL_SSL";
  auto cfg = load_sasl_config(c, l);
  SaslSession s(&cfg);
  ASSERT_EQ(s.handshake("SCRAM-SHA-512", 1).error, Error::NONE);
  kafka::sasl::ScramClient client(kafka::sasl::ScramMechanism::Sha512, "carol", "carol-pw");
  auto first = s.authenticate(client.client_first(), 0);
  ASSERT_EQ(first.error, Error::NONE);
  EXPECT_NE(first.response.find(",i=8192"), std::string::npos);
  std::string final_msg, err;
  ASSERT_TRUE(client.client_final(first.response, final_msg, err)) << err;
  EXPECT_EQ(s.authenticate(final_msg, 0).error, Error::NONE);

  c.set("refbroker.sasl.scram.SCRAM-SHA-512.dave", "salt=!!,stored_key=,server_key=");
  EXPECT_THROW(load_sasl_config(c, l), ConfigError);
}

TEST(SaslSession, SessionExpiryAndReauthentication) {
  auto cfg = sasl_config();  // connections.max.reauth.ms=1000
  SaslSession s(&cfg);
  ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
  ASSERT_EQ(s.authenticate(plain_token("alice", "alice-secret"), 5000).error, Error::NONE);
  EXPECT_TRUE(s.admits(ApiKey::Fetch, 5999));
  EXPECT_FALSE(s.admits(ApiKey::Fetch, 6000));  // expired: close on the next request...
  EXPECT_TRUE(s.admits(ApiKey::SaslHandshake, 6000));  // ...unless it re-authenticates
  ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
  auto r = s.authenticate(plain_token("alice", "alice-secret"), 6000);
  ASSERT_EQ(r.error, Error::NONE);
  EXPECT_EQ(r.session_lifetime_ms, 1000);
  EXPECT_TRUE(s.admits(ApiKey::Fetch, 6999));
  // Re-authenticating as someone else is refused, as Kafka does.
  ASSERT_EQ(s.handshake("PLAIN", 1).error, Error::NONE);
  r = s.authenticate(plain_token("bob", "bob-pw"), 6500);
  EXPECT_EQ(r.error, Error::SASL_AUTHENTICATION_FAILED);
  EXPECT_TRUE(r.close);
  // v0 (raw tokens) cannot be used to re-authenticate.
  SaslSession t(&cfg);
  ASSERT_EQ(t.handshake("PLAIN", 0).error, Error::NONE);
  EXPECT_TRUE(t.raw_tokens());
  ASSERT_EQ(t.authenticate(plain_token("alice", "alice-secret"), 0).error, Error::NONE);
  EXPECT_FALSE(t.raw_tokens());
  EXPECT_EQ(t.handshake("PLAIN", 0).error, Error::ILLEGAL_SASL_STATE);
}

// ---- ACLs

TEST(Acl, ParsesTheConfigSyntax) {
  auto b = parse_acl("allow User:alice Write topic prefixed orders-");
  EXPECT_EQ(b.permission, AclPermission::Allow);
  EXPECT_EQ(b.principal, "User:alice");
  EXPECT_EQ(b.operation, AclOperation::Write);
  EXPECT_EQ(b.resource_type, ResourceType::Topic);
  EXPECT_EQ(b.pattern_type, PatternType::Prefixed);
  EXPECT_EQ(b.resource_name, "orders-");
  EXPECT_EQ(b.host, "*");
  auto d = parse_acl("DENY User:* IdempotentWrite cluster literal kafka-cluster 10.0.0.1");
  EXPECT_EQ(d.permission, AclPermission::Deny);
  EXPECT_EQ(d.operation, AclOperation::IdempotentWrite);
  EXPECT_EQ(d.host, "10.0.0.1");
  EXPECT_EQ(parse_acl("allow User:a Read transactional-id literal t").resource_type, ResourceType::TransactionalId);
  EXPECT_THROW(parse_acl("allow alice Read topic literal t"), ConfigError);
  EXPECT_THROW(parse_acl("permit User:a Read topic literal t"), ConfigError);
  EXPECT_THROW(parse_acl("allow User:a Frobnicate topic literal t"), ConfigError);
  EXPECT_THROW(parse_acl("allow User:a Read table literal t"), ConfigError);
  EXPECT_THROW(parse_acl("allow User:a Read topic regex t"), ConfigError);
  EXPECT_THROW(parse_acl("allow User:a Read topic"), ConfigError);
}

TEST(Acl, DisabledAuthorizerAllowsEverything) {
  Authorizer a(false, {parse_acl("deny User:* All topic literal *")});
  EXPECT_TRUE(a.authorize("User:alice", "127.0.0.1", AclOperation::Write, ResourceType::Topic, "t"));
}

TEST(Acl, LiteralPrefixedAndWildcardPatterns) {
  Authorizer a(true, {parse_acl("allow User:alice Write topic prefixed orders-"),
                      parse_acl("allow User:bob Read topic literal payments"),
                      parse_acl("allow User:* Describe topic literal *"),
                      parse_acl("allow User:carol Read group literal *")});
  auto ok = [&](const char* who, AclOperation op, ResourceType t, const char* name) {
    return a.authorize(who, "127.0.0.1", op, t, name);
  };
  EXPECT_TRUE(ok("User:alice", AclOperation::Write, ResourceType::Topic, "orders-eu"));
  EXPECT_TRUE(ok("User:alice", AclOperation::Write, ResourceType::Topic, "orders-"));
  EXPECT_FALSE(ok("User:alice", AclOperation::Write, ResourceType::Topic, "orders"));
  EXPECT_FALSE(ok("User:alice", AclOperation::Read, ResourceType::Topic, "orders-eu"));
  EXPECT_TRUE(ok("User:bob", AclOperation::Read, ResourceType::Topic, "payments"));
  EXPECT_FALSE(ok("User:bob", AclOperation::Read, ResourceType::Topic, "payments2"));
  EXPECT_TRUE(ok("User:anyone", AclOperation::Describe, ResourceType::Topic, "whatever"));
  EXPECT_FALSE(ok("User:anyone", AclOperation::Read, ResourceType::Topic, "whatever"));
  EXPECT_TRUE(ok("User:carol", AclOperation::Read, ResourceType::Group, "g1"));
  EXPECT_FALSE(ok("User:carol", AclOperation::Read, ResourceType::Topic, "g1"));  // types don't mix
  EXPECT_FALSE(ok("User:carol", AclOperation::Read, ResourceType::TransactionalId, "g1"));
}

TEST(Acl, DenyWinsAndImpliedOperations) {
  Authorizer a(true, {parse_acl("allow User:* All topic prefixed t"), parse_acl("deny User:mallory Write topic literal t1"),
                      parse_acl("allow User:dan Read topic literal r"), parse_acl("allow User:dan AlterConfigs topic literal r"),
                      parse_acl("deny User:erin Read topic literal r"), parse_acl("allow User:erin Write topic literal r")});
  auto ok = [&](const char* who, AclOperation op, const char* name) {
    return a.authorize(who, "127.0.0.1", op, ResourceType::Topic, name);
  };
  EXPECT_TRUE(ok("User:mallory", AclOperation::Write, "t2"));
  EXPECT_FALSE(ok("User:mallory", AclOperation::Write, "t1"));  // deny beats the All allow
  EXPECT_TRUE(ok("User:mallory", AclOperation::Read, "t1"));
  EXPECT_TRUE(ok("User:dan", AclOperation::Describe, "r"));         // Read implies Describe
  EXPECT_TRUE(ok("User:dan", AclOperation::DescribeConfigs, "r"));  // AlterConfigs implies DescribeConfigs
  EXPECT_FALSE(ok("User:dan", AclOperation::Write, "r"));
  EXPECT_TRUE(ok("User:erin", AclOperation::Describe, "r"));  // deny Read does not deny Describe
  EXPECT_FALSE(ok("User:erin", AclOperation::Read, "r"));
}

TEST(Acl, HostsSuperUsersAndNoAclFound) {
  Authorizer strict(true, {parse_acl("allow User:alice Read topic literal a 10.1.1.1")}, {"User:admin"}, false);
  EXPECT_TRUE(strict.authorize("User:alice", "10.1.1.1", AclOperation::Read, ResourceType::Topic, "a"));
  EXPECT_FALSE(strict.authorize("User:alice", "127.0.0.1", AclOperation::Read, ResourceType::Topic, "a"));
  EXPECT_TRUE(strict.authorize("User:admin", "127.0.0.1", AclOperation::Delete, ResourceType::Cluster, "kafka-cluster"));
  EXPECT_FALSE(strict.authorize("User:alice", "10.1.1.1", AclOperation::Read, ResourceType::Topic, "no-acls"));
  Authorizer open(true, {parse_acl("allow User:alice Read topic literal a")}, {}, true);
  EXPECT_TRUE(open.authorize("User:bob", "127.0.0.1", AclOperation::Write, ResourceType::Topic, "no-acls"));
  EXPECT_FALSE(open.authorize("User:bob", "127.0.0.1", AclOperation::Read, ResourceType::Topic, "a"));  // has ACLs
}

TEST(Acl, FromConfigAndFilters) {
  auto c = config_of({{"authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"},
                      {"super.users", "User:admin; User:ops"},
                      {"refbroker.acl.1", "allow User:alice Read topic literal a"},
                      {"refbroker.acl.2", "allow User:alice Write topic prefixed a"}});
  Authorizer a(c);
  EXPECT_TRUE(a.enabled());
  EXPECT_TRUE(a.authorize("User:ops", "h", AclOperation::Alter, ResourceType::Cluster, "kafka-cluster"));
  EXPECT_EQ(a.describe({}).size(), 2u);
  AclFilter f;
  f.pattern_type = PatternType::Match;
  f.resource_name = "abc";
  EXPECT_EQ(a.describe(f).size(), 1u);  // only the prefixed one covers "abc"
  f.resource_name = "a";
  EXPECT_EQ(a.describe(f).size(), 2u);
  a.add(parse_acl("allow User:bob Read group literal g"));
  AclFilter groups;
  groups.resource_type = ResourceType::Group;
  EXPECT_EQ(a.remove(groups).size(), 1u);
  EXPECT_EQ(a.describe({}).size(), 2u);
  EXPECT_THROW(Authorizer(config_of({{"refbroker.acl.x", "allow nobody"}})), ConfigError);
}
