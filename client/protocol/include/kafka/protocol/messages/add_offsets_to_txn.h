// AddOffsetsToTxn (key 25), from AddOffsetsToTxnRequest.json / AddOffsetsToTxnResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct AddOffsetsToTxnResponse : ApiMessage<ApiKey::AddOffsetsToTxn, 0, 4, 3> {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(0));
  }
};

struct AddOffsetsToTxnRequest : ApiMessage<ApiKey::AddOffsetsToTxn, 0, 4, 3> {
  using Response = AddOffsetsToTxnResponse;
  std::string transactional_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  std::string group_id;
  template <class V, class S> static void fields(V& v, S& s) {
    v("TransactionalId", s.transactional_id, versions(0));
    v("ProducerId", s.producer_id, versions(0));
    v("ProducerEpoch", s.producer_epoch, versions(0));
    v("GroupId", s.group_id, versions(0));
  }
};

}  // namespace kafka::proto
