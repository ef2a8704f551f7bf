// Per-partition log settings: Kafka's topic-level configs (segment.bytes, retention.ms, ...) with
// Kafka's defaults, parsed and validated from string maps (CreateTopics / AlterConfigs) or from
// broker-level properties (log.segment.bytes, log.retention.hours, ...).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/result.h"

namespace refbroker::storage {

using ConfigMap = std::map<std::string, std::string, std::less<>>;

enum class TimestampType { CreateTime, LogAppendTime };

struct LogConfig {
  static constexpr int64_t kWeekMs = 7LL * 24 * 60 * 60 * 1000;

  int32_t segment_bytes = 1 << 30;               // segment.bytes (log.segment.bytes)
  int64_t segment_ms = kWeekMs;                  // segment.ms (log.roll.ms / log.roll.hours)
  int64_t segment_jitter_ms = 0;                 // segment.jitter.ms
  int64_t retention_ms = kWeekMs;                // retention.ms; -1 = infinite
  int64_t retention_bytes = -1;                  // retention.bytes; -1 = infinite
  int32_t index_interval_bytes = 4096;           // index.interval.bytes
  int32_t segment_index_bytes = 10 * 1024 * 1024;  // segment.index.bytes (preallocated, trimmed on roll)
  int32_t max_message_bytes = 1024 * 1024 + 12;  // max.message.bytes (largest batch accepted)
  std::string cleanup_policy = "delete";         // cleanup.policy: "delete", "compact" or "compact,delete"
  int64_t file_delete_delay_ms = 60000;          // file.delete.delay.ms (accepted; see README)
  int64_t flush_messages = std::numeric_limits<int64_t>::max();  // flush.messages
  int64_t flush_ms = std::numeric_limits<int64_t>::max();        // flush.ms
  TimestampType message_timestamp_type = TimestampType::CreateTime;  // message.timestamp.type
  // Not a Kafka config: fsync on roll/flush/close/checkpoints. Test fixtures may turn it off for
  // speed (broker property "refbroker.log.fsync=false"); a SIGKILL still loses nothing acknowledged,
  // only an OS crash or power loss can.
  bool fsync = true;
  static constexpr const char* kFsyncBrokerKey = "refbroker.log.fsync";
  // The other Kafka topic configs (compression.type, min.insync.replicas, ...), validated and kept
  // as strings for the broker and for DescribeConfigs. Absent keys have Kafka's default.
  ConfigMap other;

  bool delete_enabled() const;   // cleanup.policy contains "delete"
  bool compact_enabled() const;  // cleanup.policy contains "compact" (compaction is not implemented)

  // Applies topic-level overrides ("retention.ms" -> "1000", ...) on top of `base`. Unknown keys
  // and bad values fail with INVALID_CONFIG and a message naming the key, as Kafka words it.
  static Result<LogConfig> from_topic_configs(const ConfigMap& overrides, const LogConfig& base);
  static Result<LogConfig> from_topic_configs(const ConfigMap& overrides);
  // Applies broker properties (log.segment.bytes, log.retention.hours, message.max.bytes, ...) on
  // top of `base`; keys that are not log settings are ignored. ms beats minutes beats hours.
  static Result<LogConfig> from_broker_configs(const ConfigMap& props, const LogConfig& base);
  static Result<LogConfig> from_broker_configs(const ConfigMap& props);

  // The current value of a topic-level key (typed fields and `other`), as Kafka prints it.
  std::optional<std::string> get(std::string_view topic_key) const;
  // Every topic-level key with its value (for DescribeConfigs).
  ConfigMap to_topic_configs() const;
  static bool is_topic_config(std::string_view key);
  static const std::vector<std::string_view>& topic_config_names();
};

}  // namespace refbroker::storage
