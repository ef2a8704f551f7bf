// DeleteGroups (key 42), from DeleteGroupsRequest.json / DeleteGroupsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DeleteGroupsResponse : ApiMessage<ApiKey::DeleteGroups, 0, 2, 2> {
  struct DeletableGroupResult {
    std::string group_id;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("GroupId", s.group_id, versions(0));
      v("ErrorCode", s.error_code, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<DeletableGroupResult> results;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Results", s.results, versions(0));
  }
};

struct DeleteGroupsRequest : ApiMessage<ApiKey::DeleteGroups, 0, 2, 2> {
  using Response = DeleteGroupsResponse;
  std::vector<std::string> groups_names;
  template <class V, class S> static void fields(V& v, S& s) {
    v("GroupsNames", s.groups_names, versions(0));
  }
};

}  // namespace kafka::proto
