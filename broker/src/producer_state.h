// Idempotent-producer state per partition, as Kafka's ProducerStateManager keeps it: for each
// producer id the epoch and the last 5 appended batches (sequence range -> offsets), so that a
// retried batch is answered with its original offsets instead of being appended twice, and a gap
// in sequence numbers is refused with OUT_OF_ORDER_SEQUENCE_NUMBER.
//
// The state is rebuilt from the log's batch headers the first time a partition sees an idempotent
// batch after startup, so it survives restarts and kill -9 without a separate snapshot.
//
// Transactions: each producer's open transaction here (from its first transactional batch to its
// COMMIT/ABORT marker) holds the last stable offset (LSO) back; open transactions are rebuilt
// from batch headers too. Aborted transactions are kept in partition.txnindex in the partition
// directory (Kafka's AbortedTxn entries: version, producer id, first, last offset, LSO; one file
// per partition rather than per segment), written before the ABORT marker is appended.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <vector>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "kafka/protocol/batch_header.h"
#include "kafka/protocol/errors.h"
#include "storage/partition_log.h"

namespace refbroker {

struct BatchMetadata {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t timestamp = 0;
};

struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;  // the ABORT marker's offset
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<BatchMetadata> batches;  // oldest first, at most kMaxCachedBatches
};

class PartitionProducerState {
 public:
  static constexpr size_t kMaxCachedBatches = 5;

  struct Check {
    kafka::Error error = kafka::Error::NONE;
    std::string message;
    const BatchMetadata* duplicate = nullptr;  // set: answer with these offsets, append nothing
  };

  // Validates an idempotent batch against the producer's state (call with lock() held).
  Check check(const kafka::BatchHeader& h) const;
  // Records an appended batch (call with lock() held).
  void record(const kafka::BatchHeader& h, int64_t base_offset);
  // Loads the state from the log's batch headers (and the aborted-transaction index), once.
  void ensure_loaded(storage::PartitionLog& log);

  // The first offset of the oldest open transaction, else log_end (call with lock() held).
  int64_t last_stable_offset(int64_t log_end) const;
  // Aborted transactions with data in [from, to) (Fetch read_committed; call with lock() held).
  std::vector<AbortedTxn> aborted_between(int64_t from, int64_t to) const;
  // Before an ABORT marker for `producer_id` goes in at `marker_offset`: records the aborted
  // transaction (durably) if the producer has one open here (call with lock() held).
  void record_abort(int64_t producer_id, int64_t marker_offset, int64_t log_end);

  std::mutex& mutex() { return mu_; }

 private:
  std::mutex mu_;
  bool loaded_ = false;
  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::map<int64_t, int64_t> open_txns_;  // producer id -> first offset of its open transaction
  std::vector<AbortedTxn> aborted_;       // by first offset
  std::filesystem::path txn_index_;
};

// All partitions' producer states, plus producer id allocation (persisted in blocks so ids never
// repeat across restarts).
class ProducerStates {
 public:
  explicit ProducerStates(std::string data_dir);
  std::shared_ptr<PartitionProducerState> partition(const std::string& topic, int32_t partition);
  void forget_topic(const std::string& topic);
  int64_t allocate_producer_id();

 private:
  static constexpr int64_t kBlockSize = 1000;
  std::mutex mu_;
  std::string id_file_;
  int64_t next_id_ = 0;
  int64_t block_end_ = 0;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<PartitionProducerState>> partitions_;
};

}  // namespace refbroker
