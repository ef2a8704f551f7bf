// kafka::client::ConsumerCore — the consumer engine under the librdkafka-compatible facades
// (RdKafka::KafkaConsumer, rd_kafka_t of type RD_KAFKA_CONSUMER).
//
// ============================================================================================
// Internal API for the facades
// ============================================================================================
//
// Creating
//   Properties props{{"bootstrap.servers", "127.0.0.1:9092"}, {"group.id", "g"}};
//   ConsumerCallbacks cb;                  // all optional
//   std::string errstr;
//   auto c = ConsumerCore::create(props, cb, errstr);   // nullptr + errstr on a bad value
//
//   Properties use librdkafka's names and defaults (unknown keys are ignored). The consumer rides
//   on the same I/O thread, connections and metadata machinery as the producer engine (like one
//   rd_kafka_t): metadata(), query_watermark_offsets(), offsets_for_times() behave as
//   ProducerCore's.
//
// Threads and callbacks
//   All methods are thread-safe. Callbacks (rebalance, offset_commit, error, stats) run only
//   inside consume()/consume_batch()/poll() on the calling thread, like librdkafka's consumer
//   queue; log may run on the I/O thread. Callbacks may call any method except close() and the
//   destructor. The rebalance callback may call assign()/incremental_assign()/seek()/committed()
//   with offsets from the application's own store.
//
// Offsets (librdkafka's logical offsets, also in TopicPartitionOffset::offset)
//   kOffsetBeginning -2, kOffsetEnd -1, kOffsetStored -1000 (committed offset, else
//   auto.offset.reset), kOffsetInvalid -1001 (same as stored for assign), kOffsetTail(n) =
//   -2000 - n (n messages before the end).
//
// Group consumption (group.id set, subscribe())
//   subscribe(topics)        names, or "^regex" patterns matched against the cluster's topics
//                            (re-evaluated on each metadata refresh, so new topics join).
//                            Replaces the subscription; rejoins the group.
//   unsubscribe()            leaves the group's subscription (revokes everything).
//   The join/sync/heartbeat protocol runs on the I/O thread. partition.assignment.strategy
//   (range, roundrobin, cooperative-sticky; comma list in preference order) selects the assignor;
//   the leader member runs it. Eager protocols revoke everything before rejoining; the
//   cooperative one revokes only what moves (KIP-429: a second rebalance follows a revoke).
//   On a rebalance the core queues an event served by consume()/poll():
//     with a rebalance callback: cb(kErrAssignPartitions or kErrRevokePartitions, partitions);
//       the callback must call assign()/unassign() (eager) or incremental_assign()/
//       incremental_unassign() (cooperative). The join does not continue until the callback
//       has run (revocation completes before the partitions are assigned elsewhere).
//     without: the core applies the change itself.
//   assignment_lost() is true while a revoke is served because the membership was lost
//   (session timeout, max.poll.interval.ms exceeded, fenced): commits then fail.
//   Liveness: heartbeats every heartbeat.interval.ms; if the application does not call
//   consume()/consume_batch() within max.poll.interval.ms the member leaves the group and the
//   next consume() serves a revoke with assignment_lost()==true (and returns an error message
//   _MAX_POLL_EXCEEDED).
//
// Manual assignment (no subscribe)
//   assign(list) replaces the assignment (empty list = unassign); incremental_assign(list) adds,
//   incremental_unassign(list) removes. Offsets in the list: logical or absolute. These work
//   with or without group.id (committed offsets need group.id).
//
// Consuming
//   consume(timeout_ms)      next message or event, nullptr on timeout. Errors come as messages
//                            with error() != 0: kErrPartitionEof (enable.partition.eof),
//                            _AUTO_OFFSET_RESET (auto.offset.reset=error), UNKNOWN_TOPIC_OR_PART
//                            for subscribed names that do not exist, fetch errors. Errors not
//                            tied to a partition go to the error callback if set, else come
//                            back as messages too.
//   consume_batch(timeout_ms, max, out)   up to max messages (waits at most timeout_ms for the
//                            first); returns the count.
//   poll(timeout_ms)         serves callbacks only (rd_kafka_poll on a consumer handle without
//                            poll_set_consumer); returns the number served.
//   Fetching: a prefetch queue per partition bounded by queued.min.messages and
//   queued.max.messages.kbytes; fetch.min.bytes, fetch.wait.max.ms, fetch.max.bytes,
//   max.partition.fetch.bytes, fetch.error.backoff.ms; OFFSET_OUT_OF_RANGE applies
//   auto.offset.reset; leader changes refresh metadata and move the partition's fetches.
//   check.crcs verifies batch CRCs. isolation.level=read_committed (default) fetches up to the
//   last stable offset and skips aborted transactions (the Fetch response's aborted list, as the
//   Java consumer); control batches are never returned.
//
// Positions and commits
//   position(list)           the next offset the application will see per partition: the start
//                            offset once resolved (committed / logical / seek), then last
//                            consumed + 1; kOffsetInvalid while unknown; err per entry
//                            (_UNKNOWN_PARTITION if not assigned).
//   seek(topic, part, offset, timeout_ms)   moves the fetch position (logical offsets allowed);
//                            queued messages of the partition are discarded.
//   seek_partitions(list, timeout_ms)       the same for many (err per entry).
//   committed(list, timeout_ms)   OffsetFetch from the group coordinator (offset, metadata).
//   commit(list or nullptr, async)  nullptr = current positions of the assignment (the offsets
//                            stored, see enable.auto.offset.store). async: the result comes by
//                            the offset_commit callback (or an event); sync: returns the error
//                            (the first per-partition one) and also runs the callback, which
//                            carries the per-partition errors (the list argument is const).
//                            _NO_OFFSET when there is nothing to commit; _UNKNOWN_GROUP without
//                            group.id; _ASSIGNMENT_LOST while a lost assignment is revoked.
//                            Commits of a member carry its generation/member id; manual
//                            assignments commit with generation -1. The coordinator refuses
//                            commits while the group rebalances (REBALANCE_IN_PROGRESS).
//   offsets_store(list)      stores offsets for the next (auto) commit; _STATE for partitions not
//                            assigned. enable.auto.offset.store=true stores offset+1 of each
//                            message as consume() returns it.
//   enable.auto.commit / auto.commit.interval.ms: periodic commit of stored offsets, and a final
//   one on revoke and close.
//   pause(list)/resume(list): stop/restart fetching (the position is kept).
//   get_watermark_offsets(t, p, low, high): cached from the last fetch (no request).
//   group_metadata(): {group.id, generation, member id, group.instance.id} (KIP-447).
//
// close()   revoke (callback runs in close()), final commit (auto commit), LeaveGroup (not for
//           static members), stops fetching. consume() after close returns nullptr. The
//           destructor closes if the application did not.
// ============================================================================================
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "producer.h"

