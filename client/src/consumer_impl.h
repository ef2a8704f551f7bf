// Internals of ConsumerCore (never included by the facades).
//
// Threads
//   The consumer rides on a ProducerCore::Impl ("engine") created with kind "consumer": its I/O
//   thread, connections, metadata refresh and queries. Consumer state lives here under one
//   recursive mutex `mu`, taken by the I/O thread's handlers (fetch responses, group protocol,
//   timers) and by application calls. Application callbacks never run under `mu`.
//
// Fetched data
//   A Fetch response frame is taken over from the connection (no copy) into a Chunk; the I/O
//   thread parses its records into compact RawMsg entries (views into the chunk, or into
//   decompression buffers the chunk owns) grouped per partition in a FetchedSet, and queues the
//   sets. consume() materialises one ConsumerMessage per record on the application thread, so
//   allocation and free happen on the same thread, and holds the chunk by shared_ptr.
//
// Fetch versions
//   Each partition has a `version`, bumped by seek, (re)assignment, offset reset: queued sets,
//   Fetch responses and offset lookups carry the version they were made for and are dropped when
//   it no longer matches.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "assignor.h"
#include "config.h"
#include "consumer.h"
#include "producer_impl.h"

namespace kafka::client {

struct ConsumerMessage::Chunk {
  std::vector<uint8_t> frame;                            // the Fetch response frame
  std::vector<std::unique_ptr<RecordBatchView>> views;   // compressed batches (own their inflated bytes)
  // Prefetch accounting (under Impl::mu): the bytes this chunk holds (frame, inflated batches, the
  // queued sets' indexes) are charged to Impl::queued_bytes while any of its sets is queued.
  int64_t charged = 0;
  int queued_sets = 0;
  int64_t inflated_bytes = 0;  // sum of the views' inflated sizes (parse_fetched_records)
};

struct ConsumerMessageAccess {
  static ConsumerMessage* make() { return new ConsumerMessage(); }
  static void set(ConsumerMessage& m, int err, const std::string* topic, int32_t partition, int64_t offset) {
    m.err_ = err;
    m.topic_ = topic;
    m.partition_ = partition;
    m.offset_ = offset;
  }
  static void set_record(ConsumerMessage& m, int64_t ts, TimestampType tt, int32_t epoch, NullableBytes key,
                         NullableBytes value, RecordHeaders headers, std::shared_ptr<ConsumerMessage::Chunk> chunk) {
    m.timestamp_ = ts;
    m.ts_type_ = tt;
    m.leader_epoch_ = epoch;
    m.key_ = key;
    m.value_ = value;
    m.headers_ = headers;
    m.chunk_ = std::move(chunk);
  }
  static void set_errstr(ConsumerMessage& m, std::string s) { m.errstr_ = std::move(s); }
};

// One record, as views into a Chunk.
struct RawMsg {
  int64_t offset;
  int64_t timestamp;
  NullableBytes key, value;
  const uint8_t* hdr = nullptr;
  uint32_t hdr_len = 0;
  int32_t hdr_count = 0;
  int32_t leader_epoch = -1;
  TimestampType ts_type = TimestampType::CreateTime;
};

enum class PartFetch : uint8_t {
  Idle,         // not fetching (no start offset yet being looked up)
  NeedOffset,   // start offset to resolve (committed / logical)
  Resolving,    // OffsetFetch or ListOffsets in flight
  Active,       // fetching from fetch_pos
  Stopped,      // error (auto.offset.reset=error): waits for a seek
};

struct PartState {
  std::string topic;  // stable address: ConsumerMessage::topic() points here
  int32_t partition = 0;
  bool assigned = false;
  bool paused = false;
  uint64_t version = 0;

  PartFetch fetch = PartFetch::Idle;
  int64_t start = kOffsetStored;  // logical start offset to resolve (NeedOffset)
  int64_t fetch_pos = kOffsetInvalid;
  int32_t leader = -1;
  bool fetch_inflight = false;
  int64_t backoff_until_us = 0;
  int32_t max_bytes_boost = 0;     // partition_max_bytes override after a too-small fetch
  bool eof_sent = false;
  bool missing_reported = false;  // assigned but the topic/partition does not exist: reported once

  // Application view.
  int64_t app_pos = kOffsetInvalid;  // next offset the application will see
  int32_t app_epoch = -1;
  int64_t stored = kOffsetInvalid;   // offsets_store / auto store (next commit)
  std::string stored_metadata;
  int32_t stored_epoch = -1;
  int64_t committed = kOffsetInvalid;  // last committed by us (or fetched)

