// DescribeCluster (key 60), from DescribeClusterRequest.json / DescribeClusterResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DescribeClusterResponse : ApiMessage<ApiKey::DescribeCluster, 0, 1, 0> {
  struct DescribeClusterBroker {
    int32_t broker_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    template <class V, class S> static void fields(V& v, S& s) {
      v("BrokerId", s.broker_id, versions(0));
      v("Host", s.host, versions(0));
      v("Port", s.port, versions(0));
      v("Rack", s.rack, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t endpoint_type = 1;
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<DescribeClusterBroker> brokers;
  int32_t cluster_authorized_operations = INT32_MIN;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(0));
    v("ErrorMessage", s.error_message, versions(0));
    v("EndpointType", s.endpoint_type, versions(1));
    v("ClusterId", s.cluster_id, versions(0));
    v("ControllerId", s.controller_id, versions(0));
    v("Brokers", s.brokers, versions(0));
    v("ClusterAuthorizedOperations", s.cluster_authorized_operations, versions(0));
  }
};

struct DescribeClusterRequest : ApiMessage<ApiKey::DescribeCluster, 0, 1, 0> {
  using Response = DescribeClusterResponse;
  bool include_cluster_authorized_operations = false;
  int8_t endpoint_type = 1;
  template <class V, class S> static void fields(V& v, S& s) {
    v("IncludeClusterAuthorizedOperations", s.include_cluster_authorized_operations, versions(0));
    v("EndpointType", s.endpoint_type, versions(1));
  }
};

}  // namespace kafka::proto
