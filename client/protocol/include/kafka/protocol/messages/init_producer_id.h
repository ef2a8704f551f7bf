// InitProducerId (key 22), from InitProducerIdRequest.json / InitProducerIdResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct InitProducerIdResponse : ApiMessage<ApiKey::InitProducerId, 0, 5, 2> {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(0));
    v("ProducerId", s.producer_id, versions(0));
    v("ProducerEpoch", s.producer_epoch, versions(0));
  }
};

struct InitProducerIdRequest : ApiMessage<ApiKey::InitProducerId, 0, 5, 2> {
  using Response = InitProducerIdResponse;
  std::optional<std::string> transactional_id{std::in_place};
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  template <class V, class S> static void fields(V& v, S& s) {
    v("TransactionalId", s.transactional_id, versions(0));
    v("TransactionTimeoutMs", s.transaction_timeout_ms, versions(0));
    v("ProducerId", s.producer_id, versions(3));
    v("ProducerEpoch", s.producer_epoch, versions(3));
  }
};

}  // namespace kafka::proto
