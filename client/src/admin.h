// kafka::client::AdminClient — blocking admin requests (topics, partitions, configs, records,
// groups and their offsets) for kctl, run on the client engine (ProducerCore::Impl's I/O thread,
// connections and metadata), so whatever the connection layer supports (SSL, SASL) works here
// too. Internal: nothing here is installed; no Boost in this header.
//
// Routing follows Kafka's AdminClient: CreateTopics/DeleteTopics/CreatePartitions go to the
// controller (NOT_CONTROLLER: metadata again, then retry), DeleteRecords and ListOffsets to each
// partition's leader (leader errors: metadata again, retry those partitions), group calls to the
// group coordinator found with FindCoordinator (NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE /
// COORDINATOR_LOAD_IN_PROGRESS: find it again, retry), ListGroups to every broker, topic
// DescribeConfigs to any broker and broker DescribeConfigs to that broker. Retriable errors and
// broken connections are retried after retry.backoff.ms; every call gives up at its timeout
// (AdminResult _TIMED_OUT naming the last error seen), so an unreachable cluster never hangs.
//
// Every call returns an AdminResult for the call as a whole (the cluster could not be asked) and,
// where a request covers several items, one result per item.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "producer.h"

namespace kafka::client {

// An error in librdkafka's numbering (Kafka codes > 0, local errors < 0) with the broker's or our
// message. name() is Kafka's name for broker errors ("TOPIC_ALREADY_EXISTS") and librdkafka's
// for local ones ("_TIMED_OUT").
struct AdminResult {
  int code = 0;
  std::string message;
  explicit operator bool() const { return code != 0; }
  std::string name() const;
  // "NAME: message" (the message defaults to the error's description).
  std::string describe() const;
};

struct AdminTopic {
  std::string name;
  std::string topic_id;  // Kafka's textual Uuid (base64url, no padding); empty before Metadata v10
  bool internal = false;
  int err = 0;
  std::vector<PartitionMetadata> partitions;  // sorted by id
};

struct AdminMetadata {
  std::vector<BrokerMetadata> brokers;
  int32_t controller_id = -1;
  std::string cluster_id;
  std::vector<AdminTopic> topics;
};

struct AdminNewTopic {
  std::string name;
  int32_t partitions = -1;          // -1: the broker's num.partitions
  int16_t replication_factor = -1;  // -1: the broker's default.replication.factor
  std::vector<std::pair<std::string, std::string>> configs;
};

struct AdminConfigEntry {
  std::string name;
  std::optional<std::string> value;
  int8_t source = -1;  // DescribeConfigs ConfigSource (1 topic, 4 static broker, 5 default, ...)
  bool read_only = false;
  bool is_default = false;
  bool sensitive = false;
};

struct AdminConfigResource {
  static constexpr int8_t kTopic = 2, kBroker = 4;
  int8_t type = kTopic;
  std::string name;  // topic name or broker id
  AdminResult result;
  std::vector<AdminConfigEntry> entries;
};

struct AdminGroupListing {
  std::string group_id;
  std::string protocol_type;
  std::string state;  // ListGroups v4+, else empty
};

struct AdminGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::pair<std::string, int32_t>> assignment;  // consumer protocol groups only
};

struct AdminGroup {
  std::string group_id;
  AdminResult result;
  std::string state;
  std::string protocol_type;
  std::string protocol;  // assignor for consumer groups
  int32_t coordinator = -1;
  std::vector<AdminGroupMember> members;
};

class AdminClient {
 public:
  // Properties as for a producer (librdkafka names; bootstrap.servers required). nullptr +
  // errstr on a bad value.
  static std::unique_ptr<AdminClient> create(const Properties& props, std::string& errstr);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Brokers, controller, cluster id and the topics asked for (nullptr: all topics). Never
  // creates topics.
  AdminResult metadata(const std::vector<std::string>* topics, AdminMetadata& out, int timeout_ms);

  // One result per topic, in order.
  AdminResult create_topics(const std::vector<AdminNewTopic>& topics, std::vector<AdminResult>& results,
                            int timeout_ms, bool validate_only = false);
  AdminResult delete_topics(const std::vector<std::string>& topics, std::vector<AdminResult>& results,
                            int timeout_ms);
  // New total partition counts.
  AdminResult create_partitions(const std::vector<std::pair<std::string, int32_t>>& counts,
                                std::vector<AdminResult>& results, int timeout_ms, bool validate_only = false);
  // Fills each resource's result and entries.
  AdminResult describe_configs(std::vector<AdminConfigResource>& resources, int timeout_ms);
  // In: offset = delete records before it (-1: the high watermark). Out: offset = the new low
  // watermark, err per partition.
  AdminResult delete_records(std::vector<TopicPartitionOffset>& partitions, int timeout_ms);
  // In: offset = -2 earliest, -1 latest, else a timestamp (ms). Out: offset (-1 when no record
  // has such a timestamp), err per partition. isolation 0 read_uncommitted, 1 read_committed.
  AdminResult list_offsets(std::vector<TopicPartitionOffset>& partitions, int isolation, int timeout_ms);

  // Groups of every broker.
  AdminResult list_groups(std::vector<AdminGroupListing>& out, int timeout_ms);
  AdminResult describe_groups(const std::vector<std::string>& groups, std::vector<AdminGroup>& out, int timeout_ms);
  AdminResult delete_groups(const std::vector<std::string>& groups, std::vector<AdminResult>& results,
                            int timeout_ms);
  // Every committed offset of the group (OffsetFetch with all topics); err per partition.
  AdminResult list_group_offsets(const std::string& group, std::vector<TopicPartitionOffset>& out, int timeout_ms);
  // Commits the offsets as an admin (generation -1, no member: the group must be empty);
  // err per partition.
  AdminResult alter_group_offsets(const std::string& group, std::vector<TopicPartitionOffset>& offsets,
                                  int timeout_ms);

  struct State;

 private:
  explicit AdminClient(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace kafka::client
