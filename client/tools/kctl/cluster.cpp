// Shared helpers of the cluster subcommands (see cluster.h).
#include "cluster.h"

#include <charconv>

namespace kctl {

std::unique_ptr<kafka::client::AdminClient> connect_admin(const Args& args) {
  kafka::client::Properties props;
  for (auto& [k, v] : args.client_properties()) props[k] = v;
  std::string errstr;
  auto admin = kafka::client::AdminClient::create(props, errstr);
  if (!admin) throw CommandError(errstr);
  return admin;
}

void fail(const std::string& what, const kafka::client::AdminResult& r) {
  throw CommandError(what + ": " + r.describe());
}

std::pair<std::string, std::string> split_kv(const std::string& s, const std::string& option) {
  auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--" + option + " expects key=value, got '" + s + "'");
  return {s.substr(0, eq), s.substr(eq + 1)};
}

std::optional<int64_t> parse_int(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<int32_t> parse_partitions(const std::string& s, const std::string& option) {
  std::vector<int32_t> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto v = parse_int(item);
    if (!v || *v < 0 || *v > INT32_MAX)
      throw UsageError("--" + option + " expects partition numbers separated by commas, got '" + s + "'");
    out.push_back(static_cast<int32_t>(*v));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace kctl
