// kafka::client::ProducerCore — the producer engine under the librdkafka-compatible facades.
//
// ============================================================================================
// Internal API for the facades (client/facade/: RdKafka::Producer, rd_kafka_t producer)
// ============================================================================================
//
// Creating
//   Properties props{{"bootstrap.servers", "127.0.0.1:9092"}, {"linger.ms", "5"}};
//   ProducerCallbacks cb;
//   cb.delivery = [](DeliveryReport& dr) { ... };       // optional; no DRs are kept without it
//   std::string errstr;
//   auto p = ProducerCore::create(props, cb, errstr);    // nullptr + errstr on a bad value
//
//   Properties use librdkafka's names and defaults (see config.h for the full list the core
//   reads; unknown keys are ignored, so the facade may pass the whole conf). Topic-level
//   properties (acks, message.timeout.ms, partitioner, compression.*, ...) found in the global
//   Properties form the default topic config; per-topic overrides go through topic().
//
// Producing (any thread; thread-safe)
//   Message m;
//   m.topic = "t";                   // or m.topic_handle = p->topic("t", nullptr, errstr)
//   m.partition = kPartitionUA;      // -1: run the partitioner
//   m.key = as_bytes("k");           // kafka::NullableBytes (nullopt = null); copied at once
//   m.value = ByteView(buf, len);    // copied at once into the open batch, see Ownership
//   m.headers = span<const RecordHeader>;   // copied at once
//   m.timestamp = 0;                 // ms since epoch, 0 = now (CreateTime)
//   m.opaque = msg_opaque;           // returned in the delivery report
//   int err = p->produce(m, /*block=*/false);   // 0 or an error code, see below
//
//   produce() copies the record straight into the partition's open RecordBatch, so the Message
//   is a non-owning view that only has to stay valid during the call (no per-message heap
//   allocation on the hot path). librdkafka's RK_MSG_* flags map to Message::value_ownership:
//     RK_MSG_COPY -> Ownership::Copy    DR value() points at our copy
//     (no flag)   -> Ownership::Borrow  DR value() returns the caller's pointer (it must stay
//                                       valid until the DR, as in librdkafka)
//     RK_MSG_FREE -> Ownership::Free    like Borrow, and free() is called on it after the DR;
//                                       not freed when produce() fails (librdkafka semantics)
//     RK_MSG_BLOCK -> block=true        wait for queue space instead of _QUEUE_FULL
//   produce() errors (librdkafka's): MSG_SIZE_TOO_LARGE (10) if the record exceeds
//   message.max.bytes; _QUEUE_FULL (-184) if queue.buffering.max.messages/kbytes is reached
//   and !block; _UNKNOWN_TOPIC (-188) if the cluster said the topic does not exist;
//   _UNKNOWN_PARTITION (-190) for an explicit partition >= the partition count (or a bad
//   partitioner result); _FATAL (-150) after a fatal (idempotence) error; _INVALID_ARG (-186)
//   for an empty topic name; _STATE (-172) while the producer is being destroyed.
//   Messages to a topic whose metadata is not known yet wait in an unassigned queue and are
//   partitioned when metadata arrives (the partitioner callback then runs on the I/O thread).
//
// Callbacks and threads
//   delivery, error and stats callbacks run only inside poll()/flush() on the calling thread.
//   log runs on whichever thread logs (mostly the client's I/O thread), like librdkafka
//   without log.queue. The partitioner callback runs inside produce(), or on the I/O thread
//   for messages that waited for metadata. Callbacks must not destroy the ProducerCore.
//   The DeliveryReport and anything it points to are valid only during the callback.
//   Callbacks that may run on the I/O thread (log, partitioner) must not call the blocking
//   methods (flush, purge without NonBlocking, metadata, query_*, offsets_for_times, stats):
//   those wait for the I/O thread.
//
// poll(timeout_ms)   serves queued callbacks; returns the number served (0 on timeout).
//                    timeout -1 = wait forever for at least one event.
// flush(timeout_ms)  sends everything now (ignores linger.ms) and polls until outq_len()==0;
//                    returns 0 or _TIMED_OUT (-185).
// purge(flags)       PurgeFlags: Queue (queued messages, DR _PURGE_QUEUE), InFlight (messages in
//                    requests on the wire: responses are ignored, DR _PURGE_INFLIGHT),
//                    NonBlocking (do not wait for the I/O thread). Returns 0 or _INVALID_ARG.
//                    DRs are served by the next poll()/flush(), as in librdkafka.
// outq_len()         messages produced and not yet delivery-reported (queued + in flight +
//                    DRs waiting for poll()), plus other events waiting for poll().
// fatal_error(r)     0, or the underlying error code of a fatal error (reason in r).
//
// Cluster queries (any thread; block up to timeout_ms; return 0 or an error code):
//   metadata(all_topics, topic, md, timeout)      brokers/topics/partitions (as Metadata says)
//   query_watermark_offsets(t, p, low, high, timeout)   ListOffsets -2/-1 at the leader
//   offsets_for_times(list, timeout)              ListOffsets by timestamp (offset in = ts)
//   partition_count(topic)                        cached count, -1 if unknown
//   partition_available(topic, p)                 leader known (for partitioner callbacks)
//   controller_id(timeout), cluster_id(timeout)
//
// Errors are ints in librdkafka's numbering (errors_local.h): Kafka codes as-is, local errors
// negative (LocalErr). err_name()/err_str() give names and texts.
//
// Behaviour notes
//   - TCP_NODELAY is always set (socket.nagle.disable has no effect): requests are coalesced by
//     the core already.
//   - Delivery reports of a partition come in produce order (also across retries).
//   - message.timeout.ms expires queued batches (Java-like, per batch: the first message's age
//     decides, so later messages of the same batch can expire up to linger.ms early); in-flight
//     requests are bounded by request.timeout.ms and then retried or expired.
//   - Idempotence (enable.idempotence=true): InitProducerId with a null transactional id,
//     sequence numbers per partition, at most 5 batches in flight per partition, in-order
//     resends after retriable errors; DUPLICATE_SEQUENCE_NUMBER counts as delivered (offset
//     unknown); OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID for the first unacknowledged
//     batch bump the epoch (InitProducerId v3+ with the current id/epoch, KIP-360; older brokers
//     hand out a new id) and renumber what is unacknowledged; INVALID_PRODUCER_EPOCH,
//     PRODUCER_FENCED, a rewound sequence or UNKNOWN_PRODUCER_ID after retries are fatal:
//     fatal_error() is set, the error callback gets _FATAL, queued messages are purged
//     (_PURGE_QUEUE) and produce() returns _FATAL.
//   - Transactions (transactional.id set; implies idempotence), as librdkafka/Java:
//       init_transactions(timeout)     once: coordinator lookup, InitProducerId (fences older
//                                      instances, finishes their open transaction)
//       begin_transaction()            local; produce() outside a transaction fails with _STATE
//       send_offsets_to_transaction(offsets, group metadata, timeout)
//                                      AddOffsetsToTxn, then TxnOffsetCommit at the group
//                                      coordinator (offsets = next offset to consume)
//       commit_transaction(timeout)    flush (serves delivery reports on the calling thread),
//                                      then EndTxn(commit)
//       abort_transaction(timeout)     purge queued messages, wait for in-flight, EndTxn(abort)
//     They block, are thread-safe (one at a time) and return a TxnError classified as
//     librdkafka does: fatal (fencing: _FENCED; the producer is unusable), retriable (_TIMED_OUT:
//     call the same method again, it resumes), txn_requires_abort (call abort_transaction),
//     or none of these (_STATE: wrong call for the current state).
// ============================================================================================
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "errors_local.h"
#include "kafka/protocol/record_batch.h"

