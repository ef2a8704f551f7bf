// ListGroups (key 16), from ListGroupsRequest.json / ListGroupsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct ListGroupsResponse : ApiMessage<ApiKey::ListGroups, 0, 5, 3> {
  struct ListedGroup {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
    std::string group_type;
    template <class V, class S> static void fields(V& v, S& s) {
      v("GroupId", s.group_id, versions(0));
      v("ProtocolType", s.protocol_type, versions(0));
      v("GroupState", s.group_state, versions(4));
      v("GroupType", s.group_type, versions(5));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<ListedGroup> groups;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("ErrorCode", s.error_code, versions(0));
    v("Groups", s.groups, versions(0));
  }
};

struct ListGroupsRequest : ApiMessage<ApiKey::ListGroups, 0, 5, 3> {
  using Response = ListGroupsResponse;
  std::vector<std::string> states_filter;
  std::vector<std::string> types_filter;
  template <class V, class S> static void fields(V& v, S& s) {
    v("StatesFilter", s.states_filter, versions(4));
    v("TypesFilter", s.types_filter, versions(5));
  }
};

}  // namespace kafka::proto
