// Shared helpers of kctl produce / consume (see console.h).
#include "console.h"

#include "cluster.h"
#include "kafka/protocol/errors.h"

namespace kctl {

std::string kafka_error_name(int code) { return kafka::client::AdminResult{code, ""}.name(); }

std::string kafka_error_text(int code) {
  return kafka_error_name(code) + ": " + rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
}

void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, const std::string& origin) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    throw UsageError(origin + ": " + errstr);
}

rd_kafka_conf_t* make_conf(const Args& args, const std::vector<std::pair<std::string, std::string>>& extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    // Warnings and errors only (librdkafka logs informational lines at level 6 by default).
    conf_set(conf, "log_level", "4", "log_level");
    for (auto& [k, v] : args.client_properties()) conf_set(conf, k, v, "client property " + k);
    for (auto& [k, v] : extra) conf_set(conf, k, v, k);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  return conf;
}

std::map<std::string, std::string> property_map(const Args& args, const std::vector<std::string>& options) {
  std::map<std::string, std::string> out;
  for (auto& o : options)
    for (auto& kv : args.all(o)) {
      auto [k, v] = split_kv(kv, o);
      out[k] = v;
    }
  return out;
}

bool property_bool(const std::map<std::string, std::string>& props, const std::string& key, bool def) {
  auto it = props.find(key);
  if (it == props.end()) return def;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw UsageError("property " + key + " expects true or false, got '" + it->second + "'");
}

std::string property_or(const std::map<std::string, std::string>& props, const std::string& key, const std::string& def) {
  auto it = props.find(key);
  return it == props.end() ? def : it->second;
}

}  // namespace kctl
