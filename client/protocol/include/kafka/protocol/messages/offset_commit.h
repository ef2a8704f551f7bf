// OffsetCommit (key 8), from OffsetCommitRequest.json / OffsetCommitResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct OffsetCommitResponse : ApiMessage<ApiKey::OffsetCommit, 0, 9, 8> {
  struct OffsetCommitResponsePartition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
    }
  };
  struct OffsetCommitResponseTopic {
    std::string name;
    std::vector<OffsetCommitResponsePartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<OffsetCommitResponseTopic> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(3));
    v("Topics", s.topics, versions(0));
  }
};

struct OffsetCommitRequest : ApiMessage<ApiKey::OffsetCommit, 0, 9, 8> {
  using Response = OffsetCommitResponse;
  struct OffsetCommitRequestPartition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    int64_t commit_timestamp = -1;
    std::optional<std::string> committed_metadata{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("CommittedOffset", s.committed_offset, versions(0));
      v("CommittedLeaderEpoch", s.committed_leader_epoch, versions(6));
      v("CommitTimestamp", s.commit_timestamp, versions(1, 1));
      v("CommittedMetadata", s.committed_metadata, versions(0));
    }
  };
  struct OffsetCommitRequestTopic {
    std::string name;
    std::vector<OffsetCommitRequestPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  std::string group_id;
  int32_t generation_id_or_member_epoch = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;
  std::vector<OffsetCommitRequestTopic> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0));
    v("GenerationIdOrMemberEpoch", s.generation_id_or_member_epoch, versions(1));
    v("MemberId", s.member_id, versions(1));
    v("GroupInstanceId", s.group_instance_id, versions(7));
    v("RetentionTimeMs", s.retention_time_ms, versions(2, 4));
    v("Topics", s.topics, versions(0));
  }
};

}  // namespace kafka::proto