  int64_t hwm = kOffsetInvalid, lso = kOffsetInvalid, log_start = kOffsetInvalid;
  int64_t queued_msgs = 0, queued_bytes = 0;
};

// A run of records of one partition from one Fetch response (or one error message).
struct FetchedSet {
  PartState* part = nullptr;
  uint64_t version = 0;
  std::shared_ptr<ConsumerMessage::Chunk> chunk;
  std::vector<RawMsg> msgs;
  size_t next = 0;
  int64_t bytes = 0;
  // Error message (msgs empty): err with offset.
  int err = 0;
  int64_t err_offset = kOffsetInvalid;
  std::string errstr;
};

// read_committed: a Fetch response lists the aborted transactions (producer id, first offset) in
// the returned range; batches of such a producer are skipped from that offset until its ABORT
// marker (as the Java consumer does).
struct AbortedFilter {
  std::vector<std::pair<int64_t, int64_t>> pending;  // (first offset, producer id), ascending
  size_t next = 0;
  std::vector<int64_t> producers;  // currently aborted
  bool active() const { return !pending.empty() || !producers.empty(); }
  void advance(int64_t last_offset) {
    while (next < pending.size() && pending[next].first <= last_offset) producers.push_back(pending[next++].second);
  }
  bool aborted(int64_t pid) const { return std::find(producers.begin(), producers.end(), pid) != producers.end(); }
  void end(int64_t pid) { producers.erase(std::remove(producers.begin(), producers.end(), pid), producers.end()); }
};

struct ParsedRecords {
  int err = 0;  // _BAD_MSG for a corrupt batch (records before it are kept)
  std::string errstr;
  int64_t next_pos = -1;  // next fetch offset after the complete batches seen
};

// Parses one partition's record batches from a Fetch response into `set` (records at or above
// fetch_offset; control batches and, with `aborted`, aborted transactions skipped). Compressed
// batches are inflated into views kept by `chunk`.
// `inflate_budget` / `msg_budget`: once this partition's inflated bytes or records reach them,
// parsing stops before the next compressed batch (the first is always taken); next_pos then points
// at the batch not taken, which the next Fetch asks for again. Bounds what one response inflates.
void parse_fetched_records(ByteView records, int64_t fetch_offset, bool check_crcs, ConsumerMessage::Chunk& chunk,
                           FetchedSet& set, AbortedFilter* aborted, ParsedRecords& out,
                           int64_t inflate_budget = INT64_MAX, int64_t msg_budget = INT64_MAX);

struct ConsumerEvent {
  enum Kind { Rebalance, Commit, Error, Stats } kind = Error;
  int err = 0;
  TopicPartitionList parts;
  bool lost = false;      // Rebalance: revoke of a lost assignment
  uint64_t token = 0;     // Rebalance: the group step to resume when served
  std::string text;
  bool as_message = false;  // Error: deliver as an error message if no error callback
};

// A commit in progress (sync waits on waiter).
struct CommitCtx {
  TopicPartitionList offsets;
  bool report = true;  // queue an offset_commit event
  std::shared_ptr<Waiter> waiter;
  int result = 0;
  int attempts = 0;
};

enum class GroupState : uint8_t {
  Idle,          // no subscription / not a member
  WaitCoord,     // FindCoordinator
  Joining,       // JoinGroup in flight
  Syncing,       // SyncGroup in flight
  Steady,        // member with an assignment (heartbeating)
  WaitRevoke,    // eager revoke (or cooperative revoke) served to the application before rejoining
  Leaving,       // close()/max.poll: LeaveGroup sent
};

struct ConsumerCore::Impl {
  Impl(ConsumerConfig c, ConsumerCallbacks callbacks);
  ~Impl();

  // Declared first so it is destroyed last: timers and requests below live on its io_context.
  std::unique_ptr<ProducerCore::Impl> engine;

  ConsumerConfig cfg;
  ConsumerCallbacks cb;
  std::vector<std::unique_ptr<Assignor>> assignors;

  mutable std::recursive_mutex mu;
  std::condition_variable_any cv;  // queue/events changed

  // ---- partitions and the application queue (mu) ----
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<PartState>> parts;
  std::deque<std::unique_ptr<FetchedSet>> queue;
  std::deque<ConsumerEvent> events;
  // Prefetch: messages queued, and bytes held by the queued sets' chunks (whole response frames,
  // inflated batches, indexes), bounded by queued.min.messages / queued.max.messages.kbytes for the
  // whole queue (as librdkafka's partition queues forwarded to the consumer queue).
  int64_t queued_msgs = 0, queued_bytes = 0;
  int64_t fetch_reserved = 0;  // max_bytes of the Fetch requests in flight (part of the bound)
  std::atomic<bool> fetch_kick_pending{false};

  // ---- subscription and group (mu) ----
  std::vector<std::string> subscription;  // as given
  std::vector<std::string> sub_topics;    // resolved topic names
  bool subscribed = false;
  std::set<std::string> reported_missing;  // UNKNOWN_TOPIC_OR_PART reported once
  GroupState gstate = GroupState::Idle;
  bool rejoin_needed = false;
  bool join_inflight = false;
  int32_t coord_id = -1;
  std::unique_ptr<BrokerConn> coord_conn_storage;  // the group coordinator connection (own socket)
  BrokerConn* coord = nullptr;
  bool coord_inflight = false;
  int64_t coord_retry_at_us = 0;
  int64_t coord_found_us = 0;  // coordinator.query.interval.ms: ask again periodically
  std::string member_id;
  int32_t generation = -1;
  std::string protocol_name;
  RebalanceProtocol proto = RebalanceProtocol::None;
  bool is_leader = false;
  int64_t next_heartbeat_us = 0;
  bool heartbeat_inflight = false;
  int64_t last_heartbeat_ok_us = 0;
  uint64_t rebalance_token = 0;   // bumped per queued rebalance event
  uint64_t awaiting_token = 0;    // the revoke the join waits for (0: none)
  uint64_t assign_token = 0;      // the assign event still valid (0: none); older ones are skipped
  bool assignment_lost_flag = false;
  bool leave_after_revoke = false;  // unsubscribe(): LeaveGroup once the revoke was served
  bool serving_lost = false;
  bool max_poll_exceeded = false;
  int fatal = 0;
  std::string fatal_reason;
  std::vector<TopicPartitionRef> owned;  // the group's assignment for this member (cooperative)