namespace kafka::client {

using Properties = std::map<std::string, std::string>;

inline constexpr int32_t kPartitionUA = -1;
// Offsets in delivery reports / queries when none is known (RD_KAFKA_OFFSET_INVALID).
inline constexpr int64_t kOffsetInvalid = -1001;

enum class Ownership : uint8_t { Copy, Borrow, Free };

enum PurgeFlags : int { kPurgeQueue = 0x1, kPurgeInFlight = 0x2, kPurgeNonBlocking = 0x4 };

// rd_kafka_timestamp_type_t
enum class TimestampType : int { NotAvailable = 0, CreateTime = 1, LogAppendTime = 2 };
// rd_kafka_msg_status_t
enum class MsgStatus : int { NotPersisted = 0, PossiblyPersisted = 1, Persisted = 2 };

class Topic;  // a topic handle, valid for the producer's lifetime

struct Message {
  std::string_view topic;          // ignored when topic_handle is set
  Topic* topic_handle = nullptr;   // from ProducerCore::topic(): skips the name lookup
  int32_t partition = kPartitionUA;
  NullableBytes key;
  NullableBytes value;
  Ownership value_ownership = Ownership::Copy;
  std::span<const RecordHeader> headers;
  int64_t timestamp = 0;           // ms; 0 = now
  void* opaque = nullptr;
};

// One delivered (or failed) message. Valid only during the delivery callback. key(), value()
// and headers() are decoded lazily from the sent batch: cheap when not called.
class DeliveryReport {
 public:
  const std::string& topic() const { return *topic_; }
  Topic* topic_handle() const { return topic_handle_; }
  int32_t partition() const { return partition_; }
  int64_t offset() const { return offset_; }          // kOffsetInvalid if unknown (acks=0, error)
  int64_t timestamp() const { return timestamp_; }
  TimestampType timestamp_type() const { return ts_type_; }
  int error() const { return err_; }                  // 0 = delivered
  const std::string& error_string() const;            // err_str(error()) unless more specific
  MsgStatus status() const { return status_; }
  void* opaque() const { return opaque_; }
  int64_t latency_us() const { return latency_us_; }  // produce() to DR, microseconds
  int32_t broker_id() const { return broker_id_; }    // leader that answered, -1 if none
  NullableBytes key() const;
  NullableBytes value() const;   // Borrow/Free: the caller's own pointer
  RecordHeaders headers() const; // iterate RecordHeader{key, value}
  std::vector<OwnedRecordHeader> owned_headers() const { return headers().to_owned(); }

