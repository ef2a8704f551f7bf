// Metadata (key 3), from MetadataRequest.json / MetadataResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct MetadataResponse : ApiMessage<ApiKey::Metadata, 0, 12, 9> {
  struct MetadataResponseBroker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    template <class V, class S> static void fields(V& v, S& s) {
      v("NodeId", s.node_id, versions(0));
      v("Host", s.host, versions(0));
      v("Port", s.port, versions(0));
      v("Rack", s.rack, versions(1));
    }
  };
  struct MetadataResponsePartition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    int32_t leader_epoch = -1;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("PartitionIndex", s.partition_index, versions(0));
      v("LeaderId", s.leader_id, versions(0));
      v("LeaderEpoch", s.leader_epoch, versions(7));
      v("ReplicaNodes", s.replica_nodes, versions(0));
      v("IsrNodes", s.isr_nodes, versions(0));
      v("OfflineReplicas", s.offline_replicas, versions(5));
    }
  };
  struct MetadataResponseTopic {
    int16_t error_code = 0;
    std::optional<std::string> name{std::in_place};
    Uuid topic_id{};
    bool is_internal = false;
    std::vector<MetadataResponsePartition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("Name", s.name, versions(0).nullable_from(12));
      v("TopicId", s.topic_id, versions(10));
      v("IsInternal", s.is_internal, versions(1));
      v("Partitions", s.partitions, versions(0));
      v("TopicAuthorizedOperations", s.topic_authorized_operations, versions(8));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<MetadataResponseBroker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<MetadataResponseTopic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(3));
    v("Brokers", s.brokers, versions(0));
    v("ClusterId", s.cluster_id, versions(2));
    v("ControllerId", s.controller_id, versions(1));
    v("Topics", s.topics, versions(0));
    v("ClusterAuthorizedOperations", s.cluster_authorized_operations, versions(8, 10));
  }
};

struct MetadataRequest : ApiMessage<ApiKey::Metadata, 0, 12, 9> {
  using Response = MetadataResponse;
  struct MetadataRequestTopic {
    Uuid topic_id{};
    std::optional<std::string> name{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("TopicId", s.topic_id, versions(10));
      v("Name", s.name, versions(0).nullable_from(10));
    }
  };

  std::optional<std::vector<MetadataRequestTopic>> topics{std::in_place};
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(0).nullable_from(1));
    v("AllowAutoTopicCreation", s.allow_auto_topic_creation, versions(4));
    v("IncludeClusterAuthorizedOperations", s.include_cluster_authorized_operations, versions(8, 10));
    v("IncludeTopicAuthorizedOperations", s.include_topic_authorized_operations, versions(8));
  }
};

}  // namespace kafka::proto
