// The Kafka-to-Kafka path: a transactional processor that consumes, transforms and produces
// exactly once (KIP-98/KIP-447). A read_committed group consumer (enable.auto.commit=false) reads
// the input topics; each batch is transformed by a user function into 0..n output records that a
// transactional producer writes, and the consumer's positions are committed in the same
// transaction (send_offsets_to_transaction with the consumer's group metadata). Built on the
// public RdKafka C++ API (<librdkafka/rdkafkacpp.h>).
//
// Errors: an abortable error aborts the transaction and rewinds the consumer to its committed
// offsets (the batch is consumed and transformed again); a retriable error retries the call; a
// fatal error (e.g. fenced by a newer instance with the same transactional.id) stops run() with
// the error text. On partition revocation the open transaction is committed first.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eos {

struct OutputRecord {
  std::string topic;
  int32_t partition = -1;  // -1: the producer's partitioner
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (tombstone)
  std::vector<std::pair<std::string, std::string>> headers;
};

// Collects what the transform emits for one input record.
class Emit {
 public:
  void operator()(OutputRecord record) { records_.push_back(std::move(record)); }
  void operator()(std::string topic, int32_t partition, std::optional<std::string> key,
                  std::optional<std::string> value,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    records_.push_back({std::move(topic), partition, std::move(key), std::move(value), std::move(headers)});
  }
  const std::vector<OutputRecord>& records() const { return records_; }
  void clear() { records_.clear(); }

 private:
  std::vector<OutputRecord> records_;
};

using Transform = std::function<void(const RdKafka::Message& in, Emit& out)>;

struct ProcessorConfig {
  std::string brokers;                    // bootstrap.servers (consumer and producer)
  std::vector<std::string> input_topics;  // subscription
  std::string group_id;
  std::string transactional_id;           // of the output producer

  // A transaction closes when either limit is reached (or on revocation).
  std::size_t batch_max_records = 1000;
  std::chrono::milliseconds batch_max_time{100};

  std::string auto_offset_reset = "earliest";  // partitions without a committed offset
  // Passed through. The consumer's isolation.level=read_committed and enable.auto.commit=false
  // and the producer's transactional.id are forced.
  std::map<std::string, std::string> consumer_properties;
  std::map<std::string, std::string> producer_properties;
  int init_transactions_timeout_ms = 30000;
  std::function<void(const std::string&)> log;  // default: stderr
};

struct ProcessorMetrics {
  uint64_t records_in = 0;    // input records in committed transactions
  uint64_t records_out = 0;   // output records in committed transactions
  uint64_t transactions_committed = 0;
  uint64_t transactions_aborted = 0;
};

class TransactionalProcessor {
 public:
  TransactionalProcessor(ProcessorConfig config, Transform transform);
  ~TransactionalProcessor();
  TransactionalProcessor(const TransactionalProcessor&) = delete;
  TransactionalProcessor& operator=(const TransactionalProcessor&) = delete;

  // Creates the clients (init_transactions fences earlier instances), subscribes and processes
  // until stop() (from any thread) or a fatal error. Returns the error text, empty after a clean
  // stop. On return the open transaction is committed (clean stop) and the consumer has left the
  // group.
  std::string run();
  void stop();

  ProcessorMetrics metrics() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eos
