// CreatePartitions (key 37), from CreatePartitionsRequest.json / CreatePartitionsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct CreatePartitionsResponse : ApiMessage<ApiKey::CreatePartitions, 0, 3, 2> {
  struct CreatePartitionsTopicResult {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<CreatePartitionsTopicResult> results;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Results", s.results, versions(0));
  }
};

struct CreatePartitionsRequest : ApiMessage<ApiKey::CreatePartitions, 0, 3, 2> {
  using Response = CreatePartitionsResponse;
  struct CreatePartitionsAssignment {
    std::vector<int32_t> broker_ids;
    template <class V, class S> static void fields(V& v, S& s) {
      v("BrokerIds", s.broker_ids, versions(0));
    }
  };
  struct CreatePartitionsTopic {
    std::string name;
    int32_t count = 0;
    std::optional<std::vector<CreatePartitionsAssignment>> assignments{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Count", s.count, versions(0));
      v("Assignments", s.assignments, versions(0));
    }
  };

  std::vector<CreatePartitionsTopic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(0));
    v("TimeoutMs", s.timeout_ms, versions(0));
    v("ValidateOnly", s.validate_only, versions(0));
  }
};

}  // namespace kafka::proto
