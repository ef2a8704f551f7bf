// Internals of ProducerCore (never included by the facades).
//
// Threads
//   Application threads call produce(): partition, then append the record straight into the
//   partition's open RecordBatchBuilder under that partition's mutex (held only to append).
//   A batch is closed when full (batch.size / batch.num.messages) or when linger.ms expires.
//   One I/O thread (Asio) owns every connection, the metadata, the send queues and the
//   idempotence state. It finishes batches (header, compression, CRC, sequence numbers), groups
//   one batch per partition per leader into Produce requests (one gathered write each, batch
//   bytes referenced in place), and resolves them. Delivery reports are queued per batch and
//   served by poll() on the application's thread; batches are then recycled with their
//   buffers, so the steady state allocates nothing per message.
//
// Batch life: open (partition mutex) -> ready (partition mutex) -> sendq (I/O) -> in flight
//   (I/O) -> resolved -> delivery queue -> poll() -> pool. `refs` counts the in-flight request
//   and the delivery queue holding it, so a purged in-flight batch stays alive until the
//   request that references its bytes completes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config.h"
#include "connection.h"
#include "io.h"
#include "producer.h"

namespace kafka::client {

struct TopicState;
struct PartitionState;

// A small test-and-test-and-set lock for the partition queues: held only to append one record
// or to move batches, so spinning briefly (then yielding) beats a futex mutex on the hot path.
class SpinMutex {
 public:
  void lock() noexcept {
    for (int spins = 0;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 100) __builtin_ia32_pause();
        else std::this_thread::yield();
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// Per message bookkeeping kept next to the batch (the record itself lives in the builder).
struct MsgMeta {
  void* opaque = nullptr;
  const void* orig_value = nullptr;  // Borrow/Free: the caller's pointer
  int64_t enq_us = 0;
  int64_t timestamp = 0;
  uint32_t size = 0;                 // bytes accounted in queue.buffering.max.kbytes
  int32_t partition = kPartitionUA;  // requested partition (unassigned queue)
  uint32_t value_len = 0;
  uint32_t rec_off = 0;              // record start in the uncompressed batch layout
  Ownership own = Ownership::Copy;
};

struct DeliveryReport::Source {
  virtual ~Source() = default;
};

struct Batch final : DeliveryReport::Source {
  RecordBatchBuilder builder{64 * 1024};
  std::vector<MsgMeta> msgs;
  TopicState* topic = nullptr;
  PartitionState* part = nullptr;  // null for unassigned-queue batches
  int32_t partition = kPartitionUA;
  int64_t created_us = 0;
  int64_t linger_deadline_us = 0;
  size_t bytes = 0;

  // I/O thread state.
  bool finished = false;
  int32_t base_seq = -1;
  uint64_t order = 0;  // first-send order within the partition (0: never sent)
  int attempts = 0;
  int64_t retry_at_us = 0;
  bool sent = false;
  bool in_outstanding = false;
  bool resolved = false;
  bool purged = false;
  bool in_request = false;  // part of a request on the wire
  bool resend = false;      // the request on the wire is a resend
  std::atomic<int> refs{0};

  // Result.
  int err = 0;
  std::string errstr;
  int64_t base_offset = kOffsetInvalid;
  int64_t log_append_time = -1;
  int32_t broker_id = -1;
  MsgStatus status = MsgStatus::NotPersisted;

  // Lazy delivery-report decoding.
  RecordBatchView view;
  std::vector<Record> records;
  bool decoded = false;
  bool decode_failed = false;

  void reset() {
    builder.reset();
    msgs.clear();
    topic = nullptr;
    part = nullptr;
    partition = kPartitionUA;
    created_us = linger_deadline_us = 0;
    bytes = 0;
    finished = sent = in_outstanding = resolved = purged = in_request = resend = false;
    base_seq = -1;
    order = 0;
    attempts = 0;
    retry_at_us = 0;
    refs.store(0, std::memory_order_relaxed);
    err = 0;
    errstr.clear();
    base_offset = kOffsetInvalid;
    log_append_time = -1;
    broker_id = -1;
    status = MsgStatus::NotPersisted;
    records.clear();
    decoded = decode_failed = false;
  }
  int32_t count() const { return static_cast<int32_t>(msgs.size()); }
  // Decodes the records once (DR key/value/headers); false if impossible.
  bool decode();
  // Key, value and headers of message i: parsed in place for uncompressed batches, else from
  // decode(). False if unavailable.
  bool record(size_t i, NullableBytes& key, NullableBytes& value, RecordHeaders& headers);
};

struct PartitionState {
  TopicState* topic = nullptr;
  int32_t id = 0;

  SpinMutex mu;  // guards open, ready, listed
  Batch* open = nullptr;
  std::deque<Batch*> ready;
  bool listed = false;  // in the I/O thread's dirty list or active set

  std::atomic<int32_t> leader_pub{-1};

  // I/O thread only.
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  std::deque<Batch*> sendq;        // retries first (in sequence order), then new batches
  std::deque<Batch*> outstanding;  // sent at least once; delivery reports leave in this order
  int inflight = 0;
  int inflight_resends = 0;        // in-flight batches that are resends (idempotence)
  bool drain = false;              // idempotence: wait for in-flight to finish before resending
  int32_t next_seq = 0;
  uint64_t next_order = 1;
  bool active = false;
  // Transactions: added to the current transaction (AddPartitionsToTxn acknowledged) / asked.
  bool txn_added = false;
  bool txn_pending = false;
};

enum class TopicStatus : int { Unknown = 0, Exists = 1, NotExists = 2, Error = 3 };

struct TopicState {
  std::string name;
  TopicConfig conf;
  Compression codec = Compression::None;
  PartitionerFn partitioner;
  void* opaque = nullptr;
  int64_t created_us = 0;

  std::atomic<int32_t> part_cnt{-1};  // -1: unknown; published after `parts`
  std::atomic<int> status{0};
  std::atomic<int> error{0};
  std::atomic<PartitionState**> parts{nullptr};

  std::mutex ua_mu;              // the unassigned queue (metadata not known yet)
  std::deque<Batch*> ua;

  std::atomic<int32_t> sticky{-1};
  std::atomic<int64_t> sticky_until_us{0};

  // I/O thread only.
  std::vector<std::unique_ptr<PartitionState>> storage;
  std::vector<std::unique_ptr<PartitionState*[]>> arrays;  // published arrays (kept alive)
  int64_t notexists_since_us = 0;
  bool metadata_seen = false;
  bool needs_leader = false;
};

// An event for poll(): a batch of delivery reports, an error or a stats document.
struct Event {
  enum Kind { Dr, Err, Stats } kind = Dr;
  Batch* batch = nullptr;
  int err = 0;
  std::string text;
};

// A blocking query from an application thread, completed on the I/O thread.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int err = 0;
  void complete(int e) {
    std::lock_guard lk(mu);
    if (done) return;
    done = true;
    err = e;
    cv.notify_all();
  }
  // Returns err, or _TIMED_OUT.
  int wait(int timeout_ms);
};

// One Produce request's batches (grouped by topic), kept by its completion callback.
struct ProduceCtx {
  std::vector<Batch*> batches;
  int32_t broker = -1;
  int16_t acks = -1;
};

struct Query;
struct CoordCall;

// Transaction states (librdkafka's names). Guarded by Impl::txn_mu.
enum class TxnState {
  Init,                   // init_transactions() not called yet
  WaitPid,                // InitProducerId under way
  ReadyNotAcked,          // init done after the caller timed out: the retried call returns OK
  Ready,                  // no transaction open
  InTransaction,
  BeginCommit,            // commit_transaction(): flushing
  CommittingTransaction,  // EndTxn(commit) under way
  CommitNotAcked,         // committed after the caller timed out
  BeginAbort,             // abort_transaction(): purging and draining
  AbortingTransaction,    // EndTxn(abort) (and maybe an epoch bump) under way
  AbortedNotAcked,
  AbortableError,
  FatalError,
};
const char* txn_state_name(TxnState s);

// A transaction coordinator or group coordinator (FindCoordinator key type 1 / 0), with a
// connection of its own so coordinator requests do not queue behind Produce requests.
struct TxnCoordinator {
  int32_t node = -1;
  std::unique_ptr<BrokerConn> conn;
  bool finding = false;
  std::vector<std::shared_ptr<CoordCall>> waiting;
};

struct ProducerCore::Impl final : ConnOwner {
  // `kind` names the handle "<client.id>#<kind>-<n>" (one counter for all handles, as
  // librdkafka): the consumer engine rides on an Impl created with "consumer".
  Impl(ProducerConfig c, ProducerCallbacks callbacks, const char* kind = "producer");
  ~Impl() override;

