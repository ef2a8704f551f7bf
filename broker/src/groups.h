// The classic consumer-group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup), the
// committed-offset store and its durable log, following Kafka's GroupCoordinator (3.x) for one broker.
//
// States: Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and back to
// PreparingRebalance on a join that changes the group, a leave or a session expiry; Dead once a
// group is deleted (DeleteGroups, or an Empty group whose last offsets expired).
//  - A rebalance from Empty waits group.initial.rebalance.delay.ms (extended while new members
//    keep arriving in generation 0, up to the rebalance timeout); other rebalances complete once
//    every member (and every KIP-394 pending member) has joined, or at the rebalance timeout,
//    when dynamic members that did not rejoin are dropped (static ones stay, as in Kafka).
//  - Dynamic members joining with JoinGroup v4+ first get MEMBER_ID_REQUIRED and a member id
//    (a pending member, expired after its session timeout if it never comes back).
//  - Static members (group.instance.id): a join with an unknown member id replaces the old member
//    id, which is fenced from then on (FENCED_INSTANCE_ID); in Stable/CompletingRebalance that
//    replacement does not rebalance, the member gets its old assignment back via SyncGroup.
//  - Members that do not send SyncGroup within the rebalance timeout after the join completes are
//    removed; sessions expire when no heartbeat (or other group request) arrives in time.
// JoinGroup and SyncGroup answers may wait for other members: each parks a Pending with a timer
// on its connection's strand, and completion posts a cancel to that strand.
//
// Durability (like Kafka's __consumer_offsets, one append-only file per group under
// <data-dir>/__consumer_offsets/): offset commits, offset deletions and the group metadata Kafka
// persists (protocol type/name, generation, leader, members with subscription and assignment,
// written when a generation becomes Stable or the group becomes Empty), and transactional offsets
// with the end of their transaction. Each record is written
// before the request is answered, so it survives kill -9. On restart a group is Stable with its
// members (their sessions restart, so they keep heartbeating in the same generation) or Empty.
// Offset retention follows KIP-211: offsets of an Empty group expire offsets.retention.minutes
// after the group became Empty; a Stable consumer group's offsets of topics it no longer
// subscribes to expire that long after their commit; groups without a protocol type
// (assign()-only users) expire per offset after its commit.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "asio.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/messages.h"

namespace refbroker {

struct GroupConfig {
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
  int32_t initial_rebalance_delay_ms = 0;  // Kafka's default is 3000; a test broker wants speed
  int32_t max_metadata_bytes = 4096;       // offset.metadata.max.bytes
  int32_t max_size = INT32_MAX;            // group.max.size
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;   // offsets.retention.minutes (Kafka 2.0+: 7 days)
  int64_t offsets_retention_check_interval_ms = 600000;    // offsets.retention.check.interval.ms
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;   // wall clock, set by the coordinator
  int64_t expire_timestamp_ms = -1;  // from an explicit retention time; -1: KIP-211 rules
};

struct OffsetToCommit {
  std::string topic;
  int32_t partition = 0;
  CommittedOffset value;
  int64_t retention_ms = -1;  // OffsetCommit v2-v4 retention_time_ms; -1: offsets.retention.minutes
};

class GroupCoordinator {
 public:
  using Clock = std::chrono::steady_clock;

  // A parked JoinGroup or SyncGroup: `done` and the answer are written under the coordinator lock.
  struct Pending {
    explicit Pending(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    boost::asio::steady_timer timer;
    bool done = false;
    kafka::proto::JoinGroupResponse join;
    kafka::proto::SyncGroupResponse sync;
  };

  GroupCoordinator(std::filesystem::path data_dir, GroupConfig config);

  // Starts a join. Either answers at once (errors, MEMBER_ID_REQUIRED, a static member's rejoin)
  // by filling `now`, or returns a Pending to wait on until done (wait() below).
  std::shared_ptr<Pending> join(const kafka::proto::JoinGroupRequest& req, int16_t version, const std::string& client_id,
                                const std::string& client_host, boost::asio::any_io_executor ex,
                                kafka::proto::JoinGroupResponse& now);
  std::shared_ptr<Pending> sync(const kafka::proto::SyncGroupRequest& req, boost::asio::any_io_executor ex,
                                kafka::proto::SyncGroupResponse& now);
  // Waits for a pending join/sync to complete; the caller then reads its response.
  boost::asio::awaitable<void> wait(std::shared_ptr<Pending> p);

  kafka::Error heartbeat(const std::string& group, int32_t generation, const std::string& member,
                         const std::optional<std::string>& instance_id);
  // One member of a LeaveGroup. An empty member id with an instance id removes that static
  // member (the admin path of KIP-345). Unknown groups give UNKNOWN_MEMBER_ID.
  kafka::Error leave(const std::string& group, const std::string& member, const std::optional<std::string>& instance_id);

  // OffsetCommit: validates generation/member like Kafka, then stores and persists `offsets`
  // (already checked per partition by the caller). Returns the error for every partition.
  kafka::Error commit(const std::string& group, int32_t generation, const std::string& member,
                      const std::optional<std::string>& instance_id, const std::vector<OffsetToCommit>& offsets);
  std::map<std::pair<std::string, int32_t>, CommittedOffset> offsets(const std::string& group);

