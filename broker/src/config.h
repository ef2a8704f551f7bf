// Broker configuration: Kafka's server.properties keys, loaded from a file and key=value
// overrides, validated up front so a bad value fails startup with a precise message.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace refbroker {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BrokerConfig {
 public:
  // Throws ConfigError on a malformed line or unreadable file.
  void load_file(const std::string& path);
  // "key=value"; throws ConfigError if there is no '='.
  void set_override(const std::string& assignment);
  void set(const std::string& key, const std::string& value) { values_[key] = value; }

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::string get_string(const std::string& key, const std::string& def) const;
  // Throws ConfigError("Invalid value 'x' for configuration key: ...") on a bad number.
  int64_t get_int(const std::string& key, int64_t def, int64_t min = INT64_MIN, int64_t max = INT64_MAX) const;
  bool get_bool(const std::string& key, bool def) const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace refbroker
