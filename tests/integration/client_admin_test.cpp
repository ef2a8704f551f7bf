// kafka::client::AdminClient against an in-process refbroker with injected faults: every admin
// request survives a dropped connection (retried, rerouted after fresh metadata or a new
// FindCoordinator), and a request the broker sits on ends at the caller's timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admin.h"
#include "faults.h"
#include "support/broker_fixture.h"

namespace {

using kafka::client::AdminClient;
using kafka::client::AdminResult;
using kafka::client::TopicPartitionOffset;
using kafka::proto::ApiKey;
using refbroker::FaultAction;

constexpr int kTimeoutMs = 10000;

class AdminTest : public testing_support::BrokerFixture {
 protected:
  std::unique_ptr<AdminClient> admin(const std::string& bootstrap) {
    std::string errstr;
    auto a = AdminClient::create({{"bootstrap.servers", bootstrap}}, errstr);
    EXPECT_TRUE(a) << errstr;
    return a;
  }
  void drop_next(ApiKey api) { broker().faults().add({api, FaultAction::DropConnection}); }
};

TopicPartitionOffset tpo(const std::string& t, int32_t p, int64_t off) {
  TopicPartitionOffset o;
  o.topic = t;
  o.partition = p;
  o.offset = off;
  return o;
}

TEST_F(AdminTest, EveryRequestSurvivesADroppedConnection) {
  auto a = admin(bootstrap());
  std::vector<AdminResult> results;
  drop_next(ApiKey::CreateTopics);
  ASSERT_FALSE(a->create_topics({{"t", 2, 1, {{"retention.ms", "100000"}}}}, results, kTimeoutMs));
  ASSERT_FALSE(results[0]) << results[0].describe();
  drop_next(ApiKey::CreatePartitions);
  ASSERT_FALSE(a->create_partitions({{"t", 3}}, results, kTimeoutMs));
  ASSERT_FALSE(results[0]) << results[0].describe();
  kafka::client::AdminMetadata md;
  std::vector<std::string> one{"t"};
  ASSERT_FALSE(a->metadata(&one, md, kTimeoutMs));
  ASSERT_EQ(md.topics.size(), 1u);
  EXPECT_EQ(md.topics[0].partitions.size(), 3u);
  EXPECT_EQ(md.topics[0].topic_id.size(), 22u);

  drop_next(ApiKey::DescribeConfigs);
  std::vector<kafka::client::AdminConfigResource> res(1);
  res[0].name = "t";
  ASSERT_FALSE(a->describe_configs(res, kTimeoutMs));
  ASSERT_FALSE(res[0].result) << res[0].result.describe();
  bool found = false;
  for (auto& e : res[0].entries) found |= e.name == "retention.ms" && e.value == "100000" && e.source == 1;
  EXPECT_TRUE(found);

  drop_next(ApiKey::ListOffsets);
  std::vector<TopicPartitionOffset> offs{tpo("t", 0, -1), tpo("t", 2, -2)};
  ASSERT_FALSE(a->list_offsets(offs, 0, kTimeoutMs));
  EXPECT_EQ(offs[0].err, 0);
  EXPECT_EQ(offs[0].offset, 0);
  EXPECT_EQ(offs[1].offset, 0);
  drop_next(ApiKey::DeleteRecords);
  std::vector<TopicPartitionOffset> del{tpo("t", 1, 0)};
  ASSERT_FALSE(a->delete_records(del, kTimeoutMs));
  EXPECT_EQ(del[0].err, 0);
  EXPECT_EQ(del[0].offset, 0);

  drop_next(ApiKey::FindCoordinator);
  drop_next(ApiKey::OffsetCommit);
  std::vector<TopicPartitionOffset> commit{tpo("t", 0, 0)};
  ASSERT_FALSE(a->alter_group_offsets("g", commit, kTimeoutMs));
  EXPECT_EQ(commit[0].err, 0);
  drop_next(ApiKey::OffsetFetch);
  std::vector<TopicPartitionOffset> committed;
  ASSERT_FALSE(a->list_group_offsets("g", committed, kTimeoutMs));
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].topic, "t");
  EXPECT_EQ(committed[0].offset, 0);
  drop_next(ApiKey::DescribeGroups);
  std::vector<kafka::client::AdminGroup> groups;
  ASSERT_FALSE(a->describe_groups({"g"}, groups, kTimeoutMs));
  EXPECT_EQ(groups[0].state, "Empty");
  drop_next(ApiKey::ListGroups);
  std::vector<kafka::client::AdminGroupListing> listed;
  ASSERT_FALSE(a->list_groups(listed, kTimeoutMs));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].group_id, "g");
  drop_next(ApiKey::DeleteGroups);
  ASSERT_FALSE(a->delete_groups({"g"}, results, kTimeoutMs));
  EXPECT_FALSE(results[0]) << results[0].describe();

  drop_next(ApiKey::DeleteTopics);
  ASSERT_FALSE(a->delete_topics({"t"}, results, kTimeoutMs));
  EXPECT_FALSE(results[0]) << results[0].describe();
  EXPECT_EQ(broker().faults().injected(), 12);  // each drop above happened
  // Errors of the request itself are final and named as Kafka names them.
  ASSERT_FALSE(a->delete_topics({"t"}, results, kTimeoutMs));
  EXPECT_EQ(results[0].name(), "UNKNOWN_TOPIC_OR_PARTITION");
}

