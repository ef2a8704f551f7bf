// --security for the client benchmarks: runs refbroker with one listener of the chosen protocol
// (certificates from tests/support/gen_certs.sh, made once per run; SASL user "bench") and gives
// the same librdkafka properties to every client, in-process or as `--set key=value` arguments of
// the child programs.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace bench {

struct Security {
  std::string protocol = "plaintext";  // plaintext, ssl, sasl_plaintext, sasl_ssl
  std::string mechanism = "SCRAM-SHA-256";
  std::filesystem::path certs;  // made on first use

  bool tls() const { return protocol == "ssl" || protocol == "sasl_ssl"; }
  bool sasl() const { return protocol.rfind("sasl", 0) == 0; }

  // Creates the certificates (once). Returns false if gen_certs.sh failed.
  bool prepare() {
    if (!tls() || !certs.empty()) return true;
    std::random_device rd;
    certs = std::filesystem::temp_directory_path() / ("bench-certs-" + std::to_string(rd()));
    std::string cmd = "bash " + std::string(KAFKAPLUS_SOURCE_DIR) + "/tests/support/gen_certs.sh " + certs.string();
    return std::system(cmd.c_str()) == 0;
  }
  // Switches to `protocol_name` with `sasl_mechanism` and prepares it; false (said on stderr) if
  // gen_certs.sh failed.
  bool use(const std::string& protocol_name, const std::string& sasl_mechanism) {
    protocol = protocol_name;
    mechanism = sasl_mechanism;
    if (prepare()) return true;
    std::fprintf(stderr, "gen_certs.sh failed\n");
    return false;
  }
  ~Security() {
    std::error_code ec;
    if (!certs.empty()) std::filesystem::remove_all(certs, ec);
  }

  // refbroker configuration: a single listener speaking `protocol`.
  std::map<std::string, std::string> broker_config() const {
    if (protocol == "plaintext") return {};
    std::string upper;
    for (char c : protocol) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::map<std::string, std::string> c{{"listeners", "BENCH://127.0.0.1:0"},
                                         {"listener.security.protocol.map", "BENCH:" + upper}};
    if (tls()) {
      c["ssl.keystore.type"] = "PEM";
      c["ssl.keystore.location"] = (certs / "server-chain.pem").string();
      c["ssl.key.location"] = (certs / "server.key").string();
    }
    if (sasl()) {
      c["sasl.enabled.mechanisms"] = mechanism;
      c["refbroker.sasl.users.bench"] = "bench-secret";
    }
    return c;
  }

  // Client properties (librdkafka names).
  std::map<std::string, std::string> client_props() const {
    std::map<std::string, std::string> p;
    if (protocol == "plaintext") return p;
    p["security.protocol"] = protocol;
    if (tls()) p["ssl.ca.location"] = (certs / "ca.pem").string();
    if (sasl()) {
      p["sasl.mechanisms"] = mechanism;
      p["sasl.username"] = "bench";
      p["sasl.password"] = "bench-secret";
    }
    return p;
  }

  // The same as " --set key=value" arguments for the child programs.
  std::string child_args() const {
    std::string out;
    for (auto& [k, v] : client_props()) out += " --set " + k + "=" + v;
    return out;
  }
};

// "plaintext,sasl_ssl" -> {"plaintext", "sasl_ssl"}
inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

}  // namespace bench
