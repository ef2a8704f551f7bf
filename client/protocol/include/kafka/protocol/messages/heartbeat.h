// Heartbeat (key 12), from HeartbeatRequest.json / HeartbeatResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct HeartbeatResponse : ApiMessage<ApiKey::Heartbeat, 0, 4, 4> {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(0));
  }
};

struct HeartbeatRequest : ApiMessage<ApiKey::Heartbeat, 0, 4, 4> {
  using Response = HeartbeatResponse;
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0));
    v("GenerationId", s.generation_id, versions(0));
    v("MemberId", s.member_id, versions(0));
    v("GroupInstanceId", s.group_instance_id, versions(3));
  }
};

}  // namespace kafka::proto
