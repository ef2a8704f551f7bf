// TxnOffsetCommit (key 28), from TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct TxnOffsetCommitResponse : ApiMessage<ApiKey::TxnOffsetCommit, 0, 4, 3> {
  struct TxnOffsetCommitResponsePartition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
    }
  };
  struct TxnOffsetCommitResponseTopic {
    std::string name;
    std::vector<TxnOffsetCommitResponsePartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<TxnOffsetCommitResponseTopic> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Topics", s.topics, versions(0));
  }
};

struct TxnOffsetCommitRequest : ApiMessage<ApiKey::TxnOffsetCommit, 0, 4, 3> {
  using Response = TxnOffsetCommitResponse;
  struct TxnOffsetCommitRequestPartition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> committed_metadata{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("CommittedOffset", s.committed_offset, versions(0));
      v("CommittedLeaderEpoch", s.committed_leader_epoch, versions(2));
      v("CommittedMetadata", s.committed_metadata, versions(0));
    }
  };
  struct TxnOffsetCommitRequestTopic {
    std::string name;
    std::vector<TxnOffsetCommitRequestPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  std::string transactional_id;
  std::string group_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<TxnOffsetCommitRequestTopic> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("TransactionalId", s.transactional_id, versions(0));
    v("GroupId", s.group_id, versions(0));
    v("ProducerId", s.producer_id, versions(0));
    v("ProducerEpoch", s.producer_epoch, versions(0));
    v("GenerationId", s.generation_id, versions(3));
    v("MemberId", s.member_id, versions(3));
    v("GroupInstanceId", s.group_instance_id, versions(3));
    v("Topics", s.topics, versions(0));
  }
};

}  // namespace kafka::proto
