// Fetch (key 1), from FetchRequest.json / FetchResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct FetchResponse : ApiMessage<ApiKey::Fetch, 0, 17, 12> {
  struct EpochEndOffset {
    int32_t epoch = -1;
    int64_t end_offset = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Epoch", s.epoch, versions(12));
      v("EndOffset", s.end_offset, versions(12));
    }
  };
  struct LeaderIdAndEpoch {
    int32_t leader_id = -1;
    int32_t leader_epoch = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("LeaderId", s.leader_id, versions(12));
      v("LeaderEpoch", s.leader_epoch, versions(12));
    }
  };
  struct SnapshotId {
    int64_t end_offset = -1;
    int32_t epoch = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("EndOffset", s.end_offset, versions(0));
      v("Epoch", s.epoch, versions(0));
    }
  };
  struct AbortedTransaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ProducerId", s.producer_id, versions(4));
      v("FirstOffset", s.first_offset, versions(4));
    }
  };
  struct PartitionData {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    std::optional<EpochEndOffset> diverging_epoch;
    std::optional<LeaderIdAndEpoch> current_leader;
    std::optional<SnapshotId> snapshot_id;
    std::optional<std::vector<AbortedTransaction>> aborted_transactions{std::in_place};
    int32_t preferred_read_replica = -1;
    Records records;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
      v("HighWatermark", s.high_watermark, versions(0));
      v("LastStableOffset", s.last_stable_offset, versions(4));
      v("LogStartOffset", s.log_start_offset, versions(5));
      v("DivergingEpoch", s.diverging_epoch, versions(12).tagged(0));
      v("CurrentLeader", s.current_leader, versions(12).tagged(1));
      v("SnapshotId", s.snapshot_id, versions(12).tagged(2));
      v("AbortedTransactions", s.aborted_transactions, versions(4));
      v("PreferredReadReplica", s.preferred_read_replica, versions(11));
      v("Records", s.records, versions(0));
    }
  };
  struct FetchableTopicResponse {
    std::string topic;
    Uuid topic_id{};
    std::vector<PartitionData> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Topic", s.topic, versions(0, 12));
      v("TopicId", s.topic_id, versions(13));
      v("Partitions", s.partitions, versions(0));
    }
  };
  struct NodeEndpoint {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    template <class V, class S> static void fields(V& v, S& s) {
      v("NodeId", s.node_id, versions(16));
      v("Host", s.host, versions(16));
      v("Port", s.port, versions(16));
      v("Rack", s.rack, versions(16));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t session_id = 0;
  std::vector<FetchableTopicResponse> responses;
  std::optional<std::vector<NodeEndpoint>> node_endpoints;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(7));
    v("SessionId", s.session_id, versions(7));
    v("Responses", s.responses, versions(0));
    v("NodeEndpoints", s.node_endpoints, versions(16).tagged(0));
  }
};

struct FetchRequest : ApiMessage<ApiKey::Fetch, 0, 17, 12> {
  using Response = FetchResponse;
  struct ReplicaState {
    int32_t replica_id = -1;
    int64_t replica_epoch = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ReplicaId", s.replica_id, versions(15));
      v("ReplicaEpoch", s.replica_epoch, versions(15));
    }
  };
  struct FetchPartition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int64_t fetch_offset = 0;
    int32_t last_fetched_epoch = -1;
    int64_t log_start_offset = -1;
    int32_t partition_max_bytes = 0;
    std::optional<Uuid> replica_directory_id;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Partition", s.partition, versions(0));
      v("CurrentLeaderEpoch", s.current_leader_epoch, versions(9));
      v("FetchOffset", s.fetch_offset, versions(0));
      v("LastFetchedEpoch", s.last_fetched_epoch, versions(12));
      v("LogStartOffset", s.log_start_offset, versions(5));
      v("PartitionMaxBytes", s.partition_max_bytes, versions(0));
      v("ReplicaDirectoryId", s.replica_directory_id, versions(17).tagged(0));
    }
  };
  struct FetchTopic {
    std::string topic;
    Uuid topic_id{};
    std::vector<FetchPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Topic", s.topic, versions(0, 12));
      v("TopicId", s.topic_id, versions(13));
      v("Partitions", s.partitions, versions(0));
    }
  };
  struct ForgottenTopic {
    std::string topic;
    Uuid topic_id{};
    std::vector<int32_t> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Topic", s.topic, versions(7, 12));
      v("TopicId", s.topic_id, versions(13));
      v("Partitions", s.partitions, versions(7));
    }
  };

  std::optional<std::string> cluster_id;
  int32_t replica_id = -1;
  std::optional<ReplicaState> replica_state;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<FetchTopic> topics;
  std::vector<ForgottenTopic> forgotten_topics_data;
  std::string rack_id;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ClusterId", s.cluster_id, versions(12).tagged(0));
    v("ReplicaId", s.replica_id, versions(0, 14));
    v("ReplicaState", s.replica_state, versions(15).tagged(1));
    v("MaxWaitMs", s.max_wait_ms, versions(0));
    v("MinBytes", s.min_bytes, versions(0));
    v("MaxBytes", s.max_bytes, versions(3));
    v("IsolationLevel", s.isolation_level, versions(4));
    v("SessionId", s.session_id, versions(7));
    v("SessionEpoch", s.session_epoch, versions(7));
    v("Topics", s.topics, versions(0));
    v("ForgottenTopicsData", s.forgotten_topics_data, versions(7));
    v("RackId", s.rack_id, versions(11));
  }
};

}  // namespace kafka::proto
