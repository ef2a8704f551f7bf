// OffsetFetch (key 9), from OffsetFetchRequest.json / OffsetFetchResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct OffsetFetchResponse : ApiMessage<ApiKey::OffsetFetch, 0, 9, 6> {
  struct OffsetFetchResponsePartition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata{std::in_place};
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0, 7));
      v("CommittedOffset", s.committed_offset, versions(0, 7));
      v("CommittedLeaderEpoch", s.committed_leader_epoch, versions(5, 7));
      v("Metadata", s.metadata, versions(0, 7));
      v("ErrorCode", s.error_code, versions(0, 7));
    }
  };
  struct OffsetFetchResponseTopic {
    std::string name;
    std::vector<OffsetFetchResponsePartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0, 7));
      v("Partitions", s.partitions, versions(0, 7));
    }
  };
  struct OffsetFetchResponsePartitions {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata{std::in_place};
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(8));
      v("CommittedOffset", s.committed_offset, versions(8));
      v("CommittedLeaderEpoch", s.committed_leader_epoch, versions(8));
      v("Metadata", s.metadata, versions(8));
      v("ErrorCode", s.error_code, versions(8));
    }
  };
  struct OffsetFetchResponseTopics {
    std::string name;
    std::vector<OffsetFetchResponsePartitions> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(8));
      v("Partitions", s.partitions, versions(8));
    }
  };
  struct OffsetFetchResponseGroup {
    std::string group_id;
    std::vector<OffsetFetchResponseTopics> topics;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("GroupId", s.group_id, versions(8));
      v("Topics", s.topics, versions(8));
      v("ErrorCode", s.error_code, versions(8));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<OffsetFetchResponseTopic> topics;
  int16_t error_code = 0;
  std::vector<OffsetFetchResponseGroup> groups;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(3));
    v("Topics", s.topics, versions(0, 7));
    v("ErrorCode", s.error_code, versions(2, 7));
    v("Groups", s.groups, versions(8));
  }
};

struct OffsetFetchRequest : ApiMessage<ApiKey::OffsetFetch, 0, 9, 6> {
  using Response = OffsetFetchResponse;
  struct OffsetFetchRequestTopic {
    std::string name;
    std::vector<int32_t> partition_indexes;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0, 7));
      v("PartitionIndexes", s.partition_indexes, versions(0, 7));
    }
  };
  struct OffsetFetchRequestTopics {
    std::string name;
    std::vector<int32_t> partition_indexes;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(8));
      v("PartitionIndexes", s.partition_indexes, versions(8));
    }
  };
  struct OffsetFetchRequestGroup {
    std::string group_id;
    std::optional<std::string> member_id;
    int32_t member_epoch = -1;
    std::optional<std::vector<OffsetFetchRequestTopics>> topics{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("GroupId", s.group_id, versions(8));
      v("MemberId", s.member_id, versions(9));
      v("MemberEpoch", s.member_epoch, versions(9));
      v("Topics", s.topics, versions(8));
    }
  };

  std::string group_id;
  std::optional<std::vector<OffsetFetchRequestTopic>> topics{std::in_place};
  std::vector<OffsetFetchRequestGroup> groups;
  bool require_stable = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0, 7));
    v("Topics", s.topics, versions(0, 7).nullable_from(2));
    v("Groups", s.groups, versions(8));
    v("RequireStable", s.require_stable, versions(7));
  }
};

}  // namespace kafka::proto
