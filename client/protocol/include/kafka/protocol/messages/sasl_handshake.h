// SaslHandshake (key 17), from SaslHandshakeRequest.json / SaslHandshakeResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct SaslHandshakeResponse : ApiMessage<ApiKey::SaslHandshake, 0, 1, kNeverFlexible> {
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ErrorCode", s.error_code, versions(0));
    v("Mechanisms", s.mechanisms, versions(0));
  }
};

struct SaslHandshakeRequest : ApiMessage<ApiKey::SaslHandshake, 0, 1, kNeverFlexible> {
  using Response = SaslHandshakeResponse;
  std::string mechanism;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Mechanism", s.mechanism, versions(0));
  }
};

}  // namespace kafka::proto
