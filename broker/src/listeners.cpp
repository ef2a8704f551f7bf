#include "listeners.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

namespace refbroker {

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    auto item = trim(s.substr(pos, comma - pos));
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

struct Endpoint {
  std::string name, host;
  int port = 0;
};

// NAME://HOST:PORT, HOST may be [v6] or empty (all interfaces, as Kafka).
Endpoint parse_endpoint(const std::string& key, const std::string& item) {
  auto bad = [&](const std::string& why) {
    return ConfigError("Invalid value '" + item + "' in " + key + ": " + why);
  };
  auto sep = item.find("://");
  if (sep == std::string::npos || sep == 0) throw bad("expected NAME://HOST:PORT");
  Endpoint e;
  e.name = upper(item.substr(0, sep));
  auto rest = item.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw bad("expected NAME://HOST:PORT");
  e.host = rest.substr(0, colon);
  if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  auto port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoi(port) > 65535)
    throw bad("the port must be a number in 0..65535");
  e.port = std::stoi(port);
  return e;
}

std::optional<SecurityProtocol> protocol_from_name(const std::string& name) {
  auto n = upper(name);
  if (n == "PLAINTEXT") return SecurityProtocol::Plaintext;
  if (n == "SSL") return SecurityProtocol::Ssl;
  if (n == "SASL_PLAINTEXT") return SecurityProtocol::SaslPlaintext;
  if (n == "SASL_SSL") return SecurityProtocol::SaslSsl;
  return std::nullopt;
}

}  // namespace

const char* security_protocol_name(SecurityProtocol p) {
  switch (p) {
    case SecurityProtocol::Plaintext: return "PLAINTEXT";
    case SecurityProtocol::Ssl: return "SSL";
    case SecurityProtocol::SaslPlaintext: return "SASL_PLAINTEXT";
    case SecurityProtocol::SaslSsl: return "SASL_SSL";
  }
  return "?";
}

std::string ListenerSpec::config_prefix() const { return "listener.name." + lower(name) + "."; }

std::string listener_config(const BrokerConfig& config, const ListenerSpec& l, const std::string& key,
                            const std::string& def) {
  auto specific = l.config_prefix() + key;
  if (config.has(specific)) return config.get_string(specific, def);
  return config.get_string(key, def);
}

std::vector<ListenerSpec> parse_listeners(const BrokerConfig& config, const std::string& default_host,
                                          uint16_t default_port) {
  // Kafka's default map: each protocol is also a listener name.
  std::map<std::string, SecurityProtocol> protocols{{"PLAINTEXT", SecurityProtocol::Plaintext},
                                                    {"SSL", SecurityProtocol::Ssl},
                                                    {"SASL_PLAINTEXT", SecurityProtocol::SaslPlaintext},
                                                    {"SASL_SSL", SecurityProtocol::SaslSsl}};
  const std::string map_key = "listener.security.protocol.map";
  if (config.has(map_key)) {
    protocols.clear();
    for (auto& item : split_list(config.get_string(map_key, ""))) {
      auto colon = item.find(':');
      auto proto = colon == std::string::npos ? std::nullopt : protocol_from_name(trim(item.substr(colon + 1)));
      if (!proto)
        throw ConfigError("Invalid value '" + item + "' in " + map_key +
                          ": expected NAME:PROTOCOL with PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
      protocols[upper(trim(item.substr(0, colon)))] = *proto;
    }
  }

  std::vector<ListenerSpec> out;
  if (!config.has("listeners")) {
    ListenerSpec l;
    l.name = "PLAINTEXT";
    l.host = default_host;
    l.port = default_port;
    out.push_back(l);
  } else {
    std::set<std::string> names;
    std::set<int> ports;
    for (auto& item : split_list(config.get_string("listeners", ""))) {
      auto e = parse_endpoint("listeners", item);
      auto proto = protocols.find(e.name);
      if (proto == protocols.end())
        throw ConfigError("No security protocol defined for listener " + e.name + " (add it to " + map_key + ")");
      if (!names.insert(e.name).second) throw ConfigError("Each listener must have a different name: " + e.name);
      if (e.port != 0 && !ports.insert(e.port).second)
        throw ConfigError("Each listener must have a different port: " + std::to_string(e.port));
      ListenerSpec l;
      l.name = e.name;
      l.protocol = proto->second;
      l.host = e.host.empty() ? "0.0.0.0" : e.host;
      l.port = static_cast<uint16_t>(e.port);
      out.push_back(l);
    }
    if (out.empty()) throw ConfigError("listeners is empty");
  }
  for (auto& l : out) {
    l.advertised_host = l.host == "0.0.0.0" || l.host == "::" ? "127.0.0.1" : l.host;
    l.advertised_host = config.get_string("advertised.host.name", l.advertised_host);  // Kafka's old key
  }

  if (config.has("advertised.listeners")) {
    for (auto& item : split_list(config.get_string("advertised.listeners", ""))) {
      auto e = parse_endpoint("advertised.listeners", item);
      auto it = std::find_if(out.begin(), out.end(), [&](auto& l) { return l.name == e.name; });
      if (it == out.end())
        throw ConfigError("advertised.listeners names " + e.name + ", which is not in listeners");
      if (!e.host.empty()) it->advertised_host = e.host;
      it->advertised_port = e.port;
    }
  }
  return out;
}

}  // namespace refbroker
