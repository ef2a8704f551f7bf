#include "sasl.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    auto next = s.find(sep, pos);
    auto item = s.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    auto b = item.find_first_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

bool is_scram(std::string_view m) { return kafka::sasl::scram_mechanism_from_name(m).has_value(); }

// user_<name>="<password>" entries of a PlainLoginModule JAAS line.
void parse_jaas_users(const std::string& key, const std::string& jaas, std::map<std::string, std::string>& users) {
  size_t pos = 0;
  while ((pos = jaas.find("user_", pos)) != std::string::npos) {
    if (pos > 0 && !std::isspace(static_cast<unsigned char>(jaas[pos - 1]))) {
      pos += 5;
      continue;
    }
    auto eq = jaas.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= jaas.size() || jaas[eq + 1] != '"')
      throw ConfigError(key + ": expected user_<name>=\"<password>\"");
    auto end = jaas.find('"', eq + 2);
    if (end == std::string::npos) throw ConfigError(key + ": unterminated quoted password");
    users[jaas.substr(pos + 5, eq - pos - 5)] = jaas.substr(eq + 2, end - eq - 2);
    pos = end + 1;
  }
}

// "salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>" (kafka-configs' describe format).
kafka::sasl::ScramCredential parse_scram_credential(const std::string& key, const std::string& value) {
  kafka::sasl::ScramCredential c;
  bool salt = false, stored = false, server = false;
  for (auto& field : split(value, ',')) {
    auto eq = field.find('=');
    if (eq == std::string::npos) throw ConfigError(key + ": expected name=value fields, got '" + field + "'");
    auto name = field.substr(0, eq), v = field.substr(eq + 1);
    auto decoded = [&]() {
      auto d = kafka::sasl::base64_decode(v);
      if (!d) throw ConfigError(key + ": " + name + " is not valid base64");
      return *d;
    };
    if (name == "salt") c.salt = decoded(), salt = true;
    else if (name == "stored_key") c.stored_key = decoded(), stored = true;
    else if (name == "server_key") c.server_key = decoded(), server = true;
    else if (name == "iterations") {
      BrokerConfig one;
      one.set(key + " iterations", v);
      c.iterations = static_cast<int>(one.get_int(key + " iterations", 4096, 4096, 1 << 24));
    } else
      throw ConfigError(key + ": unknown field '" + name + "'");
  }
  if (!salt || !stored || !server) throw ConfigError(key + ": salt, stored_key and server_key are required");
  return c;
}

}  // namespace

bool SaslListenerConfig::enabled(std::string_view mechanism) const {
  return std::find(mechanisms.begin(), mechanisms.end(), mechanism) != mechanisms.end();
}

