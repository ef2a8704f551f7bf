// SASL/SCRAM (RFC 5802 / RFC 7677) as Kafka uses it: see kafka/sasl/scram.h.
#include "kafka/sasl/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace kafka::sasl {
namespace {

constexpr int kMinIterations = 4096;
// Far above anything Kafka stores (its maximum is 16384), low enough that a hostile server cannot
// make the client hash for minutes.
constexpr int kMaxIterations = 1'000'000;

const EVP_MD* digest(ScramMechanism m) { return m == ScramMechanism::Sha256 ? EVP_sha256() : EVP_sha512(); }
size_t digest_size(ScramMechanism m) { return m == ScramMechanism::Sha256 ? 32 : 64; }

std::string hmac(ScramMechanism m, std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (!HMAC(digest(m), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &len))
    throw std::runtime_error("scram: HMAC failed");
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string hash(ScramMechanism m, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out.data(), &len, digest(m), nullptr))
    throw std::runtime_error("scram: digest failed");
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

// Hi() of RFC 5802 is PBKDF2 with the mechanism's HMAC and the digest's length.
std::string salted_password(ScramMechanism m, std::string_view password, std::string_view salt, int iterations) {
  std::string out(digest_size(m), '\0');
  if (!PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                         reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                         iterations, digest(m), static_cast<int>(out.size()),
                         reinterpret_cast<unsigned char*>(out.data())))
    throw std::runtime_error("scram: PBKDF2 failed");
  return out;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 5802 saslname: ',' and '=' are escaped as "=2C" and "=3D".
std::string escape_username(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

std::optional<std::string> unescape_username(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == ',') return std::nullopt;
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    std::string_view code = name.substr(i + 1, 2);
    if (code == "2C") out += ',';
    else if (code == "3D") out += '=';
    else return std::nullopt;
    i += 2;
  }
  return out;
}

// Splits "a=x,b=y" into attributes; every part must be "<letter>=<value>".
struct Attribute {
  char name;
  std::string_view value;
};
std::optional<std::vector<Attribute>> parse_attributes(std::string_view msg) {
  std::vector<Attribute> out;
  size_t pos = 0;
  while (true) {
    size_t comma = msg.find(',', pos);
    std::string_view part = msg.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() < 2 || part[1] != '=' || !((part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z')))
      return std::nullopt;
    out.push_back({part[0], part.substr(2)});
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

bool printable_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (unsigned char c : nonce)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

std::optional<int> parse_iterations(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || text[0] == '+') return std::nullopt;
  return value;
}

// The part of client-final the signatures cover ("c=...,r=..." without ",p=...").
std::string_view without_proof(std::string_view client_final) {
  size_t p = client_final.rfind(",p=");
  return p == std::string_view::npos ? client_final : client_final.substr(0, p);
}

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<ScramMechanism> scram_mechanism_from_name(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::Sha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::Sha512;
  return std::nullopt;
}

std::string_view scram_mechanism_name(ScramMechanism m) {
  return m == ScramMechanism::Sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

ScramCredential make_scram_credential(ScramMechanism m, std::string_view password, std::string salt, int iterations) {
  if (iterations < kMinIterations) throw std::invalid_argument("scram: iterations below 4096");
  if (salt.empty()) {
    salt.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
      throw std::runtime_error("scram: no random bytes");
  }
  std::string salted = salted_password(m, password, salt, iterations);
  ScramCredential c;
  c.salt = std::move(salt);
  c.iterations = iterations;
  c.stored_key = hash(m, hmac(m, salted, "Client Key"));
  c.server_key = hmac(m, salted, "Server Key");
  return c;
}

std::string base64_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(raw[i])) << 16) | (uint32_t(uint8_t(raw[i + 1])) << 8) | uint8_t(raw[i + 2]);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  size_t rest = raw.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t(uint8_t(raw[i])) << 16;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t(uint8_t(raw[i])) << 16) | (uint32_t(uint8_t(raw[i + 1])) << 8);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      if (k >= 4 - size_t(pad)) {
        v <<= 6;
        continue;
      }
      int d = base64_value(text[i + k]);
      if (d < 0) return std::nullopt;  // also '=' anywhere but the final padding
      v = (v << 6) | uint32_t(d);
    }
    // Canonical form only: the bits that padding drops must be zero.
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) return std::nullopt;
    out += char((v >> 16) & 0xff);
    if (pad < 2) out += char((v >> 8) & 0xff);
    if (pad < 1) out += char(v & 0xff);
  }
  return out;
}

