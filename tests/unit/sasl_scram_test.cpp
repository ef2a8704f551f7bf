// kafka::sasl SCRAM: RFC 7677's example exchange, client/server round trips, and the failures a
// broker must reject (wrong password, unknown user, altered or replayed nonces, malformed input).
#include "kafka/sasl/scram.h"

#include <gtest/gtest.h>

#include <map>

using namespace kafka::sasl;

namespace {

// RFC 7677 section 3.
constexpr const char* kRfcClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* kRfcServerSuffix = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kRfcSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr const char* kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kRfcClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

struct Users {
  ScramMechanism mech;
  std::map<std::string, ScramCredential> creds;
  ScramServer::Lookup lookup() const {
    return [this](const std::string& user) -> std::optional<ScramCredential> {
      auto it = creds.find(user);
      if (it == creds.end()) return std::nullopt;
      return it->second;
    };
  }
};

// Runs a whole exchange; returns the server's error (empty on success) and checks the client
// accepts the server's signature whenever the server accepted the client.
std::string exchange(ScramMechanism m, const Users& users, const std::string& user, const std::string& password) {
  ScramClient client(m, user, password);
  ScramServer server(m, users.lookup());
  std::string server_first, client_final, server_final, err;
  if (!server.server_first(client.client_first(), server_first, err)) return err;
  if (!client.client_final(server_first, client_final, err)) return "client: " + err;
  if (!server.server_final(client_final, server_final, err)) return err;
  EXPECT_TRUE(server.authenticated());
  EXPECT_EQ(server.username(), user);
  std::string client_err;
  EXPECT_TRUE(client.verify_server_final(server_final, client_err)) << client_err;
  return "";
}

}  // namespace

TEST(SaslScram, MechanismNames) {
  EXPECT_EQ(scram_mechanism_from_name("SCRAM-SHA-256"), ScramMechanism::Sha256);
  EXPECT_EQ(scram_mechanism_from_name("SCRAM-SHA-512"), ScramMechanism::Sha512);
  EXPECT_FALSE(scram_mechanism_from_name("scram-sha-256"));
  EXPECT_FALSE(scram_mechanism_from_name("PLAIN"));
  EXPECT_EQ(scram_mechanism_name(ScramMechanism::Sha512), "SCRAM-SHA-512");
}