TEST_F(AdminTest, MovedControllerCoordinatorOrLeaderIsFoundAgain) {
  auto a = admin(bootstrap());
  auto fail_next = [&](ApiKey api, kafka::Error e, int times = 1) {
    broker().faults().add({api, FaultAction::Error, e, 0, 0, 1, times});
  };
  std::vector<AdminResult> results;
  fail_next(ApiKey::CreateTopics, kafka::Error::NOT_CONTROLLER);
  ASSERT_FALSE(a->create_topics({{"t", 1, 1, {}}}, results, kTimeoutMs));
  EXPECT_FALSE(results[0]) << results[0].describe();
  fail_next(ApiKey::DeleteRecords, kafka::Error::NOT_LEADER_OR_FOLLOWER);
  std::vector<TopicPartitionOffset> del{tpo("t", 0, 0)};
  ASSERT_FALSE(a->delete_records(del, kTimeoutMs));
  EXPECT_EQ(del[0].err, 0);
  fail_next(ApiKey::OffsetCommit, kafka::Error::NOT_COORDINATOR);
  std::vector<TopicPartitionOffset> commit{tpo("t", 0, 0)};
  ASSERT_FALSE(a->alter_group_offsets("g", commit, kTimeoutMs));
  EXPECT_EQ(commit[0].err, 0);
  fail_next(ApiKey::OffsetFetch, kafka::Error::COORDINATOR_LOAD_IN_PROGRESS, 2);
  std::vector<TopicPartitionOffset> committed;
  ASSERT_FALSE(a->list_group_offsets("g", committed, kTimeoutMs));
  ASSERT_EQ(committed.size(), 1u);
  fail_next(ApiKey::DescribeGroups, kafka::Error::NOT_COORDINATOR);
  std::vector<kafka::client::AdminGroup> groups;
  ASSERT_FALSE(a->describe_groups({"g"}, groups, kTimeoutMs));
  EXPECT_EQ(groups[0].state, "Empty");
  fail_next(ApiKey::ListGroups, kafka::Error::COORDINATOR_NOT_AVAILABLE);
  std::vector<kafka::client::AdminGroupListing> listed;
  ASSERT_FALSE(a->list_groups(listed, kTimeoutMs));
  EXPECT_EQ(listed.size(), 1u);
  EXPECT_EQ(broker().faults().injected(), 7);
  // Errors that are not about routing are final: asked once, reported by Kafka's name.
  fail_next(ApiKey::CreateTopics, kafka::Error::POLICY_VIOLATION);
  ASSERT_FALSE(a->create_topics({{"u", 1, 1, {}}}, results, kTimeoutMs));
  EXPECT_EQ(results[0].name(), "POLICY_VIOLATION");
  EXPECT_EQ(broker().faults().injected(), 8);
}

TEST_F(AdminTest, AnUnansweredRequestEndsAtTheTimeout) {
  auto a = admin(bootstrap());
  broker().faults().add({ApiKey::DescribeGroups, FaultAction::Delay, kafka::Error::NONE, 5000});
  std::vector<kafka::client::AdminGroup> groups;
  auto t0 = std::chrono::steady_clock::now();
  AdminResult r = a->describe_groups({"g"}, groups, 400);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.name(), "_TIMED_OUT") << r.describe();
  EXPECT_GE(ms, 400);
  EXPECT_LT(ms, 1500);
}

TEST_F(AdminTest, AnUnreachableClusterEndsAtTheTimeoutNamingTheConnectionError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);  // nobody listens there now
  auto a = admin("127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  std::vector<AdminResult> results;
  auto t0 = std::chrono::steady_clock::now();
  AdminResult r = a->create_topics({{"t", 1, 1, {}}}, results, 300);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.name(), "_TIMED_OUT");
  EXPECT_NE(r.message.find("Connection refused"), std::string::npos) << r.message;
  EXPECT_LT(ms, 1300);
}

}  // namespace
