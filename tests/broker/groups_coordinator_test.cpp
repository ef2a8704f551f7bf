// refbroker's group coordinator driven by raw requests (our protocol library), one connection per
// simulated member: KIP-394 pending members, static membership and fencing, rebalance and session
// timeouts, the generation rules of OffsetCommit, DeleteGroups, DescribeGroups, group metadata and
// offsets across a restart, KIP-211 offset retention and the initial rebalance delay.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "kafka/protocol/messages.h"
#include "support/broker_fixture.h"
#include "support/raw_client.h"

namespace {

namespace proto = kafka::proto;
using kafka::Error;
using kafka::code;
using testing_support::BrokerFixture;
using testing_support::RawClient;
using Clock = std::chrono::steady_clock;

constexpr int16_t kJoinV = 5, kSyncV = 3, kHeartbeatV = 3, kLeaveV = 3, kCommitV = 7, kFetchV = 5, kDescribeV = 4;


// ConsumerProtocolSubscription v0 for one topic.
proto::Bytes subscription(const std::string& topic) {
  proto::Writer w;
  w.i16(0);
  w.i32(1);
  w.i16(static_cast<int16_t>(topic.size()));
  for (char c : topic) w.i8(static_cast<int8_t>(c));
  w.i32(0);
  return proto::Bytes(std::move(w.buffer()));
}

class GroupsCoordinatorTest : public BrokerFixture {
 protected:
  std::map<std::string, std::string> broker_config() override {
    auto c = extra_config();
    c["refbroker.log.fsync"] = "false";
    c["group.min.session.timeout.ms"] = "100";
    return c;
  }
  virtual std::map<std::string, std::string> extra_config() { return {}; }

  std::unique_ptr<RawClient> client() { return std::make_unique<RawClient>(bootstrap()); }

  void create_topic(const std::string& name, int partitions) {
    proto::CreateTopicsRequest req;
    req.topics.push_back({name, partitions, 1, {}, {}});
    auto resp = client()->call(req, 4);
    ASSERT_EQ(resp.topics.at(0).error_code, 0);
  }