  struct Source;  // internal: where the lazy fields come from

 private:
  friend class ProducerCore;
  friend struct DrAccess;
  const std::string* topic_ = nullptr;
  Topic* topic_handle_ = nullptr;
  int32_t partition_ = -1;
  int64_t offset_ = kOffsetInvalid;
  int64_t timestamp_ = 0;
  TimestampType ts_type_ = TimestampType::CreateTime;
  int err_ = 0;
  MsgStatus status_ = MsgStatus::NotPersisted;
  void* opaque_ = nullptr;
  int64_t latency_us_ = 0;
  int32_t broker_id_ = -1;
  Source* src_ = nullptr;
  size_t index_ = 0;
  mutable std::string errstr_;
};

// Custom partitioner (librdkafka's partitioner_cb): returns a partition in [0, partition_cnt)
// or any other value for "unknown partition" (-> _UNKNOWN_PARTITION). key is nullptr for a
// null key. With sticky.partitioning.linger.ms > 0, null-key messages use the sticky
// partitioner instead, as librdkafka does.
using PartitionerFn = std::function<int32_t(const std::string& topic, const void* key, size_t keylen,
                                            int32_t partition_cnt, void* topic_opaque, void* msg_opaque)>;

struct ProducerCallbacks {
  std::function<void(DeliveryReport&)> delivery;
  // Errors that are not tied to a message: _TRANSPORT, _ALL_BROKERS_DOWN, _FATAL, ... (reason).
  std::function<void(int err, const std::string& reason)> error;
  // syslog levels (3 error, 4 warning, 6 info, 7 debug), librdkafka's facility names.
  std::function<void(int level, const std::string& fac, const std::string& message)> log;
  // statistics.interval.ms > 0: a JSON document in the spirit of librdkafka's (subset).
  std::function<void(const std::string& json)> stats;
  // Default partitioner callback for all topics (overrides the "partitioner" property).
  PartitionerFn partitioner;
  void* opaque = nullptr;  // default topic opaque passed to partitioners
};

// ---- metadata -----------------------------------------------------------------------------
struct BrokerMetadata {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
};
struct PartitionMetadata {
  int32_t id = 0;
  int err = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isrs;
};
struct TopicMetadata {
  std::string topic;
  int err = 0;
  std::vector<PartitionMetadata> partitions;
};
struct ClusterMetadata {
  std::vector<BrokerMetadata> brokers;
  std::vector<TopicMetadata> topics;
  int32_t orig_broker_id = -1;
  std::string orig_broker_name;
  int32_t controller_id = -1;
  std::string cluster_id;
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // in: timestamp (offsets_for_times); out: offset
  int err = 0;
  std::string metadata;       // commit metadata (consumer)
  int32_t leader_epoch = -1;  // consumer positions / commits
};

// Counters for statistics (cheap snapshot).
struct ProducerStats {
  int64_t msgs_produced = 0;       // accepted by produce()
  int64_t msgs_delivered = 0;      // acked
  int64_t msgs_failed = 0;         // failed DRs
  int64_t requests_sent = 0;
  int64_t bytes_sent = 0;
  int64_t retries = 0;
  int64_t outq_msgs = 0;
  int64_t outq_bytes = 0;
};

// Result of a transactional API call (librdkafka's rd_kafka_error_t classification).
struct TxnError {
  int code = 0;
  std::string reason;
  bool fatal = false;
  bool retriable = false;
  bool txn_requires_abort = false;
  explicit operator bool() const { return code != 0; }
};

// The consumer's group state for send_offsets_to_transaction (KIP-447).
struct TxnGroupMetadata {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

class ProducerCore {
 public:
  static std::unique_ptr<ProducerCore> create(const Properties& props, ProducerCallbacks callbacks,
                                              std::string& errstr);
  // Does not flush: messages still queued are dropped without DRs (librdkafka's
  // rd_kafka_destroy flushes only when the application calls flush() first). Joins the I/O
  // thread.
  ~ProducerCore();
  ProducerCore(const ProducerCore&) = delete;
  ProducerCore& operator=(const ProducerCore&) = delete;

