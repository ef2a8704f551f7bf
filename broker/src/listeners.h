// Listeners as Kafka configures them: `listeners=NAME://HOST:PORT,...`, the security protocol of
// each name from `listener.security.protocol.map`, what Metadata tells clients from
// `advertised.listeners`. Plain data, no Asio.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.h"

namespace refbroker {

enum class SecurityProtocol { Plaintext, Ssl, SaslPlaintext, SaslSsl };

const char* security_protocol_name(SecurityProtocol p);
inline bool uses_tls(SecurityProtocol p) { return p == SecurityProtocol::Ssl || p == SecurityProtocol::SaslSsl; }
inline bool uses_sasl(SecurityProtocol p) {
  return p == SecurityProtocol::SaslPlaintext || p == SecurityProtocol::SaslSsl;
}

struct ListenerSpec {
  std::string name;  // upper case, as Kafka normalises listener names
  SecurityProtocol protocol = SecurityProtocol::Plaintext;
  std::string host;
  uint16_t port = 0;  // 0: ephemeral; replaced by the bound port once listening
  std::string advertised_host;
  int32_t advertised_port = 0;  // 0: the bound port

  // Kafka's per-listener override prefix: "listener.name.<lower-case name>."
  std::string config_prefix() const;
};

// Parses the listener keys. Without `listeners`, one PLAINTEXT listener on default_host:default_port.
// Throws ConfigError with the offending value on malformed entries, duplicate names or ports,
// names missing from the protocol map, or advertised listeners naming no listener.
std::vector<ListenerSpec> parse_listeners(const BrokerConfig& config, const std::string& default_host,
                                          uint16_t default_port);

// A listener-specific value: `listener.name.<l>.<key>` if set, else `<key>`, else def.
std::string listener_config(const BrokerConfig& config, const ListenerSpec& l, const std::string& key,
                            const std::string& def);

}  // namespace refbroker
