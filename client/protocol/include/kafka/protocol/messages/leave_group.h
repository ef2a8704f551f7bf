// LeaveGroup (key 13), from LeaveGroupRequest.json / LeaveGroupResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct LeaveGroupResponse : ApiMessage<ApiKey::LeaveGroup, 0, 5, 4> {
  struct MemberResponse {
    std::string member_id;
    std::optional<std::string> group_instance_id{std::in_place};
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("MemberId", s.member_id, versions(3));
      v("GroupInstanceId", s.group_instance_id, versions(3));
      v("ErrorCode", s.error_code, versions(3));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<MemberResponse> members;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(0));
    v("Members", s.members, versions(3));
  }
};

struct LeaveGroupRequest : ApiMessage<ApiKey::LeaveGroup, 0, 5, 4> {
  using Response = LeaveGroupResponse;
  struct MemberIdentity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;
    template <class V, class S> static void fields(V& v, S& s) {
      v("MemberId", s.member_id, versions(3));
      v("GroupInstanceId", s.group_instance_id, versions(3));
      v("Reason", s.reason, versions(5));
    }
  };

  std::string group_id;
  std::string member_id;
  std::vector<MemberIdentity> members;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0));
    v("MemberId", s.member_id, versions(0, 2));
    v("Members", s.members, versions(3));
  }
};

}  // namespace kafka::proto
