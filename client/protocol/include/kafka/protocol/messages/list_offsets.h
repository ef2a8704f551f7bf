// ListOffsets (key 2), from ListOffsetsRequest.json / ListOffsetsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct ListOffsetsResponse : ApiMessage<ApiKey::ListOffsets, 0, 10, 6> {
  struct ListOffsetsPartitionResponse {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    std::vector<int64_t> old_style_offsets;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
      v("OldStyleOffsets", s.old_style_offsets, versions(0, 0));
      v("Timestamp", s.timestamp, versions(1));
      v("Offset", s.offset, versions(1));
      v("LeaderEpoch", s.leader_epoch, versions(4));
    }
  };
  struct ListOffsetsTopicResponse {
    std::string name;
    std::vector<ListOffsetsPartitionResponse> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<ListOffsetsTopicResponse> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(2));
    v("Topics", s.topics, versions(0));
  }
};

struct ListOffsetsRequest : ApiMessage<ApiKey::ListOffsets, 0, 10, 6> {
  using Response = ListOffsetsResponse;
  struct ListOffsetsPartition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;
    int64_t timestamp = 0;
    int32_t max_num_offsets = 1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("CurrentLeaderEpoch", s.current_leader_epoch, versions(4));
      v("Timestamp", s.timestamp, versions(0));
      v("MaxNumOffsets", s.max_num_offsets, versions(0, 0));
    }
  };
  struct ListOffsetsTopic {
    std::string name;
    std::vector<ListOffsetsPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t replica_id = 0;
  int8_t isolation_level = 0;
  std::vector<ListOffsetsTopic> topics;
  int32_t timeout_ms = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ReplicaId", s.replica_id, versions(0));
    v("IsolationLevel", s.isolation_level, versions(2));
    v("Topics", s.topics, versions(0));
    v("TimeoutMs", s.timeout_ms, versions(10));
  }
};

}  // namespace kafka::proto
