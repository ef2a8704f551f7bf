// The batch transaction: BEGIN, the user's handler, compare-and-set of the offsets, COMMIT, with
// the retries that make it exactly once in the face of database faults and zombies.
#pragma once

#include "eos/metrics.h"
#include "eos/offset_store.h"
#include "eos/sql.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace eos {

// One input record, viewing memory owned by the caller (the consumer's message) for the duration
// of a batch.
struct Record {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (tombstone)
  std::int64_t timestamp = -1;            // milliseconds since the epoch, -1 if none
  const void* source = nullptr;           // the sink puts the RdKafka::Message* here
};

// The open transaction a handler writes through. Bulk inserts opened here are flushed before the
// offsets are written, so every row is inside the batch's transaction.
class Transaction {
 public:
  explicit Transaction(SqlSession& session) : session_(session) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  SqlSession& session() { return session_; }
  Dialect dialect() const { return session_.dialect(); }
  std::int64_t execute(std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return session_.execute(sql, params);
  }
  SqlRows query(std::string_view sql, std::initializer_list<SqlValue> params = {}) { return session_.query(sql, params); }

  // The multi-row insert for this table and column list (one per distinct pair per transaction).
  MultiRowInsert& bulk_insert(std::string_view table, const std::vector<std::string>& columns,
                              const InsertOptions& options = {});
  void flush();
  std::int64_t rows_written() const;

 private:
  SqlSession& session_;
  std::vector<std::pair<std::string, std::unique_ptr<MultiRowInsert>>> inserts_;
};

// Applies a batch: records of one or more partitions, each partition's records in offset order.
// Runs inside the open transaction and may run again for the same records after a rollback.
using BatchHandler = std::function<void(std::span<const Record> records, Transaction& tx)>;

// Thrown by a handler to name the record at fault (its index in the span); other exceptions (and
// data/constraint errors) make the executor find the record by itself.
class RecordError : public std::runtime_error {
 public:
  RecordError(std::size_t index, const std::string& message) : std::runtime_error(message), index_(index) {}
  std::size_t index() const { return index_; }

 private:
  std::size_t index_;
};

// Typed helper: each record becomes zero or more rows of one table. `map(record, insert)` calls
// insert.add_row(values...) in column order.
template <class Map>
BatchHandler insert_rows(std::string table, std::vector<std::string> columns, Map map, InsertOptions options = {}) {
  return [table = std::move(table), columns = std::move(columns), map = std::move(map), options = std::move(options)](
             std::span<const Record> records, Transaction& tx) {
    MultiRowInsert& insert = tx.bulk_insert(table, columns, options);
    for (const Record& record : records) map(record, insert);
  };
}

// Typed helper: each record maps to one std::tuple of column values (or std::nullopt to skip).
template <class Map>
BatchHandler map_rows(std::string table, std::vector<std::string> columns, Map map, InsertOptions options = {}) {
  return insert_rows(
      std::move(table), std::move(columns),
      [map = std::move(map)](const Record& record, MultiRowInsert& insert) {
        auto row = map(record);
        if constexpr (requires { row.has_value(); *row; }) {
          if (row) std::apply([&](const auto&... values) { insert.add_row(values...); }, *row);
        } else {
          std::apply([&](const auto&... values) { insert.add_row(values...); }, row);
        }
      },
      std::move(options));
}

enum class PoisonPolicy {
  dead_letter,  // after poison_max_attempts: a dead-letter row and the offset, in one transaction
  stop          // after poison_max_attempts: stop with BatchStatus::stopped, nothing committed
};