namespace kafka::client {

inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetStored = -1000;
inline constexpr int64_t kOffsetTailBase = -2000;
inline constexpr int64_t kOffsetTail(int64_t n) { return kOffsetTailBase - n; }

// Codes used below are LocalErr's (errors_local.h): kErrPartitionEof = PARTITION_EOF (-191),
// kErrAssignPartitions = ASSIGN_PARTITIONS (-175), kErrRevokePartitions = REVOKE_PARTITIONS (-174).

enum class RebalanceProtocol { None, Eager, Cooperative };  // "NONE", "EAGER", "COOPERATIVE"

using TopicPartitionList = std::vector<TopicPartitionOffset>;

// One consumed message or error event. Key/value/headers point into the fetched (decompressed)
// batch, which stays alive as long as any message from it does.
class ConsumerMessage {
 public:
  ~ConsumerMessage();
  ConsumerMessage(const ConsumerMessage&) = delete;
  ConsumerMessage& operator=(const ConsumerMessage&) = delete;

  int error() const { return err_; }
  const std::string& error_string() const;  // err_str(error()) unless more specific
  const std::string& topic() const;          // empty for errors not tied to a topic
  int32_t partition() const { return partition_; }
  int64_t offset() const { return offset_; }
  int64_t timestamp() const { return timestamp_; }
  TimestampType timestamp_type() const { return ts_type_; }
  int32_t leader_epoch() const { return leader_epoch_; }
  NullableBytes key() const { return key_; }
  NullableBytes value() const { return value_; }
  RecordHeaders headers() const { return headers_; }

