// DescribeGroups (key 15), from DescribeGroupsRequest.json / DescribeGroupsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DescribeGroupsResponse : ApiMessage<ApiKey::DescribeGroups, 0, 5, 5> {
  struct DescribedGroupMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Bytes member_metadata;
    Bytes member_assignment;
    template <class V, class S> static void fields(V& v, S& s) {
      v("MemberId", s.member_id, versions(0));
      v("GroupInstanceId", s.group_instance_id, versions(4));
      v("ClientId", s.client_id, versions(0));
      v("ClientHost", s.client_host, versions(0));
      v("MemberMetadata", s.member_metadata, versions(0));
      v("MemberAssignment", s.member_assignment, versions(0));
    }
  };
  struct DescribedGroup {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<DescribedGroupMember> members;
    int32_t authorized_operations = INT32_MIN;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("GroupId", s.group_id, versions(0));
      v("GroupState", s.group_state, versions(0));
      v("ProtocolType", s.protocol_type, versions(0));
      v("ProtocolData", s.protocol_data, versions(0));
      v("Members", s.members, versions(0));
      v("AuthorizedOperations", s.authorized_operations, versions(3));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<DescribedGroup> groups;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("Groups", s.groups, versions(0));
  }
};

struct DescribeGroupsRequest : ApiMessage<ApiKey::DescribeGroups, 0, 5, 5> {
  using Response = DescribeGroupsResponse;
  std::vector<std::string> groups;
  bool include_authorized_operations = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Groups", s.groups, versions(0));
    v("IncludeAuthorizedOperations", s.include_authorized_operations, versions(3));
  }
};

}  // namespace kafka::proto
