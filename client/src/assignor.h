// Partition assignors run by the group leader (partition.assignment.strategy), and the
// ConsumerProtocol metadata they exchange through JoinGroup/SyncGroup.
//
//   range               per topic, members sorted by id get contiguous ranges (Java RangeAssignor)
//   roundrobin          all partitions of all subscribed topics, sorted, dealt round-robin over
//                       members sorted by id, skipping members not subscribed to the topic
//   cooperative-sticky  balanced like sticky: keeps each member's owned partitions when still
//                       valid, moves only what balance requires; a partition that changes owner
//                       is left unassigned in this generation (KIP-429: its owner revokes it
//                       first and the follow-up rebalance assigns it)
//
// Members are identified by member id: static members (group.instance.id) get their previous
// member id back from the coordinator, so the assignors need nothing else.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/wire.h"

namespace kafka::client {

struct TopicPartitionRef {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartitionRef&) const = default;
};

// ConsumerProtocolSubscription (versions 0-3; we write v1 for eager, v1+ with owned partitions
// for cooperative, and read any).
struct MemberSubscription {
  std::vector<std::string> topics;
  std::vector<uint8_t> user_data;
  std::vector<TopicPartitionRef> owned;  // v1+
  int32_t generation = -1;               // v2+
  std::optional<std::string> rack;       // v3+
};

// ConsumerProtocolAssignment (versions 0-3; the partitions and optional user data).
struct MemberAssignment {
  std::vector<TopicPartitionRef> partitions;
  std::vector<uint8_t> user_data;
};

std::vector<uint8_t> encode_subscription(const MemberSubscription& s, int16_t version);
MemberSubscription decode_subscription(std::span<const uint8_t> bytes);  // throws ProtocolError
std::vector<uint8_t> encode_assignment(const MemberAssignment& a, int16_t version);
MemberAssignment decode_assignment(std::span<const uint8_t> bytes);  // throws ProtocolError; empty bytes = none

// The member's generation: the v2+ field, else the one older clients put in user data (Java's
// cooperative-sticky: a bare int32; librdkafka's sticky: partitions then int32); -1 if none.
int32_t subscription_generation(const MemberSubscription& s);

enum class AssignorProtocol { Eager, Cooperative };

struct GroupMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  MemberSubscription subscription;
};

class Assignor {
 public:
  virtual ~Assignor() = default;
  virtual std::string_view name() const = 0;  // the JoinGroup protocol name
  virtual AssignorProtocol protocol() const = 0;
  // partition_counts: topic -> number of partitions, for every topic any member subscribes to
  // that exists (missing topics are skipped). Returns an entry for every member (possibly empty).
  virtual std::map<std::string, MemberAssignment> assign(const std::vector<GroupMember>& members,
                                                         const std::map<std::string, int32_t>& partition_counts) const = 0;
};

// "range", "roundrobin", "cooperative-sticky"; nullptr for an unknown name.
std::unique_ptr<Assignor> make_assignor(std::string_view name);

}  // namespace kafka::client