  struct Chunk;  // internal: the shared fetched bytes

 private:
  friend struct ConsumerMessageAccess;
  ConsumerMessage() = default;
  int err_ = 0;
  int32_t partition_ = -1;
  int64_t offset_ = kOffsetInvalid;
  int64_t timestamp_ = -1;
  TimestampType ts_type_ = TimestampType::NotAvailable;
  int32_t leader_epoch_ = -1;
  NullableBytes key_, value_;
  RecordHeaders headers_;
  const std::string* topic_ = nullptr;
  std::shared_ptr<Chunk> chunk_;
  std::string errstr_;
};
using ConsumerMessagePtr = std::unique_ptr<ConsumerMessage>;

struct GroupMetadata {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct ConsumerCallbacks {
  // err: kErrAssignPartitions or kErrRevokePartitions. See "Group consumption".
  std::function<void(int err, TopicPartitionList& partitions)> rebalance;
  // Result of every commit (auto, async and sync): err 0 or the first error; per-partition errs.
  std::function<void(int err, const TopicPartitionList& offsets)> offset_commit;
  std::function<void(int err, const std::string& reason)> error;
  std::function<void(int level, const std::string& fac, const std::string& message)> log;
  std::function<void(const std::string& json)> stats;
};

struct ConsumerStats {
  int64_t msgs_consumed = 0;   // returned by consume()
  int64_t bytes_consumed = 0;  // key + value bytes returned
  int64_t fetch_requests = 0;
  int64_t rebalances = 0;
  int64_t commits = 0;
  int64_t queued_msgs = 0;     // prefetched, not yet returned
};

class ConsumerCore {
 public:
  static std::unique_ptr<ConsumerCore> create(const Properties& props, ConsumerCallbacks callbacks,
                                              std::string& errstr);
  ~ConsumerCore();
  ConsumerCore(const ConsumerCore&) = delete;
  ConsumerCore& operator=(const ConsumerCore&) = delete;

  // "<client.id>#consumer-<n>"
  const std::string& name() const;

  // ---- subscription / assignment (return 0 or an error code) ----
  int subscribe(const std::vector<std::string>& topics);
  int unsubscribe();
  std::vector<std::string> subscription() const;
  int assign(const TopicPartitionList& partitions);  // empty = unassign
  int incremental_assign(const TopicPartitionList& partitions);
  int incremental_unassign(const TopicPartitionList& partitions);
  TopicPartitionList assignment() const;
  bool assignment_lost() const;
  RebalanceProtocol rebalance_protocol() const;  // None until a protocol is chosen / no group

  // ---- consuming ----
  ConsumerMessagePtr consume(int timeout_ms);
  size_t consume_batch(int timeout_ms, size_t max, std::vector<ConsumerMessagePtr>& out);
  int poll(int timeout_ms);

  // ---- positions and commits ----
  int seek(const std::string& topic, int32_t partition, int64_t offset, int timeout_ms);
  int seek_partitions(TopicPartitionList& partitions, int timeout_ms);
  int position(TopicPartitionList& partitions) const;
  int committed(TopicPartitionList& partitions, int timeout_ms);
  int commit(const TopicPartitionList* offsets, bool async);
  int offsets_store(TopicPartitionList& offsets);
  int pause(TopicPartitionList& partitions);
  int resume(TopicPartitionList& partitions);
  int get_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low, int64_t& high) const;
  GroupMetadata group_metadata() const;
  std::string member_id() const;

  // ---- cluster queries (as ProducerCore's) ----
  int metadata(bool all_topics, const std::string* only_topic, ClusterMetadata& out, int timeout_ms);
  int query_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low, int64_t& high,
                              int timeout_ms);
  int offsets_for_times(TopicPartitionList& offsets, int timeout_ms);
  int32_t controller_id(int timeout_ms);
  std::string cluster_id(int timeout_ms);

  int close();  // 0 or the first error of the final commit/leave; idempotent
  bool closed() const;
  int fatal_error(std::string& reason) const;
  ConsumerStats stats() const;

  struct Impl;

 private:
  explicit ConsumerCore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka::client