std::string random_nonce(size_t bytes) {
  std::string raw(bytes, '\0');
  if (bytes > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("scram: no random bytes");
  return base64_encode(raw);
}

// ---- client ----

ScramClient::ScramClient(ScramMechanism m, std::string username, std::string password, std::string nonce)
    : mech_(m), user_(std::move(username)), password_(std::move(password)), nonce_(std::move(nonce)) {}

std::string ScramClient::client_first() {
  client_first_bare_ = "n=" + escape_username(user_) + ",r=" + nonce_;
  auth_message_.clear();
  server_signature_.clear();
  return "n,," + client_first_bare_;
}

bool ScramClient::client_final(std::string_view server_first, std::string& out, std::string& err) {
  if (client_first_bare_.empty()) {
    err = "SCRAM: client-first message not sent yet";
    return false;
  }
  auto attrs = parse_attributes(server_first);
  if (!attrs || attrs->size() < 3) {
    err = "SCRAM: malformed server-first message";
    return false;
  }
  const auto& a = *attrs;
  if (a[0].name == 'm') {
    err = "SCRAM: server requires an unsupported extension";
    return false;
  }
  if (a[0].name != 'r' || a[1].name != 's' || a[2].name != 'i') {
    err = "SCRAM: malformed server-first message";
    return false;
  }
  std::string_view nonce = a[0].value;
  if (nonce.size() <= nonce_.size() || nonce.substr(0, nonce_.size()) != nonce_ || !printable_nonce(nonce)) {
    err = "SCRAM: server nonce does not extend the client nonce";
    return false;
  }
  auto salt = base64_decode(a[1].value);
  if (!salt || salt->empty()) {
    err = "SCRAM: invalid salt in server-first message";
    return false;
  }
  auto iterations = parse_iterations(a[2].value);
  if (!iterations) {
    err = "SCRAM: invalid iteration count in server-first message";
    return false;
  }
  if (*iterations < kMinIterations || *iterations > kMaxIterations) {
    err = "SCRAM: iteration count " + std::to_string(*iterations) + " outside [4096, 1000000]";
    return false;
  }
  std::string salted = salted_password(mech_, password_, *salt, *iterations);
  std::string client_key = hmac(mech_, salted, "Client Key");
  std::string stored_key = hash(mech_, client_key);
  std::string final_without_proof = "c=biws,r=" + std::string(nonce);
  auth_message_ = client_first_bare_ + "," + std::string(server_first) + "," + final_without_proof;
  std::string client_signature = hmac(mech_, stored_key, auth_message_);
  server_signature_ = hmac(mech_, hmac(mech_, salted, "Server Key"), auth_message_);
  out = final_without_proof + ",p=" + base64_encode(xor_bytes(client_key, client_signature));
  return true;
}

bool ScramClient::verify_server_final(std::string_view server_final, std::string& err) {
  if (server_signature_.empty()) {
    err = "SCRAM: client-final message not sent yet";
    return false;
  }
  auto attrs = parse_attributes(server_final);
  if (!attrs || attrs->empty()) {
    err = "SCRAM: malformed server-final message";
    return false;
  }
  if ((*attrs)[0].name == 'e') {
    err = "SCRAM: server reported error: " + std::string((*attrs)[0].value);
    return false;
  }
  if ((*attrs)[0].name != 'v') {
    err = "SCRAM: malformed server-final message";
    return false;
  }
  auto signature = base64_decode((*attrs)[0].value);
  if (!signature || !equal_constant_time(*signature, server_signature_)) {
    err = "SCRAM: invalid server signature";
    return false;
  }
  server_signature_.clear();  // one verification per exchange
  return true;
}

// ---- server ----

ScramServer::ScramServer(ScramMechanism m, Lookup lookup, std::string nonce_suffix)
    : mech_(m), lookup_(std::move(lookup)), nonce_suffix_(std::move(nonce_suffix)) {}

bool ScramServer::server_first(std::string_view client_first, std::string& out, std::string& err) {
  if (step_ != 0) {
    err = "SCRAM: unexpected client-first message";
    return false;
  }
  step_ = 1;  // any failure ends the exchange
  // gs2-header: "n," or "y," (no channel binding; "p=" asks for it), then authzid, then ','.
  if (client_first.size() < 3 || (client_first[0] != 'n' && client_first[0] != 'y') || client_first[1] != ',') {
    err = client_first.starts_with("p=") ? "SCRAM: channel binding is not supported"
                                         : "SCRAM: malformed client-first message";
    return false;
  }
  size_t authz_end = client_first.find(',', 2);
  if (authz_end == std::string_view::npos) {
    err = "SCRAM: malformed client-first message";
    return false;
  }
  std::string_view authzid = client_first.substr(2, authz_end - 2);
  if (!authzid.empty() && !authzid.starts_with("a=")) {
    err = "SCRAM: malformed client-first message";
    return false;
  }
  std::string_view bare = client_first.substr(authz_end + 1);
  auto attrs = parse_attributes(bare);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].name != 'n' || (*attrs)[1].name != 'r') {
    err = (attrs && !attrs->empty() && (*attrs)[0].name == 'm') ? "SCRAM: unsupported mandatory extension"
                                                                  : "SCRAM: malformed client-first message";
    return false;
  }
  auto user = unescape_username((*attrs)[0].value);
  if (!user || user->empty()) {
    err = "SCRAM: invalid username encoding";
    return false;
  }
  if (!authzid.empty()) {
    auto authz_user = unescape_username(authzid.substr(2));
    if (!authz_user || *authz_user != *user) {
      err = "SCRAM: authorization id differs from the username";
      return false;
    }
  }
  std::string_view client_nonce = (*attrs)[1].value;
  if (!printable_nonce(client_nonce) || !printable_nonce(nonce_suffix_)) {
    err = "SCRAM: invalid nonce";
    return false;
  }
  user_ = std::move(*user);
  gs2_header_ = std::string(client_first.substr(0, authz_end + 1));
  client_first_bare_ = std::string(bare);
  combined_nonce_ = std::string(client_nonce) + nonce_suffix_;
  cred_ = lookup_ ? lookup_(user_) : std::nullopt;
  std::string salt;
  int iterations = kMinIterations;
  if (cred_) {
    salt = cred_->salt;
    iterations = cred_->iterations;
  } else {
    // An unknown user gets a plausible salt (stable per name within this process) so that the
    // exchange looks like any other until the proof fails.
    static const std::string secret = random_nonce(32);
    salt = hmac(mech_, secret, user_).substr(0, 16);
  }
  server_first_ = "r=" + combined_nonce_ + ",s=" + base64_encode(salt) + ",i=" + std::to_string(iterations);
  out = server_first_;
  step_ = 2;
  return true;
}

