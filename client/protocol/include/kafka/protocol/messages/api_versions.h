// ApiVersions (key 18), from ApiVersionsRequest.json / ApiVersionsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct ApiVersionsResponse : ApiMessage<ApiKey::ApiVersions, 0, 4, 3> {
  struct ApiVersion {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ApiKey", s.api_key, versions(0));
      v("MinVersion", s.min_version, versions(0));
      v("MaxVersion", s.max_version, versions(0));
    }
  };
  struct SupportedFeatureKey {
    std::string name;
    int16_t min_version = 0;
    int16_t max_version = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(3));
      v("MinVersion", s.min_version, versions(3));
      v("MaxVersion", s.max_version, versions(3));
    }
  };
  struct FinalizedFeatureKey {
    std::string name;
    int16_t max_version_level = 0;
    int16_t min_version_level = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(3));
      v("MaxVersionLevel", s.max_version_level, versions(3));
      v("MinVersionLevel", s.min_version_level, versions(3));
    }
  };

  int16_t error_code = 0;
  std::vector<ApiVersion> api_keys;
  int32_t throttle_time_ms = 0;
  std::optional<std::vector<SupportedFeatureKey>> supported_features;  // tag 0
  std::optional<int64_t> finalized_features_epoch;                     // tag 1, default -1
  std::optional<std::vector<FinalizedFeatureKey>> finalized_features;  // tag 2
  std::optional<bool> zk_migration_ready;                              // tag 3

  template <class V, class S> static void fields(V& v, S& s) {
    v("ErrorCode", s.error_code, versions(0));
    v("ApiKeys", s.api_keys, versions(0));
    v("ThrottleTimeMs", s.throttle_time_ms, versions(1));
    v("SupportedFeatures", s.supported_features, versions(3).tagged(0));
    v("FinalizedFeaturesEpoch", s.finalized_features_epoch, versions(3).tagged(1));
    v("FinalizedFeatures", s.finalized_features, versions(3).tagged(2));
    v("ZkMigrationReady", s.zk_migration_ready, versions(3).tagged(3));
  }
};

struct ApiVersionsRequest : ApiMessage<ApiKey::ApiVersions, 0, 4, 3> {
  using Response = ApiVersionsResponse;
  std::string client_software_name;
  std::string client_software_version;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ClientSoftwareName", s.client_software_name, versions(3));
    v("ClientSoftwareVersion", s.client_software_version, versions(3));
  }
};

}  // namespace kafka::proto
