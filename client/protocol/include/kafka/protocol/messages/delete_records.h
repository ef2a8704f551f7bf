// DeleteRecords (key 21), from DeleteRecordsRequest.json / DeleteRecordsResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct DeleteRecordsResponse : ApiMessage<ApiKey::DeleteRecords, 0, 2, 2> {
  struct DeleteRecordsPartitionResult {
    int32_t partition_index = 0;
    int64_t low_watermark = 0;
    int16_t error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("LowWatermark", s.low_watermark, versions(0));
      v("ErrorCode", s.error_code, versions(0));
    }
  };
  struct DeleteRecordsTopicResult {
    std::string name;
    std::vector<DeleteRecordsPartitionResult> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  int32_t throttle_time_ms = 0;
  std::vector<DeleteRecordsTopicResult> topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("Topics", s.topics, versions(0));
  }
};

struct DeleteRecordsRequest : ApiMessage<ApiKey::DeleteRecords, 0, 2, 2> {
  using Response = DeleteRecordsResponse;
  struct DeleteRecordsPartition {
    int32_t partition_index = 0;
    int64_t offset = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("Offset", s.offset, versions(0));
    }
  };
  struct DeleteRecordsTopic {
    std::string name;
    std::vector<DeleteRecordsPartition> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };

  std::vector<DeleteRecordsTopic> topics;
  int32_t timeout_ms = 0;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(0));
    v("TimeoutMs", s.timeout_ms, versions(0));
  }
};

}  // namespace kafka::proto
