#include "eos/executor.h"

#include <algorithm>
#include <random>
#include <set>
#include <thread>

namespace eos {

const char* to_string(BatchStatus status) {
  switch (status) {
    case BatchStatus::committed: return "committed";
    case BatchStatus::fenced: return "fenced";
    case BatchStatus::unavailable: return "unavailable";
    case BatchStatus::stopped: return "stopped";
  }
  return "?";
}

// ---- Transaction ----------------------------------------------------------------------------

MultiRowInsert& Transaction::bulk_insert(std::string_view table, const std::vector<std::string>& columns,
                                         const InsertOptions& options) {
  std::string key(table);
  for (const auto& column : columns) {
    key += '\0';
    key += column;
  }
  for (auto& [existing, insert] : inserts_)
    if (existing == key) return *insert;
  inserts_.emplace_back(std::move(key), std::make_unique<MultiRowInsert>(session_, table, columns, options));
  return *inserts_.back().second;
}

void Transaction::flush() {
  for (auto& [key, insert] : inserts_) insert->flush();
}

std::int64_t Transaction::rows_written() const {
  std::int64_t rows = 0;
  for (const auto& [key, insert] : inserts_) rows += insert->rows_written();
  return rows;
}

// ---- BatchExecutor --------------------------------------------------------------------------

BatchExecutor::BatchExecutor(SqlSession& session, OffsetStore& store, BatchHandler handler, ExecutorOptions options)
    : session_(session), store_(store), handler_(std::move(handler)), options_(std::move(options)) {}

void BatchExecutor::backoff(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  thread_local std::minstd_rand random(std::random_device{}());
  auto delay = initial * (1LL << std::min(attempt, 20));
  if (delay > max || delay.count() <= 0) delay = max;
  // Jitter, so that two owners fighting over the same rows do not retry in lockstep.
  std::uniform_int_distribution<long long> jitter(delay.count() / 2, std::max<long long>(delay.count(), 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
}

bool BatchExecutor::ensure_connected() {
  if (!need_reconnect_) return true;
  auto deadline = std::chrono::steady_clock::now() + options_.reconnect_window;
  for (int attempt = 0;; ++attempt) {
    try {
      session_.reconnect();
      metrics_.add_reconnect();
      need_reconnect_ = false;
      return true;
    } catch (const SqlError&) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      backoff(attempt, options_.reconnect_backoff_initial, options_.reconnect_backoff_max);
    }
  }
}

bool BatchExecutor::resolve_pending_commit() {
  if (!pending_commit_) return true;
  try {
    auto outcome = store_.resolve_commit(session_, *pending_commit_);
    if (outcome == OffsetStore::CommitOutcome::fenced) {
      for (const auto& [tp, next] : *pending_commit_) store_.release(tp);
      metrics_.add_fenced();
    }
    pending_commit_.reset();
    return true;
  } catch (const SqlError& e) {
    if (e.kind() == SqlErrorKind::connection_lost) need_reconnect_ = true;
    if (e.kind() == SqlErrorKind::connection_lost || e.kind() == SqlErrorKind::transient) return false;
    throw;
  }
}

void BatchExecutor::filter(std::vector<Record>& records, BatchResult& result) {
  std::set<TopicPartition> lost;
  // Records of one partition come in runs: look the ownership up once per run.
  std::string_view last_topic;
  std::int32_t last_partition = -1;
  const PartitionOwnership* own = nullptr;
  auto end = std::remove_if(records.begin(), records.end(), [&](const Record& record) {
    if (record.partition != last_partition || record.topic.data() != last_topic.data() ||
        record.topic.size() != last_topic.size()) {
      own = store_.ownership(TopicPartition{std::string(record.topic), record.partition});
      last_topic = record.topic;
      last_partition = record.partition;
    }
    if (!own) {
      lost.insert(TopicPartition{std::string(record.topic), record.partition});
      return true;
    }
    if (own->next_offset && record.offset < *own->next_offset) {
      ++result.skipped_records;
      return true;
    }
    return false;
  });
  records.erase(end, records.end());
  for (auto& tp : lost)
    if (std::find(result.fenced.begin(), result.fenced.end(), tp) == result.fenced.end()) result.fenced.push_back(tp);
}

BatchExecutor::Attempt BatchExecutor::attempt(std::span<const Record> records, const Body& body) {
  Attempt result;
  std::map<TopicPartition, std::int64_t> intended;
  std::string_view last_topic;
  std::int32_t last_partition = -1;
  std::int64_t* next = nullptr;
  for (const Record& record : records) {
    if (!next || record.partition != last_partition || record.topic.data() != last_topic.data() ||
        record.topic.size() != last_topic.size()) {
      next = &intended[TopicPartition{std::string(record.topic), record.partition}];
      last_topic = record.topic;
      last_partition = record.partition;
    }
    *next = std::max(*next, record.offset + 1);
  }
  auto classify = [&](const SqlError& e) {
    result.error = e.what();
    if (e.kind() == SqlErrorKind::transient) {
      result.status = AttemptStatus::transient;
    } else if (e.kind() == SqlErrorKind::connection_lost) {
      result.status = AttemptStatus::connection_lost;
    } else {
      return false;
    }
    return true;
  };
  auto started = std::chrono::steady_clock::now();
  try {
    session_.begin();
  } catch (const SqlError& e) {
    if (!classify(e)) throw;
    session_.rollback();
    return result;
  }
  Transaction tx(session_);
  try {
    body(records, tx);
    tx.flush();
  } catch (const RecordError& e) {
    session_.rollback();
    result.status = AttemptStatus::handler_failed;
    result.error = e.what();
    result.record_index = e.index();
    return result;
  } catch (const SqlError& e) {
    session_.rollback();
    if (!classify(e)) {
      result.status = AttemptStatus::handler_failed;
      result.error = e.what();
    }
    return result;
  } catch (const std::exception& e) {
    session_.rollback();
    result.status = AttemptStatus::handler_failed;
    result.error = e.what();
    return result;
  }
  try {
    for (const auto& [tp, next] : intended)
      if (!store_.advance(session_, tp, next)) result.fenced.push_back(tp);
  } catch (const SqlError& e) {
    session_.rollback();
    if (!classify(e)) throw;
    return result;
  }
  if (!result.fenced.empty()) {
    // A newer owner claimed these partitions: this transaction must not commit.
    session_.rollback();
    result.status = AttemptStatus::fenced;
    return result;
  }
  if (abandon_ && abandon_->load()) {
    // The caller learnt meanwhile that the partitions are lost: roll back, never commit.
    session_.rollback();
    result.status = AttemptStatus::abandoned;
    result.error = "abandoned: the assignment was lost";
    return result;
  }
  try {
    session_.commit();
  } catch (const SqlError& e) {
    if (e.kind() == SqlErrorKind::connection_lost) {
      // The COMMIT may or may not have reached the server: decided later by re-reading the rows.
      result.status = AttemptStatus::commit_unknown;
      result.error = e.what();
      pending_commit_ = std::move(intended);
      return result;
    }
    session_.rollback();
    if (!classify(e)) throw;
    return result;
  }
  for (const auto& [tp, next] : intended) store_.committed(tp, next);
  metrics_.add_committed(records.size(), static_cast<std::uint64_t>(tx.rows_written()),
                         std::chrono::steady_clock::now() - started);
  return result;
}

BatchExecutor::StepResult BatchExecutor::commit_with_retries(std::vector<Record>& records, const Body& body,
                                                            BatchResult& result) {
  int transient = 0;
  for (;;) {
    if (abandon_ && abandon_->load()) return {Step::unavailable, "abandoned: the assignment was lost"};
    if (!ensure_connected()) return {Step::unavailable, "database unreachable"};
    if (!resolve_pending_commit()) return {Step::unavailable, "commit outcome not yet known"};
    filter(records, result);
    if (records.empty()) return {};
    Attempt a = attempt(records, body);
    switch (a.status) {
      case AttemptStatus::committed:
        return {};
      case AttemptStatus::fenced:
        for (const auto& tp : a.fenced) store_.release(tp);
        metrics_.add_fenced();
        continue;  // filter() drops the lost partitions' records and reports them
      case AttemptStatus::transient:
        metrics_.add_transient_retry();
        if (++transient > options_.max_transient_retries) return {Step::unavailable, a.error};
        backoff(transient - 1, options_.retry_backoff_initial, options_.retry_backoff_max);
        continue;
      case AttemptStatus::connection_lost:
        need_reconnect_ = true;
        continue;
      case AttemptStatus::commit_unknown:
        metrics_.add_commit_unknown();
        need_reconnect_ = true;
        continue;  // reconnect, resolve_pending_commit, filter drops what did commit
      case AttemptStatus::handler_failed:
        metrics_.add_handler_failure();
        return {Step::handler_failed, a.error, a.record_index};
      case AttemptStatus::abandoned:
        return {Step::unavailable, a.error};
    }
  }
}

BatchExecutor::StepResult BatchExecutor::dead_letter_or_stop(const Record& record, const std::string& error,
                                                             int attempts, BatchResult& result) {
  std::string where = to_string(TopicPartition{std::string(record.topic), record.partition}) + "@" +
                      std::to_string(record.offset);
  if (options_.poison_policy == PoisonPolicy::stop)
    return {Step::stopped, "poison record " + where + " after " + std::to_string(attempts) + " attempts: " + error};
  if (consecutive_dead_letters_ >= options_.max_consecutive_dead_letters)
    return {Step::stopped, "too many dead letters in a row; last: " + where + ": " + error};
  Body write_dead_letter = [&](std::span<const Record> records, Transaction& tx) {
    const Record& r = records.front();
    auto renderer = tx.session().renderer();
    std::string sql = "INSERT INTO " + renderer.identifier(store_.options().dead_letter_table) +
                      " (group_id, topic, partition_id, record_offset, record_timestamp, record_key, record_value, "
                      "error_message, attempts) VALUES (";
    renderer.append(sql, store_.group_id());
    sql += ',';
    renderer.append(sql, r.topic);
    sql += ',';
    renderer.append(sql, r.partition);
    sql += ',';
    renderer.append(sql, r.offset);
    sql += ',';
    renderer.append(sql, r.timestamp >= 0 ? std::optional<std::int64_t>(r.timestamp) : std::nullopt);
    sql += ',';
    if (r.key)
      renderer.append(sql, BlobView{*r.key});
    else
      sql += "NULL";
    sql += ',';
    if (r.value)
      renderer.append(sql, BlobView{*r.value});
    else
      sql += "NULL";
    sql += ',';
    renderer.append(sql, error.substr(0, 60000));
    sql += ',';
    renderer.append(sql, attempts);
    sql += ')';
    tx.session().execute_sql(sql);
  };
  std::vector<Record> one{record};
  StepResult step = commit_with_retries(one, write_dead_letter, result);
  if (step.step == Step::handler_failed)  // the dead-letter insert itself failed: nothing else to do
    return {Step::stopped, "dead-letter insert failed for " + where + ": " + step.error};
  if (step.step == Step::done && !one.empty()) {
    ++result.dead_lettered;
    ++consecutive_dead_letters_;
    metrics_.add_dead_letter();
  }
  return step;
}

BatchExecutor::StepResult BatchExecutor::process(std::vector<Record> records, BatchResult& result) {
  Body apply = [this](std::span<const Record> batch, Transaction& tx) { handler_(batch, tx); };
  for (int failures = 1;; ++failures) {
    StepResult step = commit_with_retries(records, apply, result);
    if (step.step == Step::done) {
      result.committed_records += records.size();
      if (!records.empty()) consecutive_dead_letters_ = 0;
      return step;
    }
    if (step.step != Step::handler_failed) return step;
    if (failures < options_.poison_max_attempts) {
      backoff(failures - 1, options_.retry_backoff_initial, options_.retry_backoff_max);
      continue;
    }
    // Find the record at fault.
    if (records.size() == 1) return dead_letter_or_stop(records.front(), step.error, failures, result);
    if (step.record_index && *step.record_index < records.size()) {
      std::size_t bad = *step.record_index;
      // Records before it go first (they precede it in their partition), then it, then the rest.
      StepResult before = process(std::vector<Record>(records.begin(), records.begin() + bad), result);
      if (before.step != Step::done) return before;
      StepResult poison = dead_letter_or_stop(records[bad], step.error, failures, result);
      if (poison.step != Step::done) return poison;
      return process(std::vector<Record>(records.begin() + bad + 1, records.end()), result);
    }
    // Unknown culprit: one record per transaction, each with its own attempts.
    for (const Record& record : records) {
      StepResult single = process(std::vector<Record>{record}, result);
      if (single.step != Step::done) return single;
    }
    return {};
  }
}

BatchResult BatchExecutor::run(std::span<const Record> records, const std::atomic<bool>* abandon) {
  BatchResult result;
  struct Reset {
    const std::atomic<bool>*& target;
    ~Reset() { target = nullptr; }
  } reset{abandon_};
  abandon_ = abandon;
  StepResult step = process(std::vector<Record>(records.begin(), records.end()), result);
  switch (step.step) {
    case Step::done:
      result.status = result.committed_records == 0 && result.dead_lettered == 0 && !result.fenced.empty()
                          ? BatchStatus::fenced
                          : BatchStatus::committed;
      break;
    case Step::unavailable:
      result.status = BatchStatus::unavailable;
      break;
    case Step::handler_failed:
    case Step::stopped:
      result.status = BatchStatus::stopped;
      break;
  }
  result.error = step.error;
  return result;
}

std::optional<std::vector<StoredOffset>> BatchExecutor::claim(std::span<const TopicPartition> partitions) {
  auto deadline = std::chrono::steady_clock::now() + options_.claim_timeout;
  for (int transient = 0;;) {
    if (!ensure_connected()) return std::nullopt;
    if (!resolve_pending_commit()) return std::nullopt;
    try {
      return store_.claim(session_, partitions);
    } catch (const SqlError& e) {
      if (e.kind() == SqlErrorKind::connection_lost) {
        need_reconnect_ = true;
        continue;
      }
      if (e.kind() != SqlErrorKind::transient) throw;
      metrics_.add_transient_retry();
      if (++transient > options_.max_transient_retries || std::chrono::steady_clock::now() >= deadline)
        return std::nullopt;
      backoff(transient - 1, options_.retry_backoff_initial, options_.retry_backoff_max);
    }
  }
}

}  // namespace eos
