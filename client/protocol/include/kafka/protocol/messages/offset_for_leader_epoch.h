// OffsetForLeaderEpoch (key 23), from OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct OffsetForLeaderEpochResponse : ApiMessage<ApiKey::OffsetForLeaderEpoch, 0, 4, 4> {
  struct EpochEndOffset {
    int16_t error_code = 0;
    int32_t partition = 0;
    int32_t leader_epoch = -1;
    int64_t end_offset = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("Partition", s.partition, versions(0));
      v("LeaderEpoch", s.leader_epoch, versions(1));
      v("EndOffset", s.end_offset, versions(0));
    }
  };
  struct OffsetForLeaderTopicResult {
    std::string topic;
    std::vector<EpochEndOffset> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Topic", s.topic, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<OffsetForLeaderTopicResult> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(2));
    v("Topics", s.topics, versions(0));
  }
};

struct OffsetForLeaderEpochRequest : ApiMessage<ApiKey::OffsetForLeaderEpoch, 0, 4, 4> {
  using Response = OffsetForLeaderEpochResponse;
  struct OffsetForLeaderPartition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int32_t leader_epoch = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Partition", s.partition, versions(0));
      v("CurrentLeaderEpoch", s.current_leader_epoch, versions(2));
      v("LeaderEpoch", s.leader_epoch, versions(0));
    }
  };
  struct OffsetForLeaderTopic {
    std::string topic;
    std::vector<OffsetForLeaderPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Topic", s.topic, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t replica_id = -2;
  std::vector<OffsetForLeaderTopic> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ReplicaId", s.replica_id, versions(3));
    v("Topics", s.topics, versions(0));
  }
};

}  // namespace kafka::proto