struct ExecutorOptions {
  // Deadlock / lock wait timeout / SQLITE_BUSY: ROLLBACK, back off, retry the whole batch.
  int max_transient_retries = 100;  // then BatchStatus::unavailable (call again later)
  std::chrono::milliseconds retry_backoff_initial{5};
  std::chrono::milliseconds retry_backoff_max{1000};
  // Lost connection: reconnect with backoff for at most reconnect_window per run() call, then
  // BatchStatus::unavailable (the sink pauses its partitions and keeps polling meanwhile).
  std::chrono::milliseconds reconnect_backoff_initial{50};
  std::chrono::milliseconds reconnect_backoff_max{2000};
  std::chrono::milliseconds reconnect_window{2000};
  // Handler failures (exceptions, data and constraint errors) per batch before the record at
  // fault is isolated and dead-lettered (or the executor stops).
  // claim(): how long to keep retrying transient conflicts before reporting failure (the sink
  // then holds the partitions paused and tries again).
  std::chrono::milliseconds claim_timeout{5000};
  int poison_max_attempts = 3;
  PoisonPolicy poison_policy = PoisonPolicy::dead_letter;
  // A handler that fails for every record is a bug, not poison: stop after this many dead
  // letters in a row.
  int max_consecutive_dead_letters = 100;
};

enum class BatchStatus {
  committed,    // every record not fenced has its effect committed (or dead-lettered)
  fenced,       // nothing committed: this owner lost all partitions of the batch
  unavailable,  // database unreachable or contended: nothing (more) committed; call run() again
  stopped       // poison record under PoisonPolicy::stop, or too many dead letters in a row
};
const char* to_string(BatchStatus status);

struct BatchResult {
  BatchStatus status = BatchStatus::committed;
  std::size_t committed_records = 0;    // applied by this call (excluding dead letters)
  std::size_t dead_lettered = 0;
  std::size_t skipped_records = 0;      // already applied (offset below the stored next offset)
  std::vector<TopicPartition> fenced;   // partitions lost to a newer owner; their records dropped
  std::string error;                    // why stopped / unavailable
};

class BatchExecutor {
 public:
  BatchExecutor(SqlSession& session, OffsetStore& store, BatchHandler handler, ExecutorOptions options = {});

  // Applies the records exactly once. Records below a partition's stored next offset are skipped
  // (already applied), so calling run() again with the same records after `unavailable` is safe.
  // When `abandon` becomes true (another thread learnt that the partitions are lost), no further
  // transaction commits: the open one rolls back and run() returns `unavailable`.
  BatchResult run(std::span<const Record> records, const std::atomic<bool>* abandon = nullptr);

  // Claims partitions (retrying transient errors and reconnecting like run()).
  std::optional<std::vector<StoredOffset>> claim(std::span<const TopicPartition> partitions);

  // Ensures the connection works (reconnecting with backoff within the window); false if not.
  bool ensure_connected();

  Metrics& metrics() { return metrics_; }
  OffsetStore& store() { return store_; }
  SqlSession& session() { return session_; }
  const ExecutorOptions& options() const { return options_; }

 private:
  enum class AttemptStatus { committed, fenced, transient, connection_lost, commit_unknown, handler_failed, abandoned };
  struct Attempt {
    AttemptStatus status = AttemptStatus::committed;
    std::vector<TopicPartition> fenced;
    std::string error;
    std::optional<std::size_t> record_index;
  };
  using Body = std::function<void(std::span<const Record>, Transaction&)>;
  enum class Step { done, unavailable, handler_failed, stopped };
  struct StepResult {
    StepResult(Step s = Step::done, std::string e = {}, std::optional<std::size_t> index = {})
        : step(s), error(std::move(e)), record_index(index) {}
    Step step;
    std::string error;
    std::optional<std::size_t> record_index;
  };

  Attempt attempt(std::span<const Record> records, const Body& body);
  StepResult commit_with_retries(std::vector<Record>& records, const Body& body, BatchResult& result);
  StepResult process(std::vector<Record> records, BatchResult& result);
  StepResult dead_letter_or_stop(const Record& record, const std::string& error, int attempts, BatchResult& result);
  // Drops records already applied and records of partitions this owner no longer holds.
  void filter(std::vector<Record>& records, BatchResult& result);
  bool resolve_pending_commit();
  void backoff(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max);

  SqlSession& session_;
  OffsetStore& store_;
  BatchHandler handler_;
  ExecutorOptions options_;
  Metrics metrics_;
  bool need_reconnect_ = false;
  std::optional<std::map<TopicPartition, std::int64_t>> pending_commit_;  // COMMIT outcome unknown
  int consecutive_dead_letters_ = 0;
  const std::atomic<bool>* abandon_ = nullptr;  // of the current run()
};

}  // namespace eos
