// Shared by `kctl perf produce` and `kctl perf consume`: client properties from the command line
// and files, turned into a configuration of our public RdKafka C++ API.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "kctl.h"

namespace kctl::perf {

using Properties = std::vector<std::pair<std::string, std::string>>;

inline bool has_property(const Properties& props, const std::string& name) {
  for (const auto& [k, v] : props)
    if (k == name) return true;
  return false;
}

// "name=value" words (as Kafka's --producer-props takes them); UsageError naming `option` for
// a word without '=' or with an empty name.
inline Properties parse_assignments(const std::vector<std::string>& words, const std::string& option) {
  Properties out;
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(option + " expects NAME=VALUE, got '" + w + "'");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

// A global configuration with `props` applied in order (later entries win). A property the
// library rejects is bad input: UsageError with the library's reason.
inline std::unique_ptr<RdKafka::Conf> make_conf(const Properties& props) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : props)
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) throw UsageError("property " + k + "=" + v + ": " + err);
  return conf;
}

inline int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Wall clock in milliseconds (printed timestamps).
inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kctl::perf