  proto::JoinGroupRequest join_request(const std::string& group, const std::string& member = "",
                                       std::optional<std::string> instance = std::nullopt, int32_t session_ms = 10000,
                                       int32_t rebalance_ms = 10000, const std::string& topic = "t") {
    proto::JoinGroupRequest r;
    r.group_id = group;
    r.member_id = member;
    r.group_instance_id = std::move(instance);
    r.session_timeout_ms = session_ms;
    r.rebalance_timeout_ms = rebalance_ms;
    r.protocol_type = "consumer";
    r.protocols.push_back({"range", subscription(topic)});
    return r;
  }
  // A dynamic member's full join (MEMBER_ID_REQUIRED, then the real join), from its own connection.
  proto::JoinGroupResponse join_dynamic(RawClient& c, const std::string& group, int32_t session_ms = 10000,
                                        int32_t rebalance_ms = 10000) {
    auto first = c.call(join_request(group, "", std::nullopt, session_ms, rebalance_ms), kJoinV);
    EXPECT_EQ(first.error_code, code(Error::MEMBER_ID_REQUIRED));
    return c.call(join_request(group, first.member_id, std::nullopt, session_ms, rebalance_ms), kJoinV);
  }
  proto::SyncGroupResponse sync(RawClient& c, const std::string& group, int32_t generation, const std::string& member,
                                std::vector<std::pair<std::string, std::string>> assignments = {},
                                std::optional<std::string> instance = std::nullopt) {
    proto::SyncGroupRequest r;
    r.group_id = group;
    r.generation_id = generation;
    r.member_id = member;
    r.group_instance_id = std::move(instance);
    for (auto& [m, a] : assignments) r.assignments.push_back({m, proto::Bytes(a)});
    return c.call(r, kSyncV);
  }
  int16_t heartbeat(RawClient& c, const std::string& group, int32_t generation, const std::string& member,
                    std::optional<std::string> instance = std::nullopt) {
    proto::HeartbeatRequest r;
    r.group_id = group;
    r.generation_id = generation;
    r.member_id = member;
    r.group_instance_id = std::move(instance);
    return c.call(r, kHeartbeatV).error_code;
  }
  int16_t commit(RawClient& c, const std::string& group, int32_t generation, const std::string& member,
                 int64_t offset = 5, std::optional<std::string> instance = std::nullopt,
                 const std::string& metadata = "meta") {
    proto::OffsetCommitRequest r;
    r.group_id = group;
    r.generation_id_or_member_epoch = generation;
    r.member_id = member;
    r.group_instance_id = std::move(instance);
    auto& t = r.topics.emplace_back();
    t.name = "t";
    auto& p = t.partitions.emplace_back();
    p.partition_index = 0;
    p.committed_offset = offset;
    p.committed_metadata = metadata;
    return c.call(r, kCommitV).topics.at(0).partitions.at(0).error_code;
  }
  // (offset, metadata) committed for t/0.
  std::pair<int64_t, std::string> fetch_offset(RawClient& c, const std::string& group) {
    proto::OffsetFetchRequest r;
    r.group_id = group;
    r.topics = std::vector<proto::OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0}}};
    auto resp = c.call(r, kFetchV);
    auto& p = resp.topics.at(0).partitions.at(0);
    return {p.committed_offset, p.metadata.value_or("")};
  }
  proto::DescribeGroupsResponse::DescribedGroup describe(RawClient& c, const std::string& group) {
    proto::DescribeGroupsRequest r;
    r.groups = {group};
    return c.call(r, kDescribeV).groups.at(0);
  }
  proto::LeaveGroupResponse leave(RawClient& c, const std::string& group, const std::string& member,
                                  std::optional<std::string> instance = std::nullopt) {
    proto::LeaveGroupRequest r;
    r.group_id = group;
    r.members.push_back({member, std::move(instance), std::nullopt});
    return c.call(r, kLeaveV);
  }
  // Polls DescribeGroups until the group reaches `state`.
  bool wait_state(RawClient& c, const std::string& group, const std::string& state, int ms = 10000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < deadline) {
      if (describe(c, group).group_state == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void SetUp() override {
    BrokerFixture::SetUp();
    create_topic("t", 2);
  }
};

TEST_F(GroupsCoordinatorTest, MemberIdRequiredThenJoinSyncDescribe) {
  auto c = client();
  auto first = c->call(join_request("g1"), kJoinV);
  ASSERT_EQ(first.error_code, code(Error::MEMBER_ID_REQUIRED));
  ASSERT_FALSE(first.member_id.empty());
  auto joined = c->call(join_request("g1", first.member_id), kJoinV);
  ASSERT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.member_id, first.member_id);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.leader, first.member_id);
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].metadata.data, subscription("t").data);
  auto d = describe(*c, "g1");
  EXPECT_EQ(d.group_state, "CompletingRebalance");
  EXPECT_TRUE(d.members.at(0).member_metadata.data.empty());  // only shown once Stable, as Kafka
  auto s = sync(*c, "g1", 1, joined.member_id, {{joined.member_id, "assignment-1"}});
  ASSERT_EQ(s.error_code, 0);
  EXPECT_EQ(s.assignment.str(), "assignment-1");
  d = describe(*c, "g1");
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_data, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].client_id, "raw-client");
  EXPECT_EQ(d.members[0].member_metadata.data, subscription("t").data);
  EXPECT_EQ(d.members[0].member_assignment.str(), "assignment-1");
  EXPECT_EQ(heartbeat(*c, "g1", 1, joined.member_id), 0);
  EXPECT_EQ(heartbeat(*c, "g1", 0, joined.member_id), code(Error::ILLEGAL_GENERATION));
  EXPECT_EQ(heartbeat(*c, "g1", 1, "nobody"), code(Error::UNKNOWN_MEMBER_ID));
  EXPECT_EQ(heartbeat(*c, "nogroup", 1, joined.member_id), code(Error::UNKNOWN_MEMBER_ID));
  // A pending member id that never joined is not a member.
  auto pending = c->call(join_request("g1"), kJoinV);
  EXPECT_EQ(heartbeat(*c, "g1", 1, pending.member_id), code(Error::UNKNOWN_MEMBER_ID));
}