  // ---- configuration ----
  ProducerConfig cfg;
  ProducerCallbacks cb;
  std::string name;
  uint64_t instance_id = 0;
  ConnSettings conn_settings;
  int64_t linger_us = 5000;
  int64_t max_msgs = 100000;
  int64_t max_bytes = 1LL << 30;

  // ---- shared with application threads ----
  std::mutex topics_mu;
  std::unordered_map<std::string, std::unique_ptr<TopicState>> topics;
  std::atomic<int> topics_gen{0};  // bumped when a topic is added (I/O tracks new topics)

  std::atomic<int64_t> outq_msgs{0};
  std::atomic<int64_t> outq_bytes{0};
  std::mutex space_mu;
  std::condition_variable space_cv;
  std::atomic<int> space_waiters{0};

  std::mutex ev_mu;
  std::condition_variable ev_cv;
  std::deque<Event> events;
  std::atomic<int> ev_other{0};  // non-DR events queued

  std::mutex dirty_mu;
  std::vector<PartitionState*> dirty;
  std::atomic<bool> wake_pending{false};

  std::mutex pool_mu;
  std::vector<Batch*> pool;

  std::atomic<int> fatal_err{0};
  mutable std::mutex fatal_mu;
  std::string fatal_reason;

  std::atomic<int64_t> wall_offset_us{0};  // wall clock minus monotonic clock, microseconds
  void refresh_wall_offset() {
    int64_t wall = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
    wall_offset_us.store(wall - mono_us(), std::memory_order_relaxed);
  }
  std::atomic<int> flushing{0};
  std::atomic<bool> closing{false};

