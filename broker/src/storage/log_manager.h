// All partition logs of one data directory: topic lifecycle (create, grow, configure, delete),
// durable topic metadata, lookup of a partition's log, and periodic retention.
//
// Layout: <data-dir>/<topic>-<partition>/ per partition, <data-dir>/__topic_meta/<topic> per topic
// (partition count, topic id, config overrides; rewritten atomically; the commit point of every
// topic change), and <data-dir>/.lock (flock) against two managers on one directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/wire.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"
#include "storage/result.h"

namespace refbroker::storage {

struct TopicInfo {
  std::string name;
  kafka::proto::Uuid topic_id{};  // random, stable across restarts
  int32_t partitions = 0;
  ConfigMap overrides;            // topic-level configs set explicitly
  LogConfig config;               // effective: broker defaults + overrides
};

class LogManager {
 public:
  static constexpr const char* kMetaDir = "__topic_meta";
  static constexpr size_t kMaxTopicNameLength = 249;

  struct Options {
    std::filesystem::path data_dir;
    LogConfig defaults;  // broker-level defaults, e.g. from LogConfig::from_broker_configs()
  };

  // Opens the data directory (creating it) and every topic in it, recovering logs as needed.
  static Result<std::unique_ptr<LogManager>> open(Options options, int64_t now_ms = wall_clock_ms());
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Kafka's rules: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". INVALID_TOPIC_EXCEPTION otherwise.
  static Status validate_topic_name(std::string_view name);

  // TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION (also when colliding with an existing name
  // modulo '.'/'_'), INVALID_PARTITIONS, INVALID_CONFIG. validate_only checks without creating.
  Result<TopicInfo> create_topic(std::string_view name, int32_t partitions, const ConfigMap& overrides = {},
                                 bool validate_only = false);
  // UNKNOWN_TOPIC_OR_PARTITION if absent. Logs handed out before keep failing their appends.
  Status delete_topic(std::string_view name);
  // Grows the topic to `total` partitions; INVALID_PARTITIONS unless total > current.
  Result<TopicInfo> create_partitions(std::string_view name, int32_t total, bool validate_only = false);
  // Replaces the topic's config overrides (AlterConfigs semantics) and applies them to its logs.
  Result<TopicInfo> alter_topic_config(std::string_view name, const ConfigMap& overrides, bool validate_only = false);

  std::optional<TopicInfo> topic(std::string_view name) const;
  std::vector<TopicInfo> topics() const;  // sorted by name
  // nullptr if the topic or partition does not exist.
  std::shared_ptr<PartitionLog> partition(std::string_view topic, int32_t partition) const;
  std::vector<std::shared_ptr<PartitionLog>> partitions(std::string_view topic) const;

  // Retention (and flush.ms) over all partitions; returns the number of segments deleted.
  int run_retention(int64_t now_ms = wall_clock_ms());
  Status flush_all();
  // Closes every log cleanly (clean-shutdown markers) and releases the directory lock.
  void close();

  const LogConfig& defaults() const { return options_.defaults; }
  const std::filesystem::path& data_dir() const { return options_.data_dir; }

 private:
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<PartitionLog>> logs;
  };
  explicit LogManager(Options options) : options_(std::move(options)) {}
  void load(int64_t now_ms);
  void write_meta(const TopicInfo& info) const;
  std::filesystem::path partition_dir(std::string_view topic, int32_t p) const;
  Result<std::shared_ptr<PartitionLog>> open_partition(const TopicInfo& info, int32_t p, int64_t now_ms, bool fresh) const;

  Options options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Topic, std::less<>> topics_;
  int lock_fd_ = -1;
};

}  // namespace refbroker::storage