  // ---- topic metadata view (mu) ----
  std::map<std::string, std::vector<int32_t>> topic_leaders;  // topic -> leader per partition
  std::map<std::string, int> topic_errors;
  std::vector<std::string> all_topics;  // last full topic list (regex)
  bool metadata_seen = false;
  int64_t missing_md_at_us = 0;  // metadata asked for assigned partitions of missing topics (throttled)

  // ---- commits (mu) ----
  std::deque<std::shared_ptr<CommitCtx>> commits_waiting;  // no coordinator yet
  int commits_inflight = 0;
  int64_t next_auto_commit_us = 0;

  // OffsetFetch requests waiting for the coordinator (committed() and start offsets).
  struct OffsetFetchReq {
    std::vector<std::pair<std::string, int32_t>> parts;
    // err: request-level error; results per part (offset, metadata, err).
    std::function<void(int err, const std::vector<TopicPartitionOffset>& results)> done;
  };
  std::deque<OffsetFetchReq> offset_fetch_waiting;
  std::set<int32_t> fetch_brokers;  // brokers with a Fetch in flight
  std::map<std::string, int32_t> joined_counts;  // partition counts of subscribed topics at the last join

  std::shared_ptr<Waiter> leave_waiter;  // close(): completed when the LeaveGroup is answered

  std::atomic<int64_t> last_poll_us{0};
  std::atomic<bool> closed{false};
  bool closing = false;

  std::atomic<int64_t> st_consumed{0}, st_bytes{0}, st_fetches{0}, st_rebalances{0}, st_commits{0};

  // ---- I/O thread ----
  std::unique_ptr<asio::steady_timer> tick_timer;
  int64_t last_stats_us = 0;

  // ---- methods: application side (consumer.cpp) ----
  PartState* part(const std::string& topic, int32_t partition, bool create);
  void register_topic(const std::string& topic);
  void push_error_message(PartState* p, int err, int64_t offset, std::string text);
  void push_event(ConsumerEvent ev);
  int apply_assign(const TopicPartitionList& list, bool incremental);
  int apply_unassign(const TopicPartitionList& list, bool incremental);
  void add_partition(const TopicPartitionOffset& tp);
  void remove_partition(PartState* p);
  void drop_queued(PartState* p);
  void release_set(FetchedSet& s);
  ConsumerMessagePtr next_message(bool& got_event);
  int serve_events(int max);
  void serve_event(ConsumerEvent& ev);
  ConsumerMessagePtr materialize(FetchedSet& s);
  void kick();
  int commit(const TopicPartitionList* offsets, bool async, TopicPartitionList* out);
  TopicPartitionList stored_offsets(const std::vector<PartState*>* only);
  int do_close();

  // ---- methods: I/O thread (consumer_io.cpp) ----
  void start();
  void on_tick();
  void on_metadata(const MetadataView& md);
  void run_fetcher(int64_t now);
  void resolve_offsets(int64_t now);
  void on_fetch_response(int32_t broker, std::vector<std::pair<PartState*, uint64_t>> sent,
                         std::vector<int64_t> offsets, int err, std::vector<uint8_t> frame, int16_t version,
                         int64_t reserved);
  void apply_reset(PartState* p, const char* why);
  void list_offsets(std::vector<PartState*> ps);
  void fetch_committed(std::vector<PartState*> ps);
  void send_offset_fetch(OffsetFetchReq req);
  BrokerConn* coordinator();
  void send_commit(std::shared_ptr<CommitCtx> ctx);
  void finish_commit(const std::shared_ptr<CommitCtx>& ctx, int err);

  // group (consumer_group.cpp)
  void group_step(int64_t now);
  void find_coordinator();
  void coordinator_dead(const char* why);
  void send_join();
  void on_join(int err, std::span<const uint8_t> frame, int16_t v);
  void send_sync(std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments);
  void on_sync(int err, std::span<const uint8_t> frame, int16_t v);
  void send_heartbeat();
  void send_leave(const char* why);
  void lose_membership(const char* why, bool reset_member);
  void start_rejoin(const char* why);
  void new_assignment(const std::vector<TopicPartitionRef>& assigned);
  void rebalance_served(uint64_t token);
  void leave_now(const char* why);
  bool update_regex_subscription();
  TopicPartitionList current_assignment() const;
};

}  // namespace kafka::client