bool ScramServer::server_final(std::string_view client_final, std::string& out, std::string& err) {
  if (step_ != 2) {
    err = "SCRAM: unexpected client-final message";
    return false;
  }
  step_ = 3;
  auto attrs = parse_attributes(client_final);
  if (!attrs || attrs->size() < 3 || attrs->front().name != 'c' || (*attrs)[1].name != 'r' ||
      attrs->back().name != 'p') {
    err = "SCRAM: malformed client-final message";
    return false;
  }
  if (attrs->front().value != base64_encode(gs2_header_)) {
    err = "SCRAM: channel binding data does not match";
    return false;
  }
  // Kafka's check is endsWith: librdkafka sends its own nonce again in front of the combined one.
  if (!(*attrs)[1].value.ends_with(combined_nonce_)) {
    err = "SCRAM: nonce mismatch";
    return false;
  }
  auto proof = base64_decode(attrs->back().value);
  if (!proof) {
    err = "SCRAM: malformed client proof";
    return false;
  }
  const std::string invalid =
      "Authentication failed: invalid credentials with SASL mechanism " + std::string(scram_mechanism_name(mech_));
  if (!cred_ || proof->size() != digest_size(mech_)) {
    err = invalid;
    return false;
  }
  std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof(client_final));
  std::string client_signature = hmac(mech_, cred_->stored_key, auth_message);
  std::string client_key = xor_bytes(*proof, client_signature);
  if (!equal_constant_time(hash(mech_, client_key), cred_->stored_key)) {
    err = invalid;
    return false;
  }
  out = "v=" + base64_encode(hmac(mech_, cred_->server_key, auth_message));
  authenticated_ = true;
  return true;
}

}  // namespace kafka::sasl
