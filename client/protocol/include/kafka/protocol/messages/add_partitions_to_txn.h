// AddPartitionsToTxn (key 24), from AddPartitionsToTxnRequest.json / AddPartitionsToTxnResponse.json.
#pragma once
#include "kafka/protocol/protocol.h"

namespace kafka::proto {

struct AddPartitionsToTxnResponse : ApiMessage<ApiKey::AddPartitionsToTxn, 0, 5, 3> {
  struct AddPartitionsToTxnPartitionResult {
    int32_t partition_index = 0;
    int16_t partition_error_code = 0;
    template <class V, class S> static void fields(V& v, S& s) {
      v("PartitionIndex", s.partition_index, versions(0));
      v("PartitionErrorCode", s.partition_error_code, versions(0));
    }
  };
  struct AddPartitionsToTxnTopicResult {
    std::string name;
    std::vector<AddPartitionsToTxnPartitionResult> results_by_partition;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("ResultsByPartition", s.results_by_partition, versions(0));
    }
  };
  struct AddPartitionsToTxnResult {
    std::string transactional_id;
    std::vector<AddPartitionsToTxnTopicResult> topic_results;
    template <class V, class S> static void fields(V& v, S& s) {
      v("TransactionalId", s.transactional_id, versions(4));
      v("TopicResults", s.topic_results, versions(4));
    }
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<AddPartitionsToTxnResult> results_by_transaction;
  std::vector<AddPartitionsToTxnTopicResult> results_by_topic_v3_and_below;
  template <class V, class S> static void fields(V& v, S& s) {
    v("ThrottleTimeMs", s.throttle_time_ms, versions(0));
    v("ErrorCode", s.error_code, versions(4));
    v("ResultsByTransaction", s.results_by_transaction, versions(4));
    v("ResultsByTopicV3AndBelow", s.results_by_topic_v3_and_below, versions(0, 3));
  }
};

struct AddPartitionsToTxnRequest : ApiMessage<ApiKey::AddPartitionsToTxn, 0, 5, 3> {
  using Response = AddPartitionsToTxnResponse;
  struct AddPartitionsToTxnTopic {
    std::string name;
    std::vector<int32_t> partitions;
    template <class V, class S> static void fields(V& v, S& s) {
      v("Name", s.name, versions(0));
      v("Partitions", s.partitions, versions(0));
    }
  };
  struct AddPartitionsToTxnTransaction {
    std::string transactional_id;
    int64_t producer_id = 0;
    int16_t producer_epoch = 0;
    bool verify_only = false;
    std::vector<AddPartitionsToTxnTopic> topics;
    template <class V, class S> static void fields(V& v, S& s) {
      v("TransactionalId", s.transactional_id, versions(4));
      v("ProducerId", s.producer_id, versions(4));
      v("ProducerEpoch", s.producer_epoch, versions(4));
      v("VerifyOnly", s.verify_only, versions(4));
      v("Topics", s.topics, versions(4));
    }
  };

  std::vector<AddPartitionsToTxnTransaction> transactions;
  std::string v3_and_below_transactional_id;
  int64_t v3_and_below_producer_id = 0;
  int16_t v3_and_below_producer_epoch = 0;
  std::vector<AddPartitionsToTxnTopic> v3_and_below_topics;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Transactions", s.transactions, versions(4));
    v("V3AndBelowTransactionalId", s.v3_and_below_transactional_id, versions(0, 3));
    v("V3AndBelowProducerId", s.v3_and_below_producer_id, versions(0, 3));
    v("V3AndBelowProducerEpoch", s.v3_and_below_producer_epoch, versions(0, 3));
    v("V3AndBelowTopics", s.v3_and_below_topics, versions(0, 3));
  }
};

}  // namespace kafka::proto