TEST_F(GroupsCoordinatorTest, PendingMemberExpiresAndRebalanceGoesOnWithoutIt) {
  auto a = client();
  auto ja = join_dynamic(*a, "g2");
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(sync(*a, "g2", ja.generation_id, ja.member_id, {{ja.member_id, "x"}}).error_code, 0);
  // B gets a member id (session 800 ms) and never comes back.
  auto b = client();
  auto pb = b->call(join_request("g2", "", std::nullopt, 800), kJoinV);
  ASSERT_EQ(pb.error_code, code(Error::MEMBER_ID_REQUIRED));
  // The leader rejoins: the rebalance waits for the pending member until its session expires.
  auto t0 = Clock::now();
  auto again = a->call(join_request("g2", ja.member_id), kJoinV);
  auto waited = Clock::now() - t0;
  ASSERT_EQ(again.error_code, 0);
  EXPECT_EQ(again.generation_id, ja.generation_id + 1);
  EXPECT_EQ(again.members.size(), 1u);
  EXPECT_GE(waited, std::chrono::milliseconds(500));
  EXPECT_LT(waited, std::chrono::milliseconds(5000));
  // The expired pending member's id is now unknown.
  auto late = b->call(join_request("g2", pb.member_id), kJoinV);
  EXPECT_EQ(late.error_code, code(Error::UNKNOWN_MEMBER_ID));
}

