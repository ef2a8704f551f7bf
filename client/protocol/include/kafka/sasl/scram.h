// SASL/SCRAM (RFC 5802, RFC 7677) as Kafka speaks it (KIP-84): no channel binding (gs2 header
// "n,,"), SCRAM-SHA-256 and SCRAM-SHA-512, credentials stored as Kafka stores them (salt,
// iterations, StoredKey, ServerKey). Shared by the client (ScramClient) and refbroker
// (ScramServer); OpenSSL does the hashing (target kafka::sasl). Nothing here logs secrets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kafka::sasl {

enum class ScramMechanism { Sha256, Sha512 };

// "SCRAM-SHA-256" / "SCRAM-SHA-512" (case-sensitive, as Kafka); nullopt for anything else.
std::optional<ScramMechanism> scram_mechanism_from_name(std::string_view name);
std::string_view scram_mechanism_name(ScramMechanism m);

// What the broker keeps per user and mechanism. All byte strings are raw (not base64).
struct ScramCredential {
  std::string salt;
  int iterations = 4096;
  std::string stored_key;  // H(ClientKey)
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// Derives the credential from a password (Hi = PBKDF2 with the mechanism's HMAC). Kafka's
// minimum is 4096 iterations; `salt` empty means a fresh random 32-byte salt.
ScramCredential make_scram_credential(ScramMechanism m, std::string_view password, std::string salt = {},
                                      int iterations = 4096);

std::string base64_encode(std::string_view raw);
// Strict decoding (padding required, no whitespace); nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);
// A printable random nonce (base64 of `bytes` random bytes, no ',' characters).
std::string random_nonce(size_t bytes = 24);

// Client side of one exchange: client_first() -> server-first -> client_final() -> server-final
// -> verify_server_final(). Usernames are escaped (',' -> "=2C", '=' -> "=3D") as RFC 5802 says.
class ScramClient {
 public:
  ScramClient(ScramMechanism m, std::string username, std::string password, std::string nonce = random_nonce());
  // "n,,n=<user>,r=<nonce>"
  std::string client_first();
  // Parses server-first ("r=<nonce>,s=<salt>,i=<iterations>"), checks that the server nonce
  // extends ours and that iterations >= 4096; on success sets `out` to the client-final message
  // ("c=biws,r=<nonce>,p=<proof>") and returns true, else sets `err` and returns false.
  bool client_final(std::string_view server_first, std::string& out, std::string& err);
  // Checks "v=<signature>" (or reports the server's "e=<error>"); true when the server proved it
  // knows the credential.
  bool verify_server_final(std::string_view server_final, std::string& err);

 private:
  ScramMechanism mech_;
  std::string user_, password_, nonce_;
  std::string client_first_bare_, auth_message_, server_signature_;
};

// Server side of one exchange. `lookup` returns the stored credential for a username (already
// unescaped), or nullopt for an unknown user; an unknown user fails at server_final with the same
// error as a wrong password (no user enumeration).
class ScramServer {
 public:
  using Lookup = std::function<std::optional<ScramCredential>(const std::string& username)>;
  ScramServer(ScramMechanism m, Lookup lookup, std::string nonce_suffix = random_nonce());
  // Parses client-first (rejects channel binding "p=", and authzid other than empty or the
  // username); sets `out` to server-first.
  bool server_first(std::string_view client_first, std::string& out, std::string& err);
  // Verifies client-final: channel-binding echo "c=biws", a nonce ending with the combined nonce
  // (Kafka's rule; librdkafka repeats its client nonce in front) (a replayed or
  // altered nonce fails), and the proof. On success sets `out` to "v=<server signature>".
  bool server_final(std::string_view client_final, std::string& out, std::string& err);
  // Valid after server_first.
  const std::string& username() const { return user_; }
  bool authenticated() const { return authenticated_; }

 private:
  ScramMechanism mech_;
  Lookup lookup_;
  std::string nonce_suffix_;
  std::string user_, gs2_header_, client_first_bare_, server_first_, combined_nonce_;
  std::optional<ScramCredential> cred_;
  bool authenticated_ = false;
  int step_ = 0;
};

}  // namespace kafka::sasl
