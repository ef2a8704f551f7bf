// DescribeConfigs (key 32), from DescribeConfigsRequest.json / DescribeConfigsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DescribeConfigsResponse : ApiMessage<ApiKey::DescribeConfigs, 0, 4, 4> {
  struct DescribeConfigsSynonym {
    std::string name;
    std::optional<std::string> value{std::in_place};
    int8_t source = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(1));
      v("Value", s.value, versions(1));
      v("Source", s.source, versions(1));
    }
  };
  struct DescribeConfigsResourceResult {
    std::string name;
    std::optional<std::string> value{std::in_place};
    bool read_only = false;
    bool is_default = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
    std::vector<DescribeConfigsSynonym> synonyms;
    int8_t config_type = 0;
    std::optional<std::string> documentation{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Value", s.value, versions(0));
      v("ReadOnly", s.read_only, versions(0));
      v("IsDefault", s.is_default, versions(0, 0));
      v("ConfigSource", s.config_source, versions(1));
      v("IsSensitive", s.is_sensitive, versions(0));
      v("Synonyms", s.synonyms, versions(1));
      v("ConfigType", s.config_type, versions(3));
      v("Documentation", s.documentation, versions(3));
    }
  };
  struct DescribeConfigsResult {
    int16_t error_code = 0;
    std::optional<std::string> error_message{std::in_place};
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<DescribeConfigsResourceResult> configs;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ErrorCode", s.error_code, versions(0));
      v("ErrorMessage", s.error_message, versions(0));
      v("ResourceType", s.resource_type, versions(0));
      v("ResourceName", s.resource_name, versions(0));
      v("Configs", s.configs, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<DescribeConfigsResult> results;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Results", s.results, versions(0));
  }
};

struct DescribeConfigsRequest : ApiMessage<ApiKey::DescribeConfigs, 0, 4, 4> {
  using Response = DescribeConfigsResponse;
  struct DescribeConfigsResource {
    int8_t resource_type = 0;
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys{std::in_place};
    template <class V, class S> static void fields(V& v, S& s) {
      v("ResourceType", s.resource_type, versions(0));
      v("ResourceName", s.resource_name, versions(0));
      v("ConfigurationKeys", s.configuration_keys, versions(0));
    }
  };

  std::vector<DescribeConfigsResource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Resources", s.resources, versions(0));
    v("IncludeSynonyms", s.include_synonyms, versions(1));
    v("IncludeDocumentation", s.include_documentation, versions(3));
  }
};

}  // namespace kafka::proto
