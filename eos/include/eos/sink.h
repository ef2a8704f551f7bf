// The Kafka-to-SQL sink: a consumer group member that applies batches of records through a
// BatchExecutor, with the offsets in the database (enable.auto.commit=false; Kafka's committed
// offsets are not used). Built on the public RdKafka C++ API (<librdkafka/rdkafkacpp.h>).
#pragma once

#include "eos/executor.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eos {

// What to do when a stored next offset is below the partition's log start offset (the records in
// between were deleted by retention before this group applied them).
enum class BelowLogStartPolicy {
  stop,                // stop the sink with an error: a person decides (default)
  reset_to_log_start   // continue from the log start; the gap is logged and counted
};

enum class BatchScope {
  per_poll,      // one transaction for the records of all partitions gathered since the last batch
  per_partition  // one transaction per partition
};

struct SinkConfig {
  std::string brokers;              // bootstrap.servers
  std::vector<std::string> topics;  // subscription
  std::string group_id;
  std::string instance_id;          // owner id in the offset table; default host:pid
  std::string database_url = "sqlite:eos-sink.db";  // see open_session()
  SessionOptions session;
  bool create_schema = true;        // create the offset and dead-letter tables if missing

  // Where partitions without a stored offset start: "earliest" or "latest".
  std::string auto_offset_reset = "earliest";
  BelowLogStartPolicy below_log_start = BelowLogStartPolicy::stop;

  // A batch closes when any limit is reached.
  std::size_t batch_max_records = 10000;
  std::size_t batch_max_bytes = 16 << 20;
  std::chrono::milliseconds batch_max_time{200};
  BatchScope scope = BatchScope::per_poll;
  // Pipelining: a closed batch is applied on a DB thread (which runs the handler) while this
  // thread consumes the next one; at most one batch is in flight. Rebalances, claims and stop
  // wait for it first, so offsets still commit with their rows and revocations finish (or, when
  // the assignment is lost, roll back) the batch in flight. false: apply on the run() thread.
  bool pipeline = true;

  // Consumer properties passed through (e.g. session.timeout.ms). enable.auto.commit is forced off.
  std::map<std::string, std::string> consumer_properties;
  ExecutorOptions executor;
  OffsetStoreOptions offset_store;
  // While the database is down: how often to try again (the consumer keeps polling, paused).
  std::chrono::milliseconds database_retry_interval{500};
  std::function<void(const std::string&)> log;  // default: stderr
};

class Sink {
 public:
  // Opens the database from config.database_url.
  Sink(SinkConfig config, BatchHandler handler);
  // Uses a session the application made (e.g. wrap_connector_connection()).
  Sink(SinkConfig config, std::unique_ptr<SqlSession> session, BatchHandler handler);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Consumes and applies until stop() (from any thread) or a fatal error. Returns the error text,
  // empty after a clean stop. On return the consumer has left the group.
  std::string run();
  void stop();

  MetricsSnapshot metrics() const;
  // The sink's session: for use before or after run() only (during run() the DB thread owns it).
  SqlSession& session();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eos
