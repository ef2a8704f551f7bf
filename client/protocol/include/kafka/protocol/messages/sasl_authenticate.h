// SaslAuthenticate (key 36), from SaslAuthenticateRequest.json / SaslAuthenticateResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct SaslAuthenticateResponse : ApiMessage<ApiKey::SaslAuthenticate, 0, 2, 2> {
  int16_t error_code = 0;
  std::optional<std::string> error_message{std::in_place};
  Bytes auth_bytes;
  int64_t session_lifetime_ms = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ErrorCode", s.error_code, versions(0));
    v("ErrorMessage", s.error_message, versions(0));
    v("AuthBytes", s.auth_bytes, versions(0));
    v("SessionLifetimeMs", s.session_lifetime_ms, versions(1));
  }
};

struct SaslAuthenticateRequest : ApiMessage<ApiKey::SaslAuthenticate, 0, 2, 2> {
  using Response = SaslAuthenticateResponse;
  Bytes auth_bytes;
  template <class V, class S> static void fields(V& v, S& s) {
    v("AuthBytes", s.auth_bytes, versions(0));
  }
};

}  // namespace kafka::proto