  // TxnOffsetCommit: offsets of producer `producer_id`'s transaction, pending (invisible to
  // OffsetFetch) until complete_txn(). Membership is checked only when the request names a
  // member or generation (KIP-447).
  kafka::Error txn_commit(const std::string& group, int64_t producer_id, int32_t generation, const std::string& member,
                          const std::optional<std::string>& instance_id, const std::vector<OffsetToCommit>& offsets);
  // EndTxn's marker for the group: the transaction's pending offsets become committed, or are dropped.
  void complete_txn(const std::string& group, int64_t producer_id, bool commit);
  // Whether a transaction has uncommitted offsets for this partition (OffsetFetch require_stable).
  bool has_pending_txn_offset(const std::string& group, const std::string& topic, int32_t partition);

  // A deleted topic's committed offsets go with it (Kafka's handleDeletedPartitions).
  void forget_topic(const std::string& topic);

  kafka::proto::DescribeGroupsResponse::DescribedGroup describe(const std::string& group);
  std::vector<kafka::proto::ListGroupsResponse::ListedGroup> list();
  kafka::Error remove(const std::string& group);

  // Session, pending-member, rebalance and sync deadlines; offset retention. Called every 100 ms.
  void tick();
  // Expires offsets now (tick() calls it every offsets.retention.check.interval.ms).
  void expire_offsets();
  const GroupConfig& config() const { return config_; }

 private:
  enum class State { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead };
  using Protocols = std::vector<kafka::proto::JoinGroupRequest::JoinGroupRequestProtocol>;
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id, client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    Protocols protocols;
    kafka::proto::Bytes assignment;
    Clock::time_point session_deadline;
    bool is_new = false;  // joined in the running rebalance; times out after 5 minutes, not the session
    std::shared_ptr<Pending> join_waiter;
    std::shared_ptr<Pending> sync_waiter;
  };
  struct Group {
    std::string id;
    State state = State::Empty;
    int64_t state_timestamp_ms = 0;  // wall clock of the last state change (KIP-211 expiry base)
    int32_t generation = 0;
    std::string protocol_type;  // empty: no member ever joined (offset storage only)
    std::string protocol;
    std::string leader;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;              // instance id -> member id
    std::map<std::string, Clock::time_point> pending_members;       // KIP-394, with their expiry
    std::set<std::string> pending_sync;                             // joined, SyncGroup not yet seen
    Clock::time_point pending_sync_deadline;
    Clock::time_point join_deadline;
    bool initial_join = false;       // waiting out group.initial.rebalance.delay.ms
    int64_t initial_remaining_ms = 0;
    bool new_member_added = false;
    std::map<std::pair<std::string, int32_t>, CommittedOffset> offsets;
    std::map<int64_t, std::map<std::pair<std::string, int32_t>, CommittedOffset>> pending_txn;  // by producer id
    size_t file_records = 0;  // records in the group's file; compacted when mostly obsolete
  };

  static const char* state_name(State s);
  void transition_locked(Group& g, State s);
  Group* find_locked(const std::string& id);
  Group& get_or_create_locked(const std::string& id);
  int32_t rebalance_timeout_locked(const Group& g) const;
  bool supports_protocols_locked(const Group& g, const std::string& type, const Protocols& protocols) const;
  std::string select_protocol_locked(const Group& g) const;
  bool is_fenced_locked(const Group& g, const std::optional<std::string>& instance_id, const std::string& member) const;
  void add_member_and_rebalance_locked(Group& g, Member m, const std::string& protocol_type);
  void update_member_and_rebalance_locked(Group& g, Member& m, const kafka::proto::JoinGroupRequest& req);
  void fill_join_answer_locked(const Group& g, const std::string& member_id, kafka::proto::JoinGroupResponse& r,
                               const std::string& leader_shown) const;
  void maybe_prepare_rebalance_locked(Group& g);
  void prepare_rebalance_locked(Group& g);
  void maybe_complete_join_locked(Group& g, bool deadline_passed);
  void complete_join_locked(Group& g);
  void remove_member_locked(Group& g, const std::string& member_id);
  void heartbeat_locked(Member& m);
  static void wake(const std::shared_ptr<Pending>& p);

  // ---- the durable store
  std::filesystem::path group_file(const std::string& group) const;
  void append_locked(const std::string& group, const std::string& records);
  void persist_group_locked(Group& g);
  static std::string offset_record(const std::string& topic, int32_t partition, const CommittedOffset& o);
  static std::string group_record(const Group& g);
  void load();
  bool load_group_file(const std::filesystem::path& path, Group& g, size_t& records);
  void rewrite_locked(Group& g);
  static std::optional<std::set<std::string>> subscribed_topics(const Group& g);

  std::mutex mu_;
  std::filesystem::path dir_;
  GroupConfig config_;
  std::map<std::string, Group> groups_;
  Clock::time_point next_retention_check_;
};

}  // namespace refbroker
