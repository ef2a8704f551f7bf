#include "storage/log_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace refbroker::storage {
namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

enum class Type { Int, Long, Double, Bool, String, List };

// One Kafka topic-level config: type, Kafka's default and valid range / values.
struct KeyDef {
  std::string_view name;
  Type type;
  std::string_view default_value;
  int64_t min = kI64Min;
  int64_t max = kI64Max;
  std::vector<std::string_view> allowed = {};  // String / List: permitted values (empty = any)
};

const std::vector<KeyDef>& key_defs() {
  static const std::vector<KeyDef> defs = {
      {"cleanup.policy", Type::List, "delete", kI64Min, kI64Max, {"compact", "delete"}},
      {"compression.gzip.level", Type::Int, "-1", -1, 9},
      {"compression.lz4.level", Type::Int, "9", 1, 17},
      {"compression.type", Type::String, "producer", kI64Min, kI64Max,
       {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
      {"compression.zstd.level", Type::Int, "3", -131072, 22},
      {"delete.retention.ms", Type::Long, "86400000", 0},
      {"file.delete.delay.ms", Type::Long, "60000", 0},
      {"flush.messages", Type::Long, "9223372036854775807", 1},
      {"flush.ms", Type::Long, "9223372036854775807", 0},
      {"follower.replication.throttled.replicas", Type::List, ""},
      {"index.interval.bytes", Type::Int, "4096", 0},
      {"leader.replication.throttled.replicas", Type::List, ""},
      {"local.retention.bytes", Type::Long, "-2", -2},
      {"local.retention.ms", Type::Long, "-2", -2},
      {"max.compaction.lag.ms", Type::Long, "9223372036854775807", 1},
      {"max.message.bytes", Type::Int, "1048588", 0},
      {"message.downconversion.enable", Type::Bool, "true"},
      {"message.format.version", Type::String, "3.0-IV1"},
      {"message.timestamp.after.max.ms", Type::Long, "9223372036854775807", 0},
      {"message.timestamp.before.max.ms", Type::Long, "9223372036854775807", 0},
      {"message.timestamp.difference.max.ms", Type::Long, "9223372036854775807", 0},
      {"message.timestamp.type", Type::String, "CreateTime", kI64Min, kI64Max, {"CreateTime", "LogAppendTime"}},
      {"min.cleanable.dirty.ratio", Type::Double, "0.5", 0, 1},
      {"min.compaction.lag.ms", Type::Long, "0", 0},
      {"min.insync.replicas", Type::Int, "1", 1},
      {"preallocate", Type::Bool, "false"},
      {"remote.log.copy.disable", Type::Bool, "false"},
      {"remote.log.delete.on.disable", Type::Bool, "false"},
      {"remote.storage.enable", Type::Bool, "false"},
      {"retention.bytes", Type::Long, "-1"},
      {"retention.ms", Type::Long, "604800000", -1},
      {"segment.bytes", Type::Int, "1073741824", 14},
      {"segment.index.bytes", Type::Int, "10485760", 4},
      {"segment.jitter.ms", Type::Long, "0", 0},
      {"segment.ms", Type::Long, "604800000", 1},
      {"unclean.leader.election.enable", Type::Bool, "false"},
  };
  return defs;
}

const KeyDef* find_def(std::string_view name) {
  for (auto& d : key_defs())
    if (d.name == name) return &d;
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status invalid(std::string_view key, std::string_view value, std::string_view why) {
  std::string m = "Invalid value ";
  m.append(value).append(" for configuration ").append(key).append(": ").append(why);
  return Status::fail(kafka::Error::INVALID_CONFIG, std::move(m));
}

std::optional<int64_t> parse_i64(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string join_allowed(const std::vector<std::string_view>& allowed) {
  std::string s;
  for (auto a : allowed) {
    if (!s.empty()) s += ", ";
    s += a;
  }
  return s;
}

// Validates `raw` for `def` (errors name `shown_key`) and returns its normalized string form.
Result<std::string> normalize(const KeyDef& def, std::string_view shown_key, std::string_view raw) {
  if (raw.find_first_of("\r\n") != std::string_view::npos)
    return invalid(shown_key, raw, "Line breaks are not allowed");
  std::string_view v = trim(raw);
  switch (def.type) {
    case Type::Int:
    case Type::Long: {
      auto n = parse_i64(v);
      bool is_int = def.type == Type::Int;
      if (!n || (is_int && (*n < std::numeric_limits<int32_t>::min() || *n > std::numeric_limits<int32_t>::max())))
        return invalid(shown_key, raw, is_int ? "Not a number of type INT" : "Not a number of type LONG");
      if (*n < def.min) return invalid(shown_key, raw, "Value must be at least " + std::to_string(def.min));
      if (*n > def.max) return invalid(shown_key, raw, "Value must be no more than " + std::to_string(def.max));
      return std::to_string(*n);
    }
    case Type::Double: {
      std::string tmp(v);
      char* end = nullptr;
      double d = tmp.empty() ? 0 : std::strtod(tmp.c_str(), &end);
      if (tmp.empty() || end != tmp.c_str() + tmp.size()) return invalid(shown_key, raw, "Not a number of type DOUBLE");
      if (d < static_cast<double>(def.min)) return invalid(shown_key, raw, "Value must be at least " + std::to_string(def.min));
      if (d > static_cast<double>(def.max)) return invalid(shown_key, raw, "Value must be no more than " + std::to_string(def.max));
      return tmp;
    }
    case Type::Bool: {
      std::string low(v);
      std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
      if (low != "true" && low != "false") return invalid(shown_key, raw, "Expected value to be either true or false");
      return low;
    }
    case Type::String: {
      if (!def.allowed.empty() && std::find(def.allowed.begin(), def.allowed.end(), v) == def.allowed.end())
        return invalid(shown_key, raw, "String must be one of: " + join_allowed(def.allowed));
      return std::string(v);
    }
    case Type::List: {
      std::string out;
      while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view item = trim(v.substr(0, comma));
        if (!def.allowed.empty() && std::find(def.allowed.begin(), def.allowed.end(), item) == def.allowed.end())
          return invalid(shown_key, raw, "String must be one of: " + join_allowed(def.allowed));
        if (!out.empty()) out += ',';
        out += item;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
      return out;
    }
  }
  return std::string(v);
}

// Stores a normalized value into the typed field, or into `other`.
void assign(LogConfig& c, std::string_view key, const std::string& v) {
  auto i64 = [&] { return *parse_i64(v); };
  auto i32 = [&] { return static_cast<int32_t>(*parse_i64(v)); };
  if (key == "segment.bytes") c.segment_bytes = i32();
  else if (key == "segment.ms") c.segment_ms = i64();
  else if (key == "segment.jitter.ms") c.segment_jitter_ms = i64();
  else if (key == "retention.ms") c.retention_ms = i64();
  else if (key == "retention.bytes") c.retention_bytes = i64();
  else if (key == "index.interval.bytes") c.index_interval_bytes = i32();
  else if (key == "segment.index.bytes") c.segment_index_bytes = i32();
  else if (key == "max.message.bytes") c.max_message_bytes = i32();
  else if (key == "cleanup.policy") c.cleanup_policy = v;
  else if (key == "file.delete.delay.ms") c.file_delete_delay_ms = i64();
  else if (key == "flush.messages") c.flush_messages = i64();
  else if (key == "flush.ms") c.flush_ms = i64();
  else if (key == "message.timestamp.type")
    c.message_timestamp_type = v == "LogAppendTime" ? TimestampType::LogAppendTime : TimestampType::CreateTime;
  else c.other[std::string(key)] = v;
}

bool policy_has(const std::string& policy, std::string_view what) {
  std::string_view p = policy;
  while (!p.empty()) {
    size_t comma = p.find(',');
    if (trim(p.substr(0, comma)) == what) return true;
    if (comma == std::string_view::npos) break;
    p.remove_prefix(comma + 1);
  }
  return false;
}

// Broker property -> topic config, with a unit multiplier for the minutes/hours variants. Listed
// from least to most specific so that, e.g., log.retention.ms wins over log.retention.hours.
struct BrokerKey {
  std::string_view broker_key;
  std::string_view topic_key;
  int64_t multiplier = 1;
};
const std::vector<BrokerKey>& broker_keys() {
  static const std::vector<BrokerKey> keys = {
      {"log.roll.hours", "segment.ms", 3600000},
      {"log.roll.ms", "segment.ms"},
      {"log.roll.jitter.hours", "segment.jitter.ms", 3600000},
      {"log.roll.jitter.ms", "segment.jitter.ms"},
      {"log.retention.hours", "retention.ms", 3600000},
      {"log.retention.minutes", "retention.ms", 60000},
      {"log.retention.ms", "retention.ms"},
      {"log.retention.bytes", "retention.bytes"},
      {"log.segment.bytes", "segment.bytes"},
      {"log.index.interval.bytes", "index.interval.bytes"},
      {"log.index.size.max.bytes", "segment.index.bytes"},
      {"message.max.bytes", "max.message.bytes"},
      {"log.cleanup.policy", "cleanup.policy"},
      {"log.segment.delete.delay.ms", "file.delete.delay.ms"},
      {"log.flush.interval.messages", "flush.messages"},
      {"log.flush.scheduler.interval.ms", "flush.ms"},
      {"log.flush.interval.ms", "flush.ms"},
      {"log.message.timestamp.type", "message.timestamp.type"},
      {"log.message.timestamp.difference.max.ms", "message.timestamp.difference.max.ms"},
      {"log.message.timestamp.before.max.ms", "message.timestamp.before.max.ms"},
      {"log.message.timestamp.after.max.ms", "message.timestamp.after.max.ms"},
      {"log.message.downconversion.enable", "message.downconversion.enable"},
      {"log.preallocate", "preallocate"},
      {"log.cleaner.delete.retention.ms", "delete.retention.ms"},
      {"log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms"},
      {"log.cleaner.max.compaction.lag.ms", "max.compaction.lag.ms"},
      {"log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio"},
      {"log.local.retention.ms", "local.retention.ms"},
      {"log.local.retention.bytes", "local.retention.bytes"},
      {"compression.type", "compression.type"},
      {"compression.gzip.level", "compression.gzip.level"},
      {"compression.lz4.level", "compression.lz4.level"},
      {"compression.zstd.level", "compression.zstd.level"},
      {"min.insync.replicas", "min.insync.replicas"},
      {"unclean.leader.election.enable", "unclean.leader.election.enable"},
  };
  return keys;
}

}  // namespace

bool LogConfig::delete_enabled() const { return policy_has(cleanup_policy, "delete"); }
bool LogConfig::compact_enabled() const { return policy_has(cleanup_policy, "compact"); }

Result<LogConfig> LogConfig::from_topic_configs(const ConfigMap& overrides, const LogConfig& base) {
  LogConfig c = base;
  for (auto& [key, value] : overrides) {
    const KeyDef* def = find_def(key);
    if (!def) return Status::fail(kafka::Error::INVALID_CONFIG, "Unknown topic config name: " + key);
    auto norm = normalize(*def, key, value);
    if (!norm) return norm.status();
    assign(c, key, *norm);
  }
  return c;
}

Result<LogConfig> LogConfig::from_broker_configs(const ConfigMap& props, const LogConfig& base) {
  LogConfig c = base;
  if (auto it = props.find(kFsyncBrokerKey); it != props.end()) {
    KeyDef def{kFsyncBrokerKey, Type::Bool, "true"};
    auto norm = normalize(def, kFsyncBrokerKey, it->second);
    if (!norm) return norm.status();
    c.fsync = *norm == "true";
  }
  for (auto& bk : broker_keys()) {
    auto it = props.find(bk.broker_key);
    if (it == props.end()) continue;
    const KeyDef* def = find_def(bk.topic_key);
    if (bk.multiplier == 1) {
      auto norm = normalize(*def, bk.broker_key, it->second);
      if (!norm) return norm.status();
      assign(c, bk.topic_key, *norm);
      continue;
    }
    // minutes / hours: an INT count of units; negative means "infinite" for retention.
    KeyDef unit{bk.broker_key, Type::Int, "", bk.topic_key == "retention.ms" ? kI64Min : 0};
    if (bk.topic_key == "segment.ms") unit.min = 1;
    auto norm = normalize(unit, bk.broker_key, it->second);
    if (!norm) return norm.status();
    int64_t ms = *parse_i64(*norm) * bk.multiplier;
    if (bk.topic_key == "retention.ms" && ms < 0) ms = -1;
    assign(c, bk.topic_key, std::to_string(ms));
  }
  return c;
}

Result<LogConfig> LogConfig::from_topic_configs(const ConfigMap& overrides) {
  return from_topic_configs(overrides, LogConfig());
}
Result<LogConfig> LogConfig::from_broker_configs(const ConfigMap& props) {
  return from_broker_configs(props, LogConfig());
}

std::optional<std::string> LogConfig::get(std::string_view key) const {
  const KeyDef* def = find_def(key);
  if (!def) return std::nullopt;
  if (key == "segment.bytes") return std::to_string(segment_bytes);
  if (key == "segment.ms") return std::to_string(segment_ms);
  if (key == "segment.jitter.ms") return std::to_string(segment_jitter_ms);
  if (key == "retention.ms") return std::to_string(retention_ms);
  if (key == "retention.bytes") return std::to_string(retention_bytes);
  if (key == "index.interval.bytes") return std::to_string(index_interval_bytes);
  if (key == "segment.index.bytes") return std::to_string(segment_index_bytes);
  if (key == "max.message.bytes") return std::to_string(max_message_bytes);
  if (key == "cleanup.policy") return cleanup_policy;
  if (key == "file.delete.delay.ms") return std::to_string(file_delete_delay_ms);
  if (key == "flush.messages") return std::to_string(flush_messages);
  if (key == "flush.ms") return std::to_string(flush_ms);
  if (key == "message.timestamp.type")
    return std::string(message_timestamp_type == TimestampType::LogAppendTime ? "LogAppendTime" : "CreateTime");
  auto it = other.find(key);
  return it != other.end() ? it->second : std::string(def->default_value);
}

ConfigMap LogConfig::to_topic_configs() const {
  ConfigMap m;
  for (auto& d : key_defs()) m.emplace(std::string(d.name), *get(d.name));
  return m;
}

bool LogConfig::is_topic_config(std::string_view key) { return find_def(key) != nullptr; }

const std::vector<std::string_view>& LogConfig::topic_config_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> n;
    for (auto& d : key_defs()) n.push_back(d.name);
    return n;
  }();
  return names;
}

}  // namespace refbroker::storage
