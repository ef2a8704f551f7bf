// WriteTxnMarkers (key 27), from WriteTxnMarkersRequest.json / WriteTxnMarkersResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct WriteTxnMarkersResponse : ApiMessage<ApiKey::WriteTxnMarkers, 0, 1, 1> {
  struct WritableTxnMarkerPartitionResult {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("ErrorCode", s.error_code, versions(0));
    }
  };
  struct WritableTxnMarkerTopicResult {
    std::string name;
    std::vector<WritableTxnMarkerPartitionResult> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };
  struct WritableTxnMarkerResult {
    int64_t producer_id = 0;
    std::vector<WritableTxnMarkerTopicResult> topics;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ProducerId", s.producer_id, versions(0));
      v("Topics", s.topics, versions(0));
    }
  };

  std::vector<WritableTxnMarkerResult> markers;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Markers", s.markers, versions(0));
  }
};

struct WriteTxnMarkersRequest : ApiMessage<ApiKey::WriteTxnMarkers, 0, 1, 1> {
  using Response = WriteTxnMarkersResponse;
  struct WritableTxnMarkerTopic {
    std::string name;
    std::vector<int32_t> partition_indexes;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("PartitionIndexes", s.partition_indexes, versions(0));
    }
  };
  struct WritableTxnMarker {
    int64_t producer_id = 0;
    int16_t producer_epoch = 0;
    bool transaction_result = false;
    std::vector<WritableTxnMarkerTopic> topics;
    int32_t coordinator_epoch = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("ProducerId", s.producer_id, versions(0));
      v("ProducerEpoch", s.producer_epoch, versions(0));
      v("TransactionResult", s.transaction_result, versions(0));
      v("Topics", s.topics, versions(0));
      v("CoordinatorEpoch", s.coordinator_epoch, versions(0));
    }
  };

  std::vector<WritableTxnMarker> markers;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Markers", s.markers, versions(0));
  }
};

}  // namespace kafka::proto
