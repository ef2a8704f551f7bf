#include "config.h"

#include <fstream>

namespace refbroker {

namespace {
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
}  // namespace

void BrokerConfig::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos)
      throw ConfigError(path + ":" + std::to_string(n) + ": expected key=value, got '" + t + "'");
    values_[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
}

void BrokerConfig::set_override(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError("expected key=value, got '" + assignment + "'");
  values_[trim(assignment.substr(0, eq))] = trim(assignment.substr(eq + 1));
}

std::string BrokerConfig::get_string(const std::string& key, const std::string& def) const {
  auto it = values_.find(key);
  return it == values_.end() ? def : it->second;
}

int64_t BrokerConfig::get_int(const std::string& key, int64_t def, int64_t min, int64_t max) const {
  auto it = values_.find(key);
  if (it == values_.end()) return def;
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size())
    throw ConfigError("Invalid value '" + it->second + "' for configuration " + key + ": not a number");
  if (v < min || v > max)
    throw ConfigError("Invalid value " + it->second + " for configuration " + key + ": must be in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

bool BrokerConfig::get_bool(const std::string& key, bool def) const {
  auto it = values_.find(key);
  if (it == values_.end()) return def;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw ConfigError("Invalid value '" + it->second + "' for configuration " + key + ": expected true or false");
}

}  // namespace refbroker
