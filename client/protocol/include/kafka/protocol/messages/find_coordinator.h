// FindCoordinator (key 10), from FindCoordinatorRequest.json / FindCoordinatorResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct FindCoordinatorResponse : ApiMessage<ApiKey::FindCoordinator, 0, 6, 3> {
  struct Coordinator {
    std::string key;
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Key", s.key, versions(4));
      v("NodeId", s.node_id, versions(4));
      v("Host", s.host, versions(4));
      v("Port", s.port, versions(4));
      v("ErrorCode", s.error_code, versions(4));
      v("ErrorMessage", s.error_message, versions(4));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message{std::in_place};
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::vector<Coordinator> coordinators;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(0, 3));
    v("ErrorMessage", s.error_message, versions(1, 3));
    v("NodeId", s.node_id, versions(0, 3));
    v("Host", s.host, versions(0, 3));
    v("Port", s.port, versions(0, 3));
    v("Coordinators", s.coordinators, versions(4));
  }
};

struct FindCoordinatorRequest : ApiMessage<ApiKey::FindCoordinator, 0, 6, 3> {
  using Response = FindCoordinatorResponse;
  std::string key;
  int8_t key_type = 0;
  std::vector<std::string> coordinator_keys;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Key", s.key, versions(0, 3));
    v("KeyType", s.key_type, versions(1));
    v("CoordinatorKeys", s.coordinator_keys, versions(4));
  }
};

}  // namespace kafka::proto