TEST(SaslScram, Rfc7677ClientSide) {
  ScramClient client(ScramMechanism::Sha256, "user", "pencil", kRfcClientNonce);
  EXPECT_EQ(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  std::string final_msg, err;
  ASSERT_TRUE(client.client_final(kRfcServerFirst, final_msg, err)) << err;
  EXPECT_EQ(final_msg, kRfcClientFinal);
  EXPECT_TRUE(client.verify_server_final(kRfcServerFinal, err)) << err;
}

TEST(SaslScram, Rfc7677ServerSide) {
  Users users{ScramMechanism::Sha256, {}};
  users.creds["user"] = make_scram_credential(ScramMechanism::Sha256, "pencil", *base64_decode(kRfcSalt), 4096);
  ScramServer server(ScramMechanism::Sha256, users.lookup(), kRfcServerSuffix);
  std::string out, err;
  ASSERT_TRUE(server.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", out, err)) << err;
  EXPECT_EQ(out, kRfcServerFirst);
  ASSERT_TRUE(server.server_final(kRfcClientFinal, out, err)) << err;
  EXPECT_EQ(out, kRfcServerFinal);
  EXPECT_TRUE(server.authenticated());
  EXPECT_EQ(server.username(), "user");
}

TEST(SaslScram, ClientRejectsForgedServerSignature) {
  ScramClient client(ScramMechanism::Sha256, "user", "pencil", kRfcClientNonce);
  client.client_first();
  std::string final_msg, err;
  ASSERT_TRUE(client.client_final(kRfcServerFirst, final_msg, err));
  EXPECT_FALSE(client.verify_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", err));
  EXPECT_NE(err.find("invalid server signature"), std::string::npos) << err;
  EXPECT_FALSE(client.verify_server_final("e=invalid-proof", err));
  EXPECT_NE(err.find("invalid-proof"), std::string::npos) << err;
  EXPECT_FALSE(client.verify_server_final("garbage", err));
}

TEST(SaslScram, RoundTripsBothMechanisms) {
  for (auto m : {ScramMechanism::Sha256, ScramMechanism::Sha512}) {
    Users users{m, {}};
    users.creds["alice"] = make_scram_credential(m, "alice-secret");
    users.creds["bob"] = make_scram_credential(m, "bob-secret", "fixedsalt", 8192);
    EXPECT_EQ(exchange(m, users, "alice", "alice-secret"), "") << scram_mechanism_name(m);
    EXPECT_EQ(exchange(m, users, "bob", "bob-secret"), "") << scram_mechanism_name(m);
    EXPECT_EQ(users.creds["alice"].stored_key.size(), m == ScramMechanism::Sha256 ? 32u : 64u);
  }
}

TEST(SaslScram, CredentialsDependOnMechanismAndSalt) {
  auto a = make_scram_credential(ScramMechanism::Sha256, "pw");
  auto b = make_scram_credential(ScramMechanism::Sha256, "pw");
  EXPECT_EQ(a.salt.size(), 32u);
  EXPECT_NE(a.salt, b.salt);  // fresh random salt
  EXPECT_NE(a.stored_key, b.stored_key);
  EXPECT_THROW(make_scram_credential(ScramMechanism::Sha256, "pw", "salt", 1000), std::invalid_argument);
  // A credential of one mechanism does not authenticate the other.
  Users users{ScramMechanism::Sha512, {}};
  users.creds["u"] = make_scram_credential(ScramMechanism::Sha256, "pw");
  EXPECT_NE(exchange(ScramMechanism::Sha512, users, "u", "pw"), "");
}

TEST(SaslScram, WrongPasswordAndUnknownUserFailAlike) {
  Users users{ScramMechanism::Sha256, {}};
  users.creds["alice"] = make_scram_credential(ScramMechanism::Sha256, "right");
  std::string wrong = exchange(ScramMechanism::Sha256, users, "alice", "wrong");
  std::string unknown = exchange(ScramMechanism::Sha256, users, "mallory", "whatever");
  EXPECT_NE(wrong, "");
  EXPECT_EQ(wrong, unknown);
  EXPECT_NE(wrong.find("SCRAM-SHA-256"), std::string::npos) << wrong;
  // An unknown user still gets a well-formed server-first with a stable salt.
  std::string first1, first2, err;
  ScramServer s1(ScramMechanism::Sha256, users.lookup());
  ScramServer s2(ScramMechanism::Sha256, users.lookup());
  ASSERT_TRUE(s1.server_first("n,,n=mallory,r=abc", first1, err));
  ASSERT_TRUE(s2.server_first("n,,n=mallory,r=abc", first2, err));
  auto salt_of = [](const std::string& m) { return m.substr(m.find(",s="), m.find(",i=") - m.find(",s=")); };
  EXPECT_EQ(salt_of(first1), salt_of(first2));
  EXPECT_NE(first1.find(",i=4096"), std::string::npos);
}

TEST(SaslScram, AlteredOrReplayedNonceIsRejected) {
  Users users{ScramMechanism::Sha256, {}};
  users.creds["user"] = make_scram_credential(ScramMechanism::Sha256, "pencil", *base64_decode(kRfcSalt), 4096);
  // Replay: the RFC's valid client-final against a server that picked a different nonce.
  {
    ScramServer server(ScramMechanism::Sha256, users.lookup());
    std::string out, err;
    ASSERT_TRUE(server.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", out, err));
    EXPECT_FALSE(server.server_final(kRfcClientFinal, out, err));
    EXPECT_EQ(err, "SCRAM: nonce mismatch");
    EXPECT_FALSE(server.authenticated());
  }
  // Replaying the same client-final twice on one exchange is out of sequence.
  {
    ScramServer server(ScramMechanism::Sha256, users.lookup(), kRfcServerSuffix);
    std::string out, err;
    ASSERT_TRUE(server.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", out, err));
    ASSERT_TRUE(server.server_final(kRfcClientFinal, out, err));
    EXPECT_FALSE(server.server_final(kRfcClientFinal, out, err));
    EXPECT_FALSE(server.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", out, err));
  }
  // Client: a server nonce that does not extend ours, or merely equals it.
  {
    ScramClient client(ScramMechanism::Sha256, "user", "pencil", "clientnonce");
    client.client_first();
    std::string out, err;
    EXPECT_FALSE(client.client_final("r=othernonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out, err));
    EXPECT_NE(err.find("nonce"), std::string::npos);
    EXPECT_FALSE(client.client_final("r=clientnonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out, err));
  }
  // Altered proof.
  {
    ScramServer server(ScramMechanism::Sha256, users.lookup(), kRfcServerSuffix);
    std::string out, err;
    ASSERT_TRUE(server.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", out, err));
    std::string altered = kRfcClientFinal;
    altered[altered.size() - 5] = altered[altered.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(server.server_final(altered, out, err));
    EXPECT_FALSE(server.authenticated());
  }
}

TEST(SaslScram, MalformedMessages) {
  Users users{ScramMechanism::Sha256, {}};
  users.creds["user"] = make_scram_credential(ScramMechanism::Sha256, "pencil");
  auto first_fails = [&](std::string_view msg) {
    ScramServer server(ScramMechanism::Sha256, users.lookup());
    std::string out, err;
    bool ok = server.server_first(msg, out, err);
    EXPECT_FALSE(ok) << msg;
    EXPECT_FALSE(err.empty()) << msg;
    return err;
  };
  first_fails("");
  first_fails("n,,");
  first_fails("n,,r=abc,n=user");       // attributes out of order
  first_fails("n,,n=user");             // no nonce
  first_fails("n,,n=user,r=");          // empty nonce
  first_fails("n,,n=us=er,r=abc");      // bad escape
  first_fails("n,,n=,r=abc");           // empty user
  first_fails("x,,n=user,r=abc");       // bad gs2 flag
  first_fails("n,a=other,n=user,r=abc");  // authzid of another user
  first_fails("n,,m=ext,n=user,r=abc");
  EXPECT_EQ(first_fails("p=tls-unique,,n=user,r=abc"), "SCRAM: channel binding is not supported");
  {  // authzid equal to the user is fine, and c= must then echo that header.
    ScramClient client(ScramMechanism::Sha256, "user", "pencil", "nonce1");
    ScramServer server(ScramMechanism::Sha256, users.lookup());
    std::string out, err, client_final;
    ASSERT_TRUE(server.server_first("n,a=user,n=user,r=nonce1", out, err)) << err;
    client.client_first();
    ASSERT_TRUE(client.client_final(out, client_final, err)) << err;
    EXPECT_FALSE(server.server_final(client_final, out, err));  // c=biws but header was "n,a=user,"
    EXPECT_EQ(err, "SCRAM: channel binding data does not match");
  }
  auto final_fails = [&](std::string_view msg) {
    ScramServer server(ScramMechanism::Sha256, users.lookup(), "suffix");
    std::string out, err;
    EXPECT_TRUE(server.server_first("n,,n=user,r=abc", out, err));
    EXPECT_FALSE(server.server_final(msg, out, err)) << msg;
    EXPECT_FALSE(err.empty());
    EXPECT_FALSE(server.authenticated());
  };
  final_fails("");
  final_fails("c=biws,r=abcsuffix");                 // no proof
  final_fails("c=biws,r=abcsuffix,p=!!!!");          // proof not base64
  final_fails("c=biws,r=abcsuffix,p=AAAA");          // proof of the wrong size
  final_fails("c=eSws,r=abcsuffix,p=AAAA");          // wrong channel binding echo
  final_fails("r=abcsuffix,c=biws,p=AAAA");          // order

  auto client_fails = [&](std::string_view server_first) {
    ScramClient client(ScramMechanism::Sha256, "user", "pencil", "abc");
    client.client_first();
    std::string out, err;
    EXPECT_FALSE(client.client_final(server_first, out, err)) << server_first;
    EXPECT_FALSE(err.empty());
    return err;
  };
  client_fails("");
  client_fails("r=abcdef");
  client_fails("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==");
  client_fails("r=abcdef,s=not base64,i=4096");
  client_fails("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x");
  client_fails("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1");
  client_fails("m=ext,r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  EXPECT_NE(client_fails("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024").find("iteration"), std::string::npos);
  EXPECT_NE(client_fails("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999").find("iteration"), std::string::npos);
  // Out of sequence on the client.
  ScramClient fresh(ScramMechanism::Sha256, "user", "pencil", "abc");
  std::string out, err;
  EXPECT_FALSE(fresh.client_final("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out, err));
  EXPECT_FALSE(fresh.verify_server_final(kRfcServerFinal, err));
}

TEST(SaslScram, UsernameEscaping) {
  ScramClient client(ScramMechanism::Sha256, "a,b=c", "pw", "nonce");
  EXPECT_EQ(client.client_first(), "n,,n=a=2Cb=3Dc,r=nonce");
  for (auto m : {ScramMechanism::Sha256, ScramMechanism::Sha512}) {
    Users users{m, {}};
    users.creds["a,b=c"] = make_scram_credential(m, "pw");
    users.creds["=2C"] = make_scram_credential(m, "pw2");
    EXPECT_EQ(exchange(m, users, "a,b=c", "pw"), "");
    EXPECT_EQ(exchange(m, users, "=2C", "pw2"), "");  // escaped as "=3D2C", not confused with ','
  }
}

TEST(SaslScram, Base64Strictness) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Zg==Zg==", "Z===", "====", "Zm9v\n", " Zm9v", "Zm 9", "Zm9-",
                          "Zm9_", "Zh==", "Zm9=", "Zg=a", "=Zg="})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(SaslScram, RandomNonce) {
  std::string a = random_nonce(), b = random_nonce();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 32u);  // base64 of 24 bytes
  EXPECT_EQ(a.find(','), std::string::npos);
  EXPECT_TRUE(base64_decode(a));
}