  std::atomic<int64_t> st_produced{0}, st_delivered{0}, st_failed{0}, st_retries{0};

  // ---- I/O thread ----
  asio::io_context io{1};
  std::thread thread;
  asio::steady_timer sender_timer{io};
  int64_t sender_timer_at = INT64_MAX;
  asio::steady_timer scan_timer{io};
  bool sender_scheduled = false;

  std::vector<std::unique_ptr<BrokerConn>> bootstrap;
  std::map<int32_t, std::unique_ptr<BrokerConn>> brokers;
  std::vector<std::unique_ptr<BrokerConn>> retired_conns;
  size_t rr = 0;
  bool all_down_reported = false;

  std::vector<PartitionState*> active;
  std::vector<TopicState*> known_topics;  // I/O copy of the topic list
  int known_topics_gen = -1;

  bool md_inflight = false;
  bool md_again = false;
  int64_t md_retry_at_us = 0;
  int64_t md_last_full_us = 0;
  int64_t md_fast_until_us = 0;  // refresh quickly while topics lack metadata/leaders
  std::string cluster_id;
  int32_t controller_id = -1;
  // Consumer engine hooks (I/O thread): every applied Metadata response is passed on, and
  // md_all_topics makes the periodic refresh ask for all topics (regex subscriptions).
  std::function<void(const struct MetadataView&)> metadata_hook;
  bool md_all_topics = false;

  enum class IdState { Disabled, NeedPid, WaitPid, Assigned, DrainBump, Fatal };
  IdState id_state = IdState::Disabled;
  int64_t pid = -1;
  int16_t epoch = -1;
  bool bump_pending = false;  // the next InitProducerId bumps the current epoch (KIP-360)
  int64_t pid_retry_at_us = 0;
  int total_inflight = 0;

  // ---- transactions (producer_txn.cpp) ----
  bool transactional() const { return !cfg.transactional_id.empty(); }
  std::mutex txn_api_mu;                 // one transactional API call at a time
  std::mutex txn_mu;                     // guards the fields below (application and I/O thread)
  std::condition_variable txn_cv;
  TxnState txn_state = TxnState::Init;
  std::atomic<bool> txn_open{false};     // produce() allowed (InTransaction)
  TxnError txn_error;                    // the abortable or fatal error, once set
  bool txn_bump_required = false;        // abort must bump the epoch (sequence gaps)
  bool txn_offsets_added = false;        // AddOffsetsToTxn done in this transaction
  bool txn_partitions_used = false;      // AddPartitionsToTxn succeeded for some partition
  int txn_op_seq = 0;                    // I/O operation generation (a newer one supersedes)
  bool txn_op_done = false;
  TxnError txn_op_result;
  // I/O thread only.
  std::map<std::string, TxnCoordinator> txn_coords;  // "<key type>/<key>"
  std::vector<PartitionState*> txn_to_add;            // waiting for AddPartitionsToTxn
  std::vector<PartitionState*> txn_added_list;        // added in this transaction
  bool txn_add_inflight = false;
  bool txn_bump_required_io = false;  // I/O copy of txn_bump_required
  uint64_t txn_gen = 0;               // bumped when a transaction ends (stale retries stop)
  int64_t txn_add_retry_at_us = 0;

