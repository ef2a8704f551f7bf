// Produce (key 0), from ProduceRequest.json / ProduceResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct ProduceResponse : ApiMessage<ApiKey::Produce, 0, 11, 9> {
  struct BatchIndexAndErrorMessage {
    int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
    template <class V, class S> static void fields(V& v, S& s) {
      v("BatchIndex", s.batch_index, versions(8));
      v("BatchIndexErrorMessage", s.batch_index_error_message, versions(8));
    }
  };
  struct LeaderIdAndEpoch {
    int32_t leader_id = -1;
    int32_t leader_epoch = -1;
    template <class V, class S> static void fields(V& v, S& s) {
      v("LeaderId", s.leader_id, versions(10));
      v("LeaderEpoch", s.leader_epoch, versions(10));
    }
  };
  struct PartitionProduceResponse {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = 0;
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
    std::vector<BatchIndexAndErrorMessage> record_errors;
    std::optional<std::string> error_message;
    std::optional<LeaderIdAndEpoch> current_leader;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Index", s.index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
      v("BaseOffset", s.base_offset, versions(0));
      v("LogAppendTimeMs", s.log_append_time_ms, versions(2));
      v("LogStartOffset", s.log_start_offset, versions(5));
      v("RecordErrors", s.record_errors, versions(8));
      v("ErrorMessage", s.error_message, versions(8));
      v("CurrentLeader", s.current_leader, versions(10).tagged(0));
    }
  };
  struct TopicProduceResponse {
    std::string name;
    std::vector<PartitionProduceResponse> partition_responses;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("PartitionResponses", s.partition_responses, versions(0));
    }
  };
  struct NodeEndpoint {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    template <class V, class S> static void fields(V& v, S& s) {
      v("NodeId", s.node_id, versions(10));
      v("Host", s.host, versions(10));
      v("Port", s.port, versions(10));
      v("Rack", s.rack, versions(10));
    }
  };

  std::vector<TopicProduceResponse> responses;
  int32_t throttle_time_ms = 0;
  std::optional<std::vector<NodeEndpoint>> node_endpoints;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Responses", s.responses, versions(0));
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("NodeEndpoints", s.node_endpoints, versions(10).tagged(0));
  }
};

struct ProduceRequest : ApiMessage<ApiKey::Produce, 0, 11, 9> {
  using Response = ProduceResponse;
  struct PartitionProduceData {
    int32_t index = 0;
    Records records;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Index", s.index, versions(0));
      v("Records", s.records, versions(0));
    }
  };
  struct TopicProduceData {
    std::string name;
    std::vector<PartitionProduceData> partition_data;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("PartitionData", s.partition_data, versions(0));
    }
  };

  std::optional<std::string> transactional_id;
  int16_t acks = 0;
  int32_t timeout_ms = 0;
  std::vector<TopicProduceData> topic_data;
  template <class V, class S> static void fields(V& v, S& s) {
    v("TransactionalId", s.transactional_id, versions(3));
    v("Acks", s.acks, versions(0));
    v("TimeoutMs", s.timeout_ms, versions(0));
    v("TopicData", s.topic_data, versions(0));
  }
};

}  // namespace kafka::proto
