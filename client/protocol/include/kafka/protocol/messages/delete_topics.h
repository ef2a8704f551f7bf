// DeleteTopics (key 20), from DeleteTopicsRequest.json / DeleteTopicsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DeleteTopicsResponse : ApiMessage<ApiKey::DeleteTopics, 0, 6, 4> {
  struct DeletableTopicResult {
    std::optional<std::string> name{std::in_place};
    Uuid topic_id{};
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0).nullable_from(6));
      v("TopicId", s.topic_id, versions(6));
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(5));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<DeletableTopicResult> responses;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("Responses", s.responses, versions(0));
  }
};

struct DeleteTopicsRequest : ApiMessage<ApiKey::DeleteTopics, 0, 6, 4> {
  using Response = DeleteTopicsResponse;
  struct DeleteTopicState {
    std::optional<std::string> name;
    Uuid topic_id{};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(6));
      v("TopicId", s.topic_id, versions(6));
    }
  };

  std::vector<DeleteTopicState> topics;
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(6));
    v("TopicNames", s.topic_names, versions(0, 5));
    v("TimeoutMs", s.timeout_ms, versions(0));
  }
};

}  // namespace kafka::proto