  TxnError txn_wait_op(std::unique_lock<std::mutex>& lk, int op, int64_t deadline_us);
  void txn_finish_op(int op, TxnError result);
  void txn_set_abortable(int code, const std::string& reason, bool bump);
  void txn_set_fatal(int code, const std::string& reason);
  void txn_run(const std::shared_ptr<CoordCall>& call);
  void txn_retry_later(const std::shared_ptr<CoordCall>& call, int64_t delay_us);
  void txn_find_coordinator(const std::string& ckey, int8_t key_type, const std::string& key);
  void txn_init_pid(int op, bool bump);
  void txn_add_partitions();
  void txn_add_offsets(int op, std::vector<TopicPartitionOffset> offsets, TxnGroupMetadata group);
  void txn_offset_commit(int op, std::vector<TopicPartitionOffset> offsets, TxnGroupMetadata group);
  void txn_end(int op, bool commit, bool bump_after);
  void txn_reset_partitions();
  void txn_batch_failed(int err, const std::string& reason);

  std::vector<std::shared_ptr<Query>> queries;
  std::unordered_set<ProduceCtx*> live_ctxs;  // Produce requests not completed yet
  int64_t last_stats_us = 0;

  // ---- methods (producer.cpp: application side) ----
  TopicState* get_topic(std::string_view name, const Properties* props, std::string* errstr,
                        PartitionerFn partitioner, void* opaque, bool* created = nullptr);
  int produce(const Message& m, bool block);
  int reserve_space(uint32_t size, bool block);
  void release_space(int64_t msgs, int64_t bytes);
  int32_t pick_partition(TopicState* t, const Message& m, int32_t cnt, int64_t now);
  int32_t random_available(TopicState* t, int32_t cnt);
  void append(PartitionState* p, int64_t now, int64_t ts, const NullableBytes& key, const NullableBytes& value,
              std::span<const RecordHeader> headers, const MsgMeta& meta);
  void notify_io(PartitionState* p, bool list);
  Batch* new_batch();
  void recycle(Batch* b);
  void unref(Batch* b);
  void finalize_batch(Batch* b);  // frees Free payloads, releases queue space, recycles
  int poll(int timeout_ms);
  void serve_dr(Batch* b);
  void push_event(Event e);
  void set_fatal(int err, const std::string& reason);

  // ---- methods (producer_io.cpp: I/O thread) ----
  void start();
  void stop();
  void post_wake();
  void schedule_sender();
  void run_sender();
  void arm_sender_timer(int64_t at_us);
  void on_scan();
  void expire(int64_t now);
  void sync_topics();
  bool sendable(PartitionState* p, int64_t now, int64_t& next_wake);
  void send_produce(BrokerConn* conn, std::vector<Batch*> batches, int16_t acks, int32_t timeout_ms);
  void on_produce_response(const std::shared_ptr<ProduceCtx>& ctx, int err, std::span<const uint8_t> frame,
                           int16_t version);
  void batch_succeeded(Batch* b, int64_t base_offset, int64_t log_append_time, int32_t broker);
  void batch_failed(Batch* b, int err, const std::string& reason, bool transport);
  void fail_batch(Batch* b, int err, MsgStatus status, const std::string& reason = {});
  void resolve(Batch* b);
  void release_in_order(PartitionState* p);
  void deliver(Batch* b);
  void requeue(Batch* b, bool count_retry);
  void purge_io(int flags);

  // metadata
  void request_metadata(const char* reason, bool fast = false);
  void send_metadata_request();
  void apply_metadata(const struct MetadataView& md);
  void set_partition_count(TopicState* t, int32_t cnt);
  void drain_ua(TopicState* t, int fail_err);
  BrokerConn* any_conn(bool prefer_up);
  BrokerConn* conn_for(int32_t node);

  // idempotence
  void maybe_init_pid();
  void send_init_pid();
  void begin_bump(const std::string& reason);
  void check_bump_progress();
  void renumber_after_bump();
  int32_t first_unresolved_seq(PartitionState* p);

  // queries
  void step_queries();

  // ConnOwner
  void on_conn_up(BrokerConn& c) override;
  void on_conn_down(BrokerConn& c, int err, const std::string& reason) override;
  void conn_log(int level, const std::string& fac, const std::string& msg) override { log(level, fac, msg); }
  void log(int level, const std::string& fac, const std::string& msg);
  bool debug_enabled() const { return !cfg.debug.empty(); }
};

// A decoded Metadata response, version independent.
struct MetadataView {
  struct Broker {
    int32_t id;
    std::string host;
    int32_t port;
  };
  struct Partition {
    int32_t id;
    int err;
    int32_t leader;
    int32_t leader_epoch;
    std::vector<int32_t> replicas, isrs;
  };
  struct Topic {
    std::string name;
    int err;
    std::vector<Partition> partitions;
  };
  std::vector<Broker> brokers;
  std::vector<Topic> topics;
  int32_t controller_id = -1;
  std::string cluster_id;
  bool all_topics = false;
};

}  // namespace kafka::client
