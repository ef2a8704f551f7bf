// The classic consumer-group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) and the
// committed-offset store, as Kafka's GroupCoordinator runs them for one broker.
//
// States: Empty -> PreparingRebalance -> CompletingRebalance -> Stable (and back on any join,
// leave or session expiry). A rebalance completes when every known member has rejoined, or at
// the rebalance deadline, when members that did not rejoin are dropped. JoinGroup and SyncGroup
// answers may wait for other members: each waiting request parks a Pending with a timer on its
// connection's strand, and completion posts a cancel to that strand (as for fetch long polls).
//
// Offsets are kept in memory and appended to <data-dir>/__consumer_offsets/<hex(group)>.log, replayed
// on startup (last record wins), so commits survive restarts.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
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

  GroupCoordinator(std::filesystem::path dir, GroupConfig config);

  // Starts a join. Either answers at once (errors, MEMBER_ID_REQUIRED) by filling `now`, or
  // returns a Pending to wait on until done (wait() below).
  std::shared_ptr<Pending> join(const kafka::proto::JoinGroupRequest& req, int16_t version, const std::string& client_id,
                                const std::string& client_host, boost::asio::any_io_executor ex,
                                kafka::proto::JoinGroupResponse& now);
  std::shared_ptr<Pending> sync(const kafka::proto::SyncGroupRequest& req, boost::asio::any_io_executor ex,
                                kafka::proto::SyncGroupResponse& now);
  // Waits for a pending join/sync to complete; the caller then reads its response.
  boost::asio::awaitable<void> wait(std::shared_ptr<Pending> p);

  kafka::Error heartbeat(const std::string& group, int32_t generation, const std::string& member);
  kafka::Error leave(const std::string& group, const std::string& member);

  // OffsetCommit for one partition: checks generation/member like Kafka.
  kafka::Error check_commit(const std::string& group, int32_t generation, const std::string& member);
  void commit(const std::string& group, const std::string& topic, int32_t partition, const CommittedOffset& o);
  void flush_commits(const std::string& group);
  std::map<std::pair<std::string, int32_t>, CommittedOffset> offsets(const std::string& group);

  kafka::proto::DescribeGroupsResponse::DescribedGroup describe(const std::string& group);
  std::vector<kafka::proto::ListGroupsResponse::ListedGroup> list();
  kafka::Error remove(const std::string& group);

  // Session expiry and rebalance deadlines; called periodically.
  void tick();
  const GroupConfig& config() const { return config_; }

 private:
  enum class State { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead };
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id, client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::vector<kafka::proto::JoinGroupRequest::JoinGroupRequestProtocol> protocols;
    kafka::proto::Bytes assignment;
    Clock::time_point last_seen;
    std::shared_ptr<Pending> join_waiter;
    std::shared_ptr<Pending> sync_waiter;
  };
  struct Group {
    State state = State::Empty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol;
    std::string leader;
    std::map<std::string, Member> members;
    Clock::time_point rebalance_deadline;
    std::map<std::pair<std::string, int32_t>, CommittedOffset> offsets;
    std::string unflushed;  // offset records not yet appended to the group's file
  };

  static const char* state_name(State s);
  Group& group_locked(const std::string& id);
  void prepare_rebalance_locked(Group& g);
  void maybe_complete_join_locked(Group& g, bool deadline_passed);
  void complete_join_locked(Group& g);
  void remove_member_locked(Group& g, const std::string& member_id);
  static void wake(const std::shared_ptr<Pending>& p);
  std::filesystem::path offsets_file(const std::string& group) const;
  void load_offsets();

  std::mutex mu_;
  std::filesystem::path dir_;
  GroupConfig config_;
  std::map<std::string, Group> groups_;
  uint64_t member_counter_ = 0;
};

}  // namespace refbroker
