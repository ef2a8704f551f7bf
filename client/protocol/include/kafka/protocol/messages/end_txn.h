// EndTxn (key 26), from EndTxnRequest.json / EndTxnResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct EndTxnResponse : ApiMessage<ApiKey::EndTxn, 0, 5, 3> {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(0));
    v("ProducerId", s.producer_id, versions(5));
    v("ProducerEpoch", s.producer_epoch, versions(5));
  }
};

struct EndTxnRequest : ApiMessage<ApiKey::EndTxn, 0, 5, 3> {
  using Response = EndTxnResponse;
  std::string transactional_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  bool committed = false;
  template <class V, class S> static void fields(V& v, S& s) {
    v("TransactionalId", s.transactional_id, versions(0));
    v("ProducerId", s.producer_id, versions(0));
    v("ProducerEpoch", s.producer_epoch, versions(0));
    v("Committed", s.committed, versions(0));
  }
};

}  // namespace kafka::proto
