// The transaction coordinator (Kafka's TransactionCoordinator, classic protocol, before KIP-890):
// one TxnState per transactional id, kept in a durable log under
// <data-dir>/__transaction_state/transactions.log (one text record per state change, the last
// one per id wins; compacted on startup).
//
// States: Empty -> Ongoing (AddPartitionsToTxn / AddOffsetsToTxn) -> PrepareCommit|PrepareAbort
// (EndTxn, persisted) -> COMMIT/ABORT markers written to every partition of the transaction and
// its groups' transactional offsets completed -> CompleteCommit|CompleteAbort (persisted) ->
// Ongoing again with the next AddPartitionsToTxn. A broker killed in PrepareCommit/PrepareAbort
// finishes the transaction when it starts again. Markers are written synchronously under the
// coordinator's lock, so Prepare* is never seen by requests (CONCURRENT_TRANSACTIONS is kept for
// completeness).
//
// InitProducerId with a transactional id: a new id gets a new producer id with epoch 0; a known
// one gets its epoch bumped (a new producer id when the epoch is exhausted), which fences the
// older producer instance (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH for old request versions);
// an open transaction of the old instance is aborted first. Transactions open longer than their
// transaction.timeout.ms are aborted by the broker, with an epoch bump. A transactional id unused
// for transactional.id.expiration.ms while no transaction is open goes Dead and is forgotten (its
// next InitProducerId gets a new producer id).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/protocol/errors.h"

namespace refbroker::txn {

enum class TxnState { Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead };
const char* txn_state_name(TxnState s);

struct TxnConfig {
  int32_t max_timeout_ms = 900000;             // transaction.max.timeout.ms
  int64_t abort_check_interval_ms = 10000;     // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int64_t id_expiration_ms = 7LL * 24 * 3600 * 1000;  // transactional.id.expiration.ms
  int64_t id_expiration_check_interval_ms = 3600000;  // transactional.id.expiration.check.interval.ms
  bool crash_after_prepare = false;            // refbroker.txn.test.crash.after.prepare: SIGKILL itself (tests)
};

// What the coordinator needs from the rest of the broker.
struct TxnHooks {
  // Appends a COMMIT/ABORT control batch to the partition; errors for a missing partition are ignored.
  std::function<void(const std::string& topic, int32_t partition, int64_t producer_id, int16_t epoch, bool commit)>
      write_marker;
  // Makes the transaction's offsets in the group visible (commit) or drops them (abort).
  std::function<void(const std::string& group, int64_t producer_id, bool commit)> complete_offsets;
  std::function<int64_t()> allocate_producer_id;
};

class TransactionCoordinator {
 public:
  TransactionCoordinator(std::filesystem::path data_dir, TxnConfig config, TxnHooks hooks);

  struct InitResult {
    kafka::Error error = kafka::Error::NONE;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
  };
  // expected_id/epoch: KIP-360 (InitProducerId v3+) — the instance asking to bump its own epoch.
  InitResult init_producer_id(const std::string& txn_id, int32_t timeout_ms, int64_t expected_id,
                              int16_t expected_epoch);
  kafka::Error add_partitions(const std::string& txn_id, int64_t producer_id, int16_t epoch,
                              const std::vector<std::pair<std::string, int32_t>>& partitions);
  kafka::Error add_offsets(const std::string& txn_id, int64_t producer_id, int16_t epoch, const std::string& group);
  kafka::Error end_txn(const std::string& txn_id, int64_t producer_id, int16_t epoch, bool commit);
  // Aborts transactions past their timeout (checked every abort_check_interval_ms) and expires
  // idle transactional ids (every id_expiration_check_interval_ms).
  void tick();

  // For tests and DescribeTransactions-like introspection.
  TxnState state(const std::string& txn_id);

 private:
  struct Txn {
    std::string id;
    int64_t producer_id = -1;
    int16_t epoch = -1;
    int32_t timeout_ms = 60000;
    TxnState state = TxnState::Empty;
    std::set<std::pair<std::string, int32_t>> partitions;
    std::set<std::string> groups;
    int64_t start_ms = 0;   // when the transaction became Ongoing (wall clock)
    int64_t update_ms = 0;  // last state change (wall clock), for transactional.id.expiration.ms
  };

  kafka::Error validate_locked(const Txn* t, int64_t producer_id, int16_t epoch) const;
  void bump_epoch_locked(Txn& t);
  // Prepare (persisted), markers and group offsets, Complete (persisted).
  void end_locked(Txn& t, bool commit);
  void finish_locked(Txn& t, bool commit);
  void persist_locked(Txn& t);
  static std::string record(const Txn& t);
  void load();

  std::mutex mu_;
  std::filesystem::path file_;
  TxnConfig config_;
  TxnHooks hooks_;
  std::map<std::string, Txn> txns_;
  std::chrono::steady_clock::time_point next_check_;
  std::chrono::steady_clock::time_point next_expiration_check_;
};

}  // namespace refbroker::txn