  // The handle name, librdkafka style: "<client.id>#producer-<n>".
  const std::string& name() const;

  // Returns the topic handle, creating it with `topic_props` (topic-level librdkafka properties
  // over the default topic config) and the optional partitioner/opaque. An existing topic keeps
  // its config (as rd_kafka_topic_new). nullptr + errstr on a bad property value.
  Topic* topic(const std::string& name, const Properties* topic_props, std::string& errstr,
               PartitionerFn partitioner = {}, void* topic_opaque = nullptr);
  static const std::string& topic_name(const Topic* t);

  int produce(const Message& m, bool block = false);

  int poll(int timeout_ms);
  int flush(int timeout_ms);
  int purge(int flags);
  int outq_len() const;
  int fatal_error(std::string& reason) const;

  int metadata(bool all_topics, const std::string* only_topic, ClusterMetadata& out, int timeout_ms);
  int query_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low, int64_t& high,
                              int timeout_ms);
  int offsets_for_times(std::vector<TopicPartitionOffset>& offsets, int timeout_ms);
  int32_t partition_count(const std::string& topic) const;
  bool partition_available(const std::string& topic, int32_t partition) const;
  int32_t controller_id(int timeout_ms);
  std::string cluster_id(int timeout_ms);

  ProducerStats stats() const;

  // Transactions (see the header comment); each is a no-op error _NOT_CONFIGURED without
  // transactional.id.
  TxnError init_transactions(int timeout_ms);
  TxnError begin_transaction();
  TxnError send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                       const TxnGroupMetadata& group, int timeout_ms);
  TxnError commit_transaction(int timeout_ms);
  TxnError abort_transaction(int timeout_ms);

  // Built-in partitioners by librdkafka name (random, consistent, consistent_random, murmur2,
  // murmur2_random, fnv1a, fnv1a_random); key == nullptr means a null key. The *random ones
  // and "random" draw among all partitions (the producer's own use prefers available ones).
  static int32_t builtin_partition(std::string_view name, const void* key, size_t keylen,
                                   int32_t partition_cnt);

  struct Impl;

 private:
  explicit ProducerCore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka::client
