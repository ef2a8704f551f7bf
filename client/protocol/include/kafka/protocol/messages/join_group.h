// JoinGroup (key 11), from JoinGroupRequest.json / JoinGroupResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct JoinGroupResponse : ApiMessage<ApiKey::JoinGroup, 0, 9, 6> {
  struct JoinGroupResponseMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Bytes metadata;
    template <class V, class S> static void fields(V& v, S& s) {
      v("MemberId", s.member_id, versions(0));
      v("GroupInstanceId", s.group_instance_id, versions(5));
      v("Metadata", s.metadata, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name{std::in_place};
  std::string leader;
  bool skip_assignment = false;
  std::string member_id;
  std::vector<JoinGroupResponseMember> members;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(2));
    v("ErrorCode", s.error_code, versions(0));
    v("GenerationId", s.generation_id, versions(0));
    v("ProtocolType", s.protocol_type, versions(7));
    v("ProtocolName", s.protocol_name, versions(0).nullable_from(7));
    v("Leader", s.leader, versions(0));
    v("SkipAssignment", s.skip_assignment, versions(9));
    v("MemberId", s.member_id, versions(0));
    v("Members", s.members, versions(0));
  }
};

struct JoinGroupRequest : ApiMessage<ApiKey::JoinGroup, 0, 9, 6> {
  using Response = JoinGroupResponse;
  struct JoinGroupRequestProtocol {
    std::string name;
    Bytes metadata;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Metadata", s.metadata, versions(0));
    }
  };

  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<JoinGroupRequestProtocol> protocols;
  std::optional<std::string> reason;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupId", s.group_id, versions(0));
    v("SessionTimeoutMs", s.session_timeout_ms, versions(0));
    v("RebalanceTimeoutMs", s.rebalance_timeout_ms, versions(1));
    v("MemberId", s.member_id, versions(0));
    v("GroupInstanceId", s.group_instance_id, versions(5));
    v("ProtocolType", s.protocol_type, versions(0));
    v("Protocols", s.protocols, versions(0));
    v("Reason", s.reason, versions(8));
  }
};

}  // namespace kafka::proto
