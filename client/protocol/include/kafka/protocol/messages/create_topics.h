// CreateTopics (key 19), from CreateTopicsRequest.json / CreateTopicsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct CreateTopicsResponse : ApiMessage<ApiKey::CreateTopics, 0, 7, 5> {
  struct CreatableTopicConfigs {
    std::string name;
    std::optional<std::string> value{std::in_place};
    bool read_only = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(5));
      v("Value", s.value, versions(5));
      v("ReadOnly", s.read_only, versions(5));
      v("ConfigSource", s.config_source, versions(5));
      v("IsSensitive", s.is_sensitive, versions(5));
    }
  };
  struct CreatableTopicResult {
    std::string name;
    Uuid topic_id{};
    int16_t error_code = 0;
    std::optional<std::string> error_message{std::in_place};
    std::optional<int16_t> topic_config_error_code;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::optional<std::vector<CreatableTopicConfigs>> configs{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("TopicId", s.topic_id, versions(7));
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(1));
      v("TopicConfigErrorCode", s.topic_config_error_code, versions(5).tagged(0));
      v("NumPartitions", s.num_partitions, versions(5));
      v("ReplicationFactor", s.replication_factor, versions(5));
      v("Configs", s.configs, versions(5));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<CreatableTopicResult> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(2));
    v("Topics", s.topics, versions(0));
  }
};

struct CreateTopicsRequest : ApiMessage<ApiKey::CreateTopics, 0, 7, 5> {
  using Response = CreateTopicsResponse;
  struct CreatableReplicaAssignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("BrokerIds", s.broker_ids, versions(0));
    }
  };
  struct CreatableTopicConfig {
    std::string name;
    std::optional<std::string> value{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Value", s.value, versions(0));
    }
  };
  struct CreatableTopic {
    std::string name;
    int32_t num_partitions = 0;
    int16_t replication_factor = 0;
    std::vector<CreatableReplicaAssignment> assignments;
    std::vector<CreatableTopicConfig> configs;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("NumPartitions", s.num_partitions, versions(0));
      v("ReplicationFactor", s.replication_factor, versions(0));
      v("Assignments", s.assignments, versions(0));
      v("Configs", s.configs, versions(0));
    }
  };

  std::vector<CreatableTopic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(0));
    v("timeoutMs", s.timeout_ms, versions(0));
    v("validateOnly", s.validate_only, versions(1));
  }
};

}  // namespace kafka::proto
