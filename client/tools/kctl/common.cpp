// Option parsing, the command registry and client properties shared by every subcommand.
#include <algorithm>
#include <charconv>
#include <fstream>

#include "kctl.h"

namespace kctl {
namespace {

std::vector<OptionSpec> cluster_options() {
  return {{"bootstrap-server", "HOST:PORT[,HOST:PORT...]", "brokers to bootstrap from"},
          {"command-config", "FILE", "client properties file (librdkafka names, e.g. security.protocol)"},
          {"timeout-ms", "MS", "give up on the cluster after this long (default 30000)"}};
}

const OptionSpec* find_option(const CommandSpec& spec, const std::string& name) {
  for (const auto& o : spec.options)
    if (o.name == name) return &o;
  if (spec.talks_to_cluster) {
    static const std::vector<OptionSpec> common = cluster_options();
    for (const auto& o : common)
      if (o.name == name) return &o;
  }
  return nullptr;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<CommandSpec>& registry() {
  static std::vector<CommandSpec> r;
  return r;
}

}  // namespace

Args::Args(const CommandSpec& spec, const std::vector<std::string>& words) : spec_(&spec) {
  bool only_positional = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (only_positional || w.size() < 3 || w.compare(0, 2, "--") != 0) {
      if (w == "--") {
        only_positional = true;
        continue;
      }
      positional_.push_back(w);
      continue;
    }
    std::string name = w.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    const OptionSpec* o = find_option(spec, name);
    if (!o) throw UsageError("unknown option --" + name);
    if (o->value.empty()) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= words.size()) throw UsageError("--" + name + " needs a value (" + o->value + ")");
      value = words[++i];
    }
    auto& slot = values_[name];
    if (!slot.empty() && !o->repeatable && !o->value.empty() && slot.back() != value)
      throw UsageError("--" + name + " given twice");
    slot.push_back(value);
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::get_or(const std::string& name, const std::string& def) const { return get(name).value_or(def); }

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t Args::get_int(const std::string& name, int64_t def, int64_t min, int64_t max) const {
  auto v = get(name);
  if (!v) return def;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    throw UsageError("--" + name + " expects an integer, got '" + *v + "'");
  if (out < min || out > max)
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return out;
}

std::string Args::required(const std::string& name) const {
  auto v = get(name);
  if (!v) throw UsageError("--" + name + " is required");
  return *v;
}

int Args::timeout_ms() const { return static_cast<int>(get_int("timeout-ms", 30000, 1, 86'400'000)); }

std::vector<std::pair<std::string, std::string>> Args::client_properties() const {
  std::vector<std::pair<std::string, std::string>> props;
  if (auto f = get("command-config")) props = read_properties_file(*f);
  props.emplace_back("bootstrap.servers", required("bootstrap-server"));
  return props;
}

std::vector<std::pair<std::string, std::string>> read_properties_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CommandError("cannot read " + path);
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos || sep == 0)
      throw CommandError(path + ":" + std::to_string(n) + ": expected key=value");
    out.emplace_back(trim(t.substr(0, sep)), trim(t.substr(sep + 1)));
  }
  return out;
}

bool register_command(CommandSpec spec) {
  auto& r = registry();
  r.push_back(std::move(spec));
  std::sort(r.begin(), r.end(), [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  return true;
}

const std::vector<CommandSpec>& commands() { return registry(); }

}  // namespace kctl