SaslListenerConfig load_sasl_config(const BrokerConfig& config, const ListenerSpec& listener) {
  SaslListenerConfig c;
  auto mechs = listener_config(config, listener, "sasl.enabled.mechanisms", "GSSAPI");
  for (auto& m : split(mechs, ',')) {
    if (m != "PLAIN" && !is_scram(m))
      throw ConfigError("SASL mechanism " + m + " (sasl.enabled.mechanisms of listener " + listener.name +
                        ") is not supported; refbroker supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
    c.mechanisms.push_back(m);
  }
  if (c.mechanisms.empty()) throw ConfigError("sasl.enabled.mechanisms of listener " + listener.name + " is empty");
  c.max_reauth_ms = config.get_int("connections.max.reauth.ms", 0, 0, INT64_MAX);
  int iterations = static_cast<int>(config.get_int("refbroker.sasl.scram.iterations", 4096, 4096, 1 << 24));

  // Plain passwords: global keys first, the listener's own override them.
  std::map<std::string, std::string> passwords;
  for (const std::string& prefix : {std::string(), listener.config_prefix()}) {
    const std::string users_key = prefix + "refbroker.sasl.users.";
    for (auto& [k, v] : config.values())
      if (k.rfind(users_key, 0) == 0 && k.size() > users_key.size()) passwords[k.substr(users_key.size())] = v;
  }
  for (auto& [user, pw] : passwords) {
    if (c.enabled("PLAIN")) c.plain_users[user] = pw;
    for (auto& m : c.mechanisms)
      if (auto sm = kafka::sasl::scram_mechanism_from_name(m))
        c.scram[m][user] = kafka::sasl::make_scram_credential(*sm, pw, {}, iterations);
  }
  // Kafka's PlainLoginModule users: listener.name.<l>.plain.sasl.jaas.config (or sasl.jaas.config).
  for (const std::string& key : {std::string("sasl.jaas.config"), listener.config_prefix() + "plain.sasl.jaas.config"})
    if (config.has(key) && c.enabled("PLAIN")) parse_jaas_users(key, config.get_string(key, ""), c.plain_users);
  // Pre-salted SCRAM credentials.
  for (auto& m : c.mechanisms) {
    if (!is_scram(m)) continue;
    for (const std::string& prefix : {std::string(), listener.config_prefix()}) {
      const std::string key_prefix = prefix + "refbroker.sasl.scram." + m + ".";
      for (auto& [k, v] : config.values())
        if (k.rfind(key_prefix, 0) == 0 && k.size() > key_prefix.size())
          c.scram[m][k.substr(key_prefix.size())] = parse_scram_credential(k, v);
    }
  }
  return c;
}

SaslSession::SaslSession(const SaslListenerConfig* config, std::string principal)
    : config_(config),
      principal_(std::move(principal)),
      authenticated_(config == nullptr),
      state_(config == nullptr ? State::Done : State::Handshake) {}

SaslSession::~SaslSession() = default;

bool SaslSession::admits(proto::ApiKey key, int64_t now_ms) const {
  if (!config_) return true;
  bool sasl_api = key == proto::ApiKey::SaslHandshake || key == proto::ApiKey::SaslAuthenticate;
  if (authenticated_) return sasl_api || expires_at_ms_ == 0 || now_ms < expires_at_ms_;
  switch (state_) {
    case State::Handshake: return key == proto::ApiKey::ApiVersions || key == proto::ApiKey::SaslHandshake;
    case State::Authenticate: return key == proto::ApiKey::SaslAuthenticate;
    default: return false;
  }
}

SaslSession::HandshakeResult SaslSession::handshake(std::string_view mechanism, int16_t version) {
  HandshakeResult r;
  if (!config_) {
    r.error = Error::ILLEGAL_SASL_STATE;
    return r;
  }
  r.mechanisms = config_->mechanisms;
  // A second handshake before finishing, or a v0 (raw token) re-authentication, is out of order.
  if ((!authenticated_ && state_ != State::Handshake) || (authenticated_ && version == 0)) {
    r.error = Error::ILLEGAL_SASL_STATE;
    return r;
  }
  if (!config_->enabled(mechanism)) {
    r.error = Error::UNSUPPORTED_SASL_MECHANISM;
    return r;
  }
  mechanism_ = std::string(mechanism);
  scram_.reset();
  scram_first_done_ = false;
  if (auto m = kafka::sasl::scram_mechanism_from_name(mechanism)) {
    auto* cfg = config_;
    std::string name(mechanism);
    scram_ = std::make_unique<kafka::sasl::ScramServer>(
        *m, [cfg, name](const std::string& user) -> std::optional<kafka::sasl::ScramCredential> {
          auto mech = cfg->scram.find(name);
          if (mech == cfg->scram.end()) return std::nullopt;
          auto it = mech->second.find(user);
          if (it == mech->second.end()) return std::nullopt;
          return it->second;
        });
  }
  state_ = version == 0 ? State::RawTokens : State::Authenticate;
  return r;
}

SaslSession::AuthResult SaslSession::fail(std::string message) {
  AuthResult r;
  r.error = Error::SASL_AUTHENTICATION_FAILED;
  r.message = std::move(message);
  r.close = true;
  state_ = State::Done;
  scram_.reset();
  return r;
}

SaslSession::AuthResult SaslSession::plain(std::string_view token, std::string& user) {
  // [authzid] NUL authcid NUL passwd (RFC 4616)
  auto first = token.find('\0');
  auto second = first == std::string_view::npos ? first : token.find('\0', first + 1);
  if (second == std::string_view::npos || token.find('\0', second + 1) != std::string_view::npos)
    return fail("Invalid SASL/PLAIN response: expected 3 tokens separated by NUL");
  auto authzid = token.substr(0, first);
  auto authcid = token.substr(first + 1, second - first - 1);
  auto password = token.substr(second + 1);
  if (authcid.empty()) return fail("Authentication failed: username not specified");
  if (!authzid.empty() && authzid != authcid)
    return fail("Authentication failed: Client requested an authorization id that is different from username");
  auto it = config_->plain_users.find(std::string(authcid));
  bool ok = it != config_->plain_users.end() && it->second.size() == password.size() &&
            CRYPTO_memcmp(it->second.data(), password.data(), password.size()) == 0;
  if (!ok) return fail("Authentication failed: Invalid username or password");
  user = std::string(authcid);
  return {};
}

SaslSession::AuthResult SaslSession::authenticate(std::string_view token, int64_t now_ms) {
  if (!config_ || (state_ != State::Authenticate && state_ != State::RawTokens)) {
    AuthResult r;
    r.error = Error::ILLEGAL_SASL_STATE;
    r.message = "Unexpected SaslAuthenticate request: no SASL handshake in progress";
    r.close = !authenticated_;
    return r;
  }
  std::string user;
  AuthResult r;
  if (scram_) {
    std::string out, err;
    auto invalid = [&] {
      return fail(err.starts_with("Authentication failed") ? err : "Authentication failed: " + err);
    };
    if (!scram_first_done_) {  // client-first
      if (!scram_->server_first(token, out, err)) return invalid();
      scram_first_done_ = true;
      r.response = out;
      return r;  // not complete yet
    }
    if (!scram_->server_final(token, out, err)) return invalid();
    r.response = out;
    user = scram_->username();
  } else {
    auto p = plain(token, user);
    if (p.error != Error::NONE) return p;
  }
  std::string principal = "User:" + user;
  if (authenticated_ && principal != principal_) return fail("Cannot change principals during re-authentication");
  principal_ = principal;
  authenticated_ = true;
  state_ = State::Done;
  scram_.reset();
  if (config_->max_reauth_ms > 0) {
    r.session_lifetime_ms = config_->max_reauth_ms;
    expires_at_ms_ = now_ms + config_->max_reauth_ms;
  }
  return r;
}

}  // namespace refbroker
