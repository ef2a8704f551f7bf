// DescribeAcls (29), CreateAcls (30), DeleteAcls (31), from DescribeAclsRequest.json /
// DescribeAclsResponse.json, CreateAclsRequest.json / CreateAclsResponse.json and
// DeleteAclsRequest.json / DeleteAclsResponse.json. Pattern types came with v1 (absent: literal, 3).
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

// Who may do what from where: the fields that end every ACL binding in the three APIs' schemas
// (alone in DescribeAcls' AclDescription).
struct AclEntry {
  std::string principal;
  std::string host;
  int8_t operation = 0;
  int8_t permission_type = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Principal", s.principal, versions(0));
    v("Host", s.host, versions(0));
    v("Operation", s.operation, versions(0));
    v("PermissionType", s.permission_type, versions(0));
  }
};

struct DescribeAclsResponse : ApiMessage<ApiKey::DescribeAcls, 0, 3, 2> {
  using AclDescription = AclEntry;
  struct DescribeAclsResource {
    int8_t resource_type = 0;
    std::string name;
    int8_t pattern_type = 3;
    std::vector<AclDescription> acls;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Type", s.resource_type, versions(0));
      v("Name", s.name, versions(0));
      v("PatternType", s.pattern_type, versions(1));
      v("Acls", s.acls, versions(0));
    }
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<DescribeAclsResource> resources;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(0));
    v("ErrorMessage", s.error_message, versions(0));
    v("Resources", s.resources, versions(0));
  }
};

// An ACL filter: DescribeAclsRequest's body and each of DeleteAclsRequest's filters (the same
// fields in both schemas).
struct AclFilter {
  int8_t resource_type_filter = 0;
  std::optional<std::string> resource_name_filter;
  int8_t pattern_type_filter = 3;
  std::optional<std::string> principal_filter;
  std::optional<std::string> host_filter;
  int8_t operation = 0;
  int8_t permission_type = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ResourceTypeFilter", s.resource_type_filter, versions(0));
    v("ResourceNameFilter", s.resource_name_filter, versions(0));
    v("PatternTypeFilter", s.pattern_type_filter, versions(1));
    v("PrincipalFilter", s.principal_filter, versions(0));
    v("HostFilter", s.host_filter, versions(0));
    v("Operation", s.operation, versions(0));
    v("PermissionType", s.permission_type, versions(0));
  }
};

struct DescribeAclsRequest : ApiMessage<ApiKey::DescribeAcls, 0, 3, 2>, AclFilter {
  using Response = DescribeAclsResponse;
  template <class V, class S> static void fields(V& v, S& s) { AclFilter::fields(v, s); }
};

struct CreateAclsResponse : ApiMessage<ApiKey::CreateAcls, 0, 3, 2> {
  struct AclCreationResult {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(0));
    }
  };
  int32_t throttle_time_ms = 0;
  std::vector<AclCreationResult> results;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Results", s.results, versions(0));
  }
};

struct CreateAclsRequest : ApiMessage<ApiKey::CreateAcls, 0, 3, 2> {
  using Response = CreateAclsResponse;
  struct CreatableAcl : AclEntry {
    int8_t resource_type = 0;
    std::string resource_name;
    int8_t resource_pattern_type = 3;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ResourceType", s.resource_type, versions(0));
      v("ResourceName", s.resource_name, versions(0));
      v("ResourcePatternType", s.resource_pattern_type, versions(1));
      AclEntry::fields(v, s);
    }
  };
  std::vector<CreatableAcl> creations;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Creations", s.creations, versions(0));
  }
};

struct DeleteAclsResponse : ApiMessage<ApiKey::DeleteAcls, 0, 3, 2> {
  struct DeleteAclsMatchingAcl : AclEntry {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = 0;
    std::string resource_name;
    int8_t pattern_type = 3;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(0));
      v("ResourceType", s.resource_type, versions(0));
      v("ResourceName", s.resource_name, versions(0));
      v("PatternType", s.pattern_type, versions(1));
      AclEntry::fields(v, s);
    }
  };
  struct DeleteAclsFilterResult {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<DeleteAclsMatchingAcl> matching_acls;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(0));
      v("MatchingAcls", s.matching_acls, versions(0));
    }
  };
  int32_t throttle_time_ms = 0;
  std::vector<DeleteAclsFilterResult> filter_results;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("FilterResults", s.filter_results, versions(0));
  }
};

struct DeleteAclsRequest : ApiMessage<ApiKey::DeleteAcls, 0, 3, 2> {
  using Response = DeleteAclsResponse;
  using DeleteAclsFilter = AclFilter;
  std::vector<DeleteAclsFilter> filters;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Filters", s.filters, versions(0));
  }
};

}  // namespace kafka::proto
