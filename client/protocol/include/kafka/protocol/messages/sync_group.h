// SyncGroup (key 14), from SyncGroupRequest.json / SyncGroupResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct SyncGroupResponse : ApiMessage<ApiKey::SyncGroup, 0, 5, 4> {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(0));
    v("ProtocolType", s.protocol_type, versions(5));
    v("ProtocolName", s.protocol_name, versions(5));
    v("Assignment", s.assignment, versions(0));
  }
};

struct SyncGroupRequest : ApiMessage<ApiKey::SyncGroup, 0, 5, 4> {
  using Response = SyncGroupResponse;
  struct SyncGroupRequestAssignment {
    std::string member_id;
    Bytes assignment;
    template <class V, class S> static void fields(V& v, S& s) {
      v("MemberId", s.member_id, versions(0));
      v("Assignment", s.assignment, versions(0));
    }
  };

  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<SyncGroupRequestAssignment> assignments;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0));
    v("GenerationId", s.generation_id, versions(0));
    v("MemberId", s.member_id, versions(0));
    v("GroupInstanceId", s.group_instance_id, versions(3));
    v("ProtocolType", s.protocol_type, versions(5));
    v("ProtocolName", s.protocol_name, versions(5));
    v("Assignments", s.assignments, versions(0));
  }
};

}  // namespace kafka::proto