TEST_F(GroupsCoordinatorTest, RebalanceTimeoutDropsMembersThatDidNotRejoin) {
  auto a = client(), b = client();
  auto first = join_dynamic(*a, "g3", 10000, 1000);
  ASSERT_EQ(first.error_code, 0);
  ASSERT_EQ(sync(*a, "g3", first.generation_id, first.member_id, {{first.member_id, "x"}}).error_code, 0);
  // B's join starts a rebalance that completes once A rejoins.
  auto fb = std::async(std::launch::async, [&] { return join_dynamic(*b, "g3", 10000, 1000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto ja = a->call(join_request("g3", first.member_id, std::nullopt, 10000, 1000), kJoinV);
  ASSERT_EQ(ja.error_code, 0);
  auto jb = fb.get();
  ASSERT_EQ(jb.error_code, 0);
  ASSERT_EQ(ja.generation_id, jb.generation_id);
  std::string leader = ja.leader;
  auto& lc = leader == ja.member_id ? *a : *b;
  auto& fc = leader == ja.member_id ? *b : *a;
  std::string follower = leader == ja.member_id ? jb.member_id : ja.member_id;
  int32_t gen = ja.generation_id;
  auto fs = std::async(std::launch::async, [&] { return sync(fc, "g3", gen, follower); });
  ASSERT_EQ(sync(lc, "g3", gen, leader, {{leader, "L"}, {follower, "F"}}).error_code, 0);
  ASSERT_EQ(fs.get().assignment.str(), "F");
  // The leader rejoins; the follower does not (it keeps heartbeating, which does not count).
  auto t0 = Clock::now();
  auto rejoin = std::async(std::launch::async,
                           [&] { return lc.call(join_request("g3", leader, std::nullopt, 10000, 1000), kJoinV); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(heartbeat(fc, "g3", gen, follower), code(Error::REBALANCE_IN_PROGRESS));
  // Commits with the current generation are still accepted while preparing the rebalance.
  EXPECT_EQ(commit(fc, "g3", gen, follower), 0);
  auto r = rejoin.get();
  ASSERT_EQ(r.error_code, 0);
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_EQ(r.generation_id, gen + 1);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].member_id, leader);
  EXPECT_EQ(heartbeat(fc, "g3", gen, follower), code(Error::UNKNOWN_MEMBER_ID));
  // Commits during CompletingRebalance are refused.
  EXPECT_EQ(commit(lc, "g3", gen + 1, leader), code(Error::REBALANCE_IN_PROGRESS));
}

TEST_F(GroupsCoordinatorTest, SessionExpiryWhileCompletingRebalance) {
  auto a = client();
  auto ja = join_dynamic(*a, "g4", 1000, 10000);
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(sync(*a, "g4", ja.generation_id, ja.member_id, {{ja.member_id, "x"}}).error_code, 0);
  auto b = client();
  auto fb = std::async(std::launch::async, [&] { return join_dynamic(*b, "g4", 10000, 10000); });
  // A rejoins so the join completes for both.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto ja2 = a->call(join_request("g4", ja.member_id, std::nullopt, 1000, 10000), kJoinV);
  auto jb = fb.get();
  ASSERT_EQ(ja2.error_code, 0);
  ASSERT_EQ(jb.error_code, 0);
  std::string leader = ja2.leader;
  ASSERT_EQ(leader, ja.member_id);  // the first member stays leader
  // B waits for its assignment; the leader goes silent and its 1 s session expires.
  auto t0 = Clock::now();
  auto sb = sync(*b, "g4", jb.generation_id, jb.member_id);
  EXPECT_EQ(sb.error_code, code(Error::REBALANCE_IN_PROGRESS));
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(700));
  EXPECT_EQ(heartbeat(*a, "g4", ja2.generation_id, leader), code(Error::UNKNOWN_MEMBER_ID));
  auto jb2 = b->call(join_request("g4", jb.member_id), kJoinV);
  ASSERT_EQ(jb2.error_code, 0);
  EXPECT_EQ(jb2.leader, jb.member_id);
  EXPECT_EQ(jb2.members.size(), 1u);
}

TEST_F(GroupsCoordinatorTest, StaticMemberRejoinReplacesAndFencesTheOldId) {
  auto c = client();
  auto j = c->call(join_request("g5", "", "instance-1"), kJoinV);  // static: no MEMBER_ID_REQUIRED
  ASSERT_EQ(j.error_code, 0);
  EXPECT_EQ(j.generation_id, 1);
  ASSERT_EQ(sync(*c, "g5", 1, j.member_id, {{j.member_id, "mine"}}, "instance-1").error_code, 0);
  ASSERT_EQ(commit(*c, "g5", 1, j.member_id, 7, "instance-1"), 0);

  // The client restarts: same instance id, no member id. No rebalance while Stable.
  auto c2 = client();
  auto j2 = c2->call(join_request("g5", "", "instance-1"), kJoinV);
  ASSERT_EQ(j2.error_code, 0);
  EXPECT_NE(j2.member_id, j.member_id);
  EXPECT_EQ(j2.generation_id, 1);
  EXPECT_EQ(j2.leader, j.member_id);  // the old leader id: the new member must not reassign
  EXPECT_TRUE(j2.members.empty());
  auto s2 = sync(*c2, "g5", 1, j2.member_id, {}, "instance-1");
  ASSERT_EQ(s2.error_code, 0);
  EXPECT_EQ(s2.assignment.str(), "mine");
  auto d = describe(*c2, "g5");
  EXPECT_EQ(d.group_state, "Stable");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, j2.member_id);
  EXPECT_EQ(d.members[0].group_instance_id, std::optional<std::string>("instance-1"));

  // The old member id is fenced everywhere.
  EXPECT_EQ(heartbeat(*c, "g5", 1, j.member_id, "instance-1"), code(Error::FENCED_INSTANCE_ID));
  EXPECT_EQ(sync(*c, "g5", 1, j.member_id, {}, "instance-1").error_code, code(Error::FENCED_INSTANCE_ID));
  EXPECT_EQ(commit(*c, "g5", 1, j.member_id, 8, "instance-1"), code(Error::FENCED_INSTANCE_ID));
  EXPECT_EQ(c->call(join_request("g5", j.member_id, "instance-1"), kJoinV).error_code, code(Error::FENCED_INSTANCE_ID));
  auto fenced_leave = leave(*c, "g5", j.member_id, "instance-1");
  EXPECT_EQ(fenced_leave.members.at(0).error_code, code(Error::FENCED_INSTANCE_ID));
  EXPECT_EQ(heartbeat(*c2, "g5", 1, j2.member_id, "instance-1"), 0);
  EXPECT_EQ(commit(*c2, "g5", 1, j2.member_id, 9, "instance-1"), 0);

  // Admin removal by instance id alone (LeaveGroup v3+).
  EXPECT_EQ(leave(*c, "g5", "", "no-such-instance").members.at(0).error_code, code(Error::UNKNOWN_MEMBER_ID));
  auto removed = leave(*c, "g5", "", "instance-1");
  EXPECT_EQ(removed.error_code, 0);
  EXPECT_EQ(removed.members.at(0).error_code, 0);
  EXPECT_TRUE(wait_state(*c, "g5", "Empty"));
  EXPECT_EQ(heartbeat(*c2, "g5", 1, j2.member_id, "instance-1"), code(Error::UNKNOWN_MEMBER_ID));
}

TEST_F(GroupsCoordinatorTest, StaticMemberRejoiningWithOtherProtocolsRebalances) {
  auto c = client();
  auto j = c->call(join_request("g13", "", "instance-x"), kJoinV);
  ASSERT_EQ(j.error_code, 0);
  ASSERT_EQ(sync(*c, "g13", j.generation_id, j.member_id, {{j.member_id, "a"}}, "instance-x").error_code, 0);
  // The restarted instance prefers "roundrobin" now: the group's protocol changes, so it rebalances.
  // (Offering only "roundrobin" would be INCONSISTENT_GROUP_PROTOCOL: the old instance's "range" counts.)
  auto only_new = join_request("g13", "", "instance-x");
  only_new.protocols = {{"roundrobin", subscription("t")}};
  EXPECT_EQ(c->call(only_new, kJoinV).error_code, code(Error::INCONSISTENT_GROUP_PROTOCOL));
  auto r = join_request("g13", "", "instance-x");
  r.protocols = {{"roundrobin", subscription("t")}, {"range", subscription("t")}};
  auto j2 = c->call(r, kJoinV);
  ASSERT_EQ(j2.error_code, 0);
  EXPECT_EQ(j2.generation_id, j.generation_id + 1);
  EXPECT_EQ(j2.protocol_name, std::optional<std::string>("roundrobin"));
  EXPECT_EQ(j2.leader, j2.member_id);
}

TEST_F(GroupsCoordinatorTest, LeaveGroupBeforeVersion3) {
  auto c = client();
  auto j = join_dynamic(*c, "g14");
  ASSERT_EQ(j.error_code, 0);
  proto::LeaveGroupRequest r;
  r.group_id = "g14";
  r.member_id = "stranger";
  EXPECT_EQ(c->call(r, 1).error_code, code(Error::UNKNOWN_MEMBER_ID));
  r.member_id = j.member_id;
  EXPECT_EQ(c->call(r, 1).error_code, 0);
  EXPECT_TRUE(wait_state(*c, "g14", "Empty"));
}

TEST_F(GroupsCoordinatorTest, StaticMemberThatDoesNotRejoinKeepsItsPlace) {
  auto s = client(), d = client();
  auto js = s->call(join_request("g6", "", "static-1", 10000, 800), kJoinV);
  ASSERT_EQ(js.error_code, 0);
  ASSERT_EQ(sync(*s, "g6", js.generation_id, js.member_id, {{js.member_id, "S"}}, "static-1").error_code, 0);
  // A dynamic member joins; the static leader does not rejoin within the rebalance timeout, but
  // as a static member it stays in the group and in the leader's member list.
  auto jd = join_dynamic(*d, "g6", 10000, 800);
  ASSERT_EQ(jd.error_code, 0);
  EXPECT_EQ(jd.generation_id, js.generation_id + 1);
  EXPECT_EQ(jd.leader, jd.member_id);
  EXPECT_EQ(jd.members.size(), 2u);
}

TEST_F(GroupsCoordinatorTest, OffsetCommitGenerationRules) {
  auto c = client();
  // No group yet: generation -1 commits (assign() users); any other generation is refused.
  EXPECT_EQ(commit(*c, "simple", -1, "", 11), 0);
  EXPECT_EQ(fetch_offset(*c, "simple"), std::make_pair(int64_t{11}, std::string("meta")));
  EXPECT_EQ(commit(*c, "fresh", 3, "m", 11), code(Error::ILLEGAL_GENERATION));

  auto ja = join_dynamic(*c, "g7");
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(sync(*c, "g7", ja.generation_id, ja.member_id, {{ja.member_id, "x"}}).error_code, 0);
  EXPECT_EQ(commit(*c, "g7", ja.generation_id, ja.member_id, 20, std::nullopt, "commit metadata ✓"), 0);
  EXPECT_EQ(fetch_offset(*c, "g7"), std::make_pair(int64_t{20}, std::string("commit metadata ✓")));
  EXPECT_EQ(commit(*c, "g7", ja.generation_id - 1, ja.member_id), code(Error::ILLEGAL_GENERATION));
  EXPECT_EQ(commit(*c, "g7", ja.generation_id, "stranger"), code(Error::UNKNOWN_MEMBER_ID));
  // A live group refuses generation -1 commits.
  EXPECT_EQ(commit(*c, "g7", -1, "", 30), code(Error::UNKNOWN_MEMBER_ID));
  EXPECT_EQ(fetch_offset(*c, "g7").first, 20);
  // Once Empty, simple commits are fine again.
  ASSERT_EQ(leave(*c, "g7", ja.member_id).members.at(0).error_code, 0);
  EXPECT_TRUE(wait_state(*c, "g7", "Empty"));
  EXPECT_EQ(commit(*c, "g7", -1, "", 31), 0);
  EXPECT_EQ(fetch_offset(*c, "g7").first, 31);
  // Oversized metadata.
  EXPECT_EQ(commit(*c, "g7", -1, "", 32, std::nullopt, std::string(5000, 'm')), code(Error::OFFSET_METADATA_TOO_LARGE));
}

TEST_F(GroupsCoordinatorTest, DeleteGroups) {
  auto c = client();
  auto ja = join_dynamic(*c, "g8");
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(commit(*c, "g8", -1, "", 1), code(Error::UNKNOWN_MEMBER_ID));
  proto::DeleteGroupsRequest del;
  del.groups_names = {"g8", "never-existed"};
  auto r = c->call(del, 1);
  EXPECT_EQ(r.results.at(0).error_code, code(Error::NON_EMPTY_GROUP));
  EXPECT_EQ(r.results.at(1).error_code, code(Error::GROUP_ID_NOT_FOUND));
  ASSERT_EQ(leave(*c, "g8", ja.member_id).members.at(0).error_code, 0);
  ASSERT_EQ(commit(*c, "g8", -1, "", 4), 0);
  del.groups_names = {"g8"};
  EXPECT_EQ(c->call(del, 1).results.at(0).error_code, 0);
  EXPECT_EQ(describe(*c, "g8").group_state, "Dead");
  EXPECT_EQ(fetch_offset(*c, "g8").first, -1);
  restart_broker();  // and it stays deleted
  auto c2 = client();
  EXPECT_EQ(describe(*c2, "g8").group_state, "Dead");
  EXPECT_EQ(fetch_offset(*c2, "g8").first, -1);
}

TEST_F(GroupsCoordinatorTest, StableGroupSurvivesRestartAndKeepsHeartbeating) {
  auto a = client(), b = client();
  auto ja = join_dynamic(*a, "g9");
  ASSERT_EQ(ja.error_code, 0);
  auto fb = std::async(std::launch::async, [&] { return join_dynamic(*b, "g9"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto ja2 = a->call(join_request("g9", ja.member_id), kJoinV);
  auto jb = fb.get();
  ASSERT_EQ(ja2.error_code, 0);
  ASSERT_EQ(jb.error_code, 0);
  int32_t gen = ja2.generation_id;
  auto sb = std::async(std::launch::async, [&] { return sync(*b, "g9", gen, jb.member_id); });
  ASSERT_EQ(sync(*a, "g9", gen, ja.member_id, {{ja.member_id, "part-0"}, {jb.member_id, "part-1"}}).error_code, 0);
  ASSERT_EQ(sb.get().assignment.str(), "part-1");
  ASSERT_EQ(commit(*a, "g9", gen, ja.member_id, 42, std::nullopt, "before restart"), 0);
  a.reset();
  b.reset();

  restart_broker();
  auto c = client();
  auto d = describe(*c, "g9");
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.protocol_data, "range");
  ASSERT_EQ(d.members.size(), 2u);
  for (auto& m : d.members) {
    EXPECT_EQ(m.member_metadata.data, subscription("t").data);
    EXPECT_EQ(m.member_assignment.str(), m.member_id == ja.member_id ? "part-0" : "part-1");
  }
  EXPECT_EQ(heartbeat(*c, "g9", gen, ja.member_id), 0);
  EXPECT_EQ(heartbeat(*c, "g9", gen, jb.member_id), 0);
  EXPECT_EQ(sync(*c, "g9", gen, jb.member_id).assignment.str(), "part-1");
  EXPECT_EQ(fetch_offset(*c, "g9"), std::make_pair(int64_t{42}, std::string("before restart")));
  // A leaving member triggers the rebalance as before the restart.
  ASSERT_EQ(leave(*c, "g9", jb.member_id).members.at(0).error_code, 0);
  EXPECT_EQ(heartbeat(*c, "g9", gen, ja.member_id), code(Error::REBALANCE_IN_PROGRESS));
}

TEST_F(GroupsCoordinatorTest, TornGroupFileTailIsIgnored) {
  auto c = client();
  ASSERT_EQ(commit(*c, "g10", -1, "", 5), 0);
  broker_->stop();
  // A crash in the middle of an append leaves half a record.
  auto files = std::filesystem::directory_iterator(dir_ / "__consumer_offsets");
  for (auto& f : files) {
    std::ofstream(f.path(), std::ios::app) << "O _74 0 99";
  }
  start_broker();
  auto c2 = client();
  EXPECT_EQ(fetch_offset(*c2, "g10").first, 5);
  ASSERT_EQ(commit(*c2, "g10", -1, "", 6), 0);
  restart_broker();
  auto c3 = client();
  EXPECT_EQ(fetch_offset(*c3, "g10").first, 6);
}

TEST_F(GroupsCoordinatorTest, DeletedTopicTakesItsOffsetsAlong) {
  auto c = client();
  ASSERT_EQ(commit(*c, "g12", -1, "", 5), 0);
  proto::DeleteTopicsRequest del;
  del.topic_names = {"t"};
  ASSERT_EQ(c->call(del, 4).responses.at(0).error_code, 0);
  create_topic("t", 2);
  EXPECT_EQ(fetch_offset(*c, "g12").first, -1);
  restart_broker();
  auto c2 = client();
  EXPECT_EQ(fetch_offset(*c2, "g12").first, -1);
}

class GroupsRetentionTest : public GroupsCoordinatorTest {
 protected:
  std::map<std::string, std::string> extra_config() override {
    return {{"refbroker.offsets.retention.ms", "1000"}, {"offsets.retention.check.interval.ms", "100"}};
  }
};

TEST_F(GroupsRetentionTest, OffsetsExpireOnlyOnceTheGroupIsEmpty) {
  auto c = client();
  ASSERT_EQ(commit(*c, "simple", -1, "", 3), 0);
  auto ja = join_dynamic(*c, "live");
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(sync(*c, "live", ja.generation_id, ja.member_id, {{ja.member_id, "x"}}).error_code, 0);
  ASSERT_EQ(commit(*c, "live", ja.generation_id, ja.member_id, 9), 0);
  // Keep the member alive past the retention: the subscribed topic's offset stays.
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(heartbeat(*c, "live", ja.generation_id, ja.member_id), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(fetch_offset(*c, "live").first, 9);
  // The simple group's offset expired after its commit, and the group with it.
  EXPECT_EQ(fetch_offset(*c, "simple").first, -1);
  EXPECT_EQ(describe(*c, "simple").group_state, "Dead");
  // Once Empty, the group's offsets expire a retention period later.
  ASSERT_EQ(leave(*c, "live", ja.member_id).members.at(0).error_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(fetch_offset(*c, "live").first, 9);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(fetch_offset(*c, "live").first, -1);
  EXPECT_EQ(describe(*c, "live").group_state, "Dead");
}

class GroupsInitialDelayTest : public GroupsCoordinatorTest {
 protected:
  std::map<std::string, std::string> extra_config() override { return {{"group.initial.rebalance.delay.ms", "600"}}; }
};

TEST_F(GroupsInitialDelayTest, MembersArrivingDuringTheDelayShareTheFirstGeneration) {
  auto a = client(), b = client();
  auto t0 = Clock::now();
  auto fa = std::async(std::launch::async, [&] { return join_dynamic(*a, "g11"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto fb = std::async(std::launch::async, [&] { return join_dynamic(*b, "g11"); });
  auto ja = fa.get(), jb = fb.get();
  ASSERT_EQ(ja.error_code, 0);
  ASSERT_EQ(jb.error_code, 0);
  EXPECT_EQ(ja.generation_id, 1);
  EXPECT_EQ(jb.generation_id, 1);
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(600));
  EXPECT_EQ((ja.leader == ja.member_id ? ja : jb).members.size(), 2u);
}

}  // namespace
