// SASL on the broker side: the credentials of a listener (PLAIN passwords, SCRAM credentials
// salted as Kafka stores them) and the per-connection authentication state machine that the
// SaslHandshake/SaslAuthenticate handlers drive and the connection consults before every request.
// No Asio, no I/O: unit-testable on its own. Nothing here logs or returns secrets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/protocol.h"
#include "kafka/sasl/scram.h"
#include "listeners.h"

namespace refbroker {

// What one SASL listener accepts.
struct SaslListenerConfig {
  std::vector<std::string> mechanisms;               // enabled, in configured order
  std::map<std::string, std::string> plain_users;    // user -> password
  // mechanism name ("SCRAM-SHA-256") -> user -> credential
  std::map<std::string, std::map<std::string, kafka::sasl::ScramCredential>> scram;
  int64_t max_reauth_ms = 0;  // connections.max.reauth.ms; 0: sessions never expire

  bool enabled(std::string_view mechanism) const;
};

// Reads sasl.enabled.mechanisms, the users (see broker/README.md: refbroker.sasl.users.<name>,
// JAAS user_<name>="pw" for PLAIN, refbroker.sasl.scram.<MECH>.<name>=salt=..,stored_key=..,
// server_key=..,iterations=..) and connections.max.reauth.ms for one listener. Throws ConfigError.
SaslListenerConfig load_sasl_config(const BrokerConfig& config, const ListenerSpec& listener);

// One connection's authentication. A connection on a non-SASL listener starts authenticated (as
// User:ANONYMOUS, or the TLS client certificate's subject).
class SaslSession {
 public:
  // config null: not a SASL listener.
  SaslSession(const SaslListenerConfig* config, std::string principal = "User:ANONYMOUS");
  ~SaslSession();
  SaslSession(const SaslSession&) = delete;
  SaslSession& operator=(const SaslSession&) = delete;

  // Whether a request of this API may be served now; false means the connection must close
  // (Kafka closes connections sending anything but ApiVersions/SaslHandshake/SaslAuthenticate
  // before authenticating, and those whose session expired, KIP-368).
  bool admits(kafka::proto::ApiKey key, int64_t now_ms) const;

  struct HandshakeResult {
    kafka::Error error = kafka::Error::NONE;
    std::vector<std::string> mechanisms;
  };
  // SaslHandshake: v0 switches the connection to raw SASL tokens (raw_tokens()), v1 expects
  // SaslAuthenticate requests. Allowed again after authentication (re-authentication, v1 only).
  HandshakeResult handshake(std::string_view mechanism, int16_t version);

  struct AuthResult {
    kafka::Error error = kafka::Error::NONE;
    std::string message;        // set on errors; never contains secrets
    std::string response;       // the server's token
    int64_t session_lifetime_ms = 0;
    bool close = false;         // the connection must be closed after answering
  };
  // One SaslAuthenticate (or raw v0 token).
  AuthResult authenticate(std::string_view token, int64_t now_ms);

  bool is_sasl() const { return config_ != nullptr; }
  bool authenticated() const { return authenticated_; }
  bool raw_tokens() const { return state_ == State::RawTokens; }
  const std::string& principal() const { return principal_; }
  void set_principal(std::string p) { principal_ = std::move(p); }

 private:
  enum class State { Handshake, Authenticate, RawTokens, Done };
  AuthResult fail(std::string message);
  AuthResult plain(std::string_view token, std::string& user);

  const SaslListenerConfig* config_;
  std::string principal_;
  bool authenticated_;
  State state_;
  std::string mechanism_;
  std::unique_ptr<kafka::sasl::ScramServer> scram_;
  bool scram_first_done_ = false;
  int64_t expires_at_ms_ = 0;  // 0: never
};

}  // namespace refbroker
